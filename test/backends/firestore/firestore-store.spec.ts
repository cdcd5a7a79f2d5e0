import { Firestore, Timestamp, Transaction } from '@google-cloud/firestore';
import { randomBytes } from 'node:crypto';
import {
  FirestoreStore,
  SessionTooLargeError,
  firestoreDocumentId,
  type FirestoreClientLike,
} from '../../../lib';
import { describeSessionStore, freePort, type ServerProcess } from '../../../lib/testing';
import { startFirestoreEmulator, firestoreEmulatorHost } from '../../utils/firestore-emulator';
import {
  FIRESTORE_TEST_PROJECT,
  emptyCollection,
  firestoreClient,
  uniqueCollection,
} from '../../utils/firestore-clients';
import { largestAcceptedSize } from '../../utils/size-limit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Set FIRESTORE_EMULATOR_HOST (e.g. 127.0.0.1:8080 from `gcloud emulators
 * firestore start`) to run on your emulator; otherwise the tests start the npm
 * emulator `@firestore-emulator/server` in a child process of their own.
 */
const givenHost = process.env.FIRESTORE_EMULATOR_HOST;
// The client must never look for cloud credentials or a metadata server here.
process.env.METADATA_SERVER_DETECTION = 'none';

let emulator: ServerProcess | undefined;
let host: string;
let client: Firestore;

beforeAll(async () => {
  if (givenHost === undefined) emulator = await startFirestoreEmulator();
  host = givenHost ?? firestoreEmulatorHost(emulator!.port);
  client = firestoreClient(host);
});

afterAll(async () => {
  await client?.terminate();
  await emulator?.stop();
});

describeSessionStore(
  `firestore (emulator at ${givenHost ?? 'a free port'})`,
  async () => {
    const collection = uniqueCollection('contract');
    return {
      store: new FirestoreStore({ client, collection }),
      cleanup: () => emptyCollection(client, collection),
    };
  },
  { findByUser: true },
);

describe('firestoreDocumentId', () => {
  it('keeps ordinary session keys as they are', () => {
    expect(firestoreDocumentId('session:AbC-_09')).toBe('session:AbC-_09');
  });

  it('escapes what Firestore refuses, one-to-one', () => {
    const keys = ['a/b', 'a%2Fb', 'a%b', '.', '..', '%2E', '__x__', '%5F_x__', '_x__', '', '%00'];
    const ids = keys.map(firestoreDocumentId);
    expect(new Set(ids).size).toBe(keys.length);
    for (const id of ids) {
      expect(id).not.toContain('/');
      expect(id).not.toMatch(/^(\.|\.\.|__.*__|)$/s);
    }
    expect(firestoreDocumentId('a/b')).toBe('a%2Fb');
    expect(firestoreDocumentId('__x__')).toBe('%5F_x__');
  });

  it('hashes an id over 1500 bytes, apart from every escaped id', () => {
    const long = 'é'.repeat(800);
    const id = firestoreDocumentId(long);
    expect(id).toMatch(/^%h[0-9a-f]{64}$/);
    expect(firestoreDocumentId(`${long}x`)).not.toBe(id);
    expect(firestoreDocumentId(id)).not.toBe(id);
    expect(Buffer.byteLength(firestoreDocumentId('k'.repeat(1500)))).toBe(1500);
  });
});

describe('FirestoreStore documents', () => {
  let collection: string;
  let store: FirestoreStore;
  const raw = (id: string) => client.collection(collection).doc(id).get();

  beforeEach(() => {
    collection = uniqueCollection('docs');
    store = new FirestoreStore({ client, collection });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await emptyCollection(client, collection);
  });

  it('writes one document {data: bytes, expiresAt: timestamp} named by the key', async () => {
    const before = Date.now();
    await store.set('session:abc', Uint8Array.from([0, 1, 254, 255]), 60_000);
    const doc = await raw('session:abc');
    expect(Object.keys(doc.data()!).sort()).toEqual(['data', 'expiresAt']);
    expect(doc.get('data')).toEqual(Buffer.from([0, 1, 254, 255]));
    const expiresAt = (doc.get('expiresAt') as Timestamp).toMillis();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it.each([
    ['a prefix with a slash', 'tenant/1:abc'],
    ['a key that is "."', '.'],
    ['a key that is ".."', '..'],
    ['a reserved-looking key', '__session__'],
    ['a percent sign', 'a%2Fb'],
    ['a key over 1500 bytes', `${'p'.repeat(1600)}:abc`],
  ])('stores %s under a valid document id, apart from other keys', async (_, key) => {
    await store.set(key, Buffer.from(key), 60_000);
    await store.set(`${key}x`, Buffer.from('other'), 60_000);
    expect(Buffer.from((await store.get(key))!).toString()).toBe(key);
    const { docs } = await client.collection(collection).get();
    expect(docs.map((doc) => doc.id).sort()).toEqual(
      [firestoreDocumentId(key), firestoreDocumentId(`${key}x`)].sort(),
    );
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
    expect(Buffer.from((await store.get(`${key}x`))!).toString()).toBe('other');
  });

  it('deletes an expired document when it reads it', async () => {
    await store.set('session:old', Buffer.from('old'), 30);
    await sleep(60);
    expect((await raw('session:old')).exists).toBe(true);
    expect(await store.get('session:old')).toBeUndefined();
    expect((await raw('session:old')).exists).toBe(false);
  });

  it('touch updates expiresAt alone, in a transaction, never rewriting the data', async () => {
    await store.set('session:t', Buffer.from('kept'), 60_000);
    const set = jest.spyOn(Transaction.prototype, 'set');
    const update = jest.spyOn(Transaction.prototype, 'update');
    const before = Date.now();
    await store.touch('session:t', 120_000);
    expect(set).not.toHaveBeenCalled();
    expect(update).toHaveBeenCalledTimes(1);
    expect(Object.keys(update.mock.calls[0][1] as object)).toEqual(['expiresAt']);
    const doc = await raw('session:t');
    expect(doc.get('data')).toEqual(Buffer.from('kept'));
    expect((doc.get('expiresAt') as Timestamp).toMillis()).toBeGreaterThanOrEqual(before + 120_000);
  });

  it('touch writes nothing for an expired or missing document', async () => {
    await store.set('session:gone', Buffer.from('x'), 30);
    await sleep(60);
    const expiresAt = (await raw('session:gone')).get('expiresAt') as Timestamp;
    const update = jest.spyOn(Transaction.prototype, 'update');
    await store.touch('session:gone', 60_000);
    await store.touch('session:missing', 60_000);
    expect(update).not.toHaveBeenCalled();
    expect(((await raw('session:gone')).get('expiresAt') as Timestamp).isEqual(expiresAt)).toBe(
      true,
    );
    expect((await raw('session:missing')).exists).toBe(false);
  });

  it('deleteExpired removes expired documents in batches of 500 and keeps live ones', async () => {
    const past = Timestamp.fromMillis(Date.now() - 60_000);
    for (let i = 0; i < 1100; i += 500) {
      const batch = client.batch();
      for (let j = i; j < Math.min(i + 500, 1100); j++) {
        batch.set(client.collection(collection).doc(`dead-${j}`), {
          data: Buffer.from('x'),
          expiresAt: past,
        });
      }
      await batch.commit();
    }
    await store.set('live', Buffer.from('y'), 60_000);
    const deletes = jest.spyOn(Transaction.prototype, 'delete');
    const commits = jest.spyOn(client, 'runTransaction');
    expect(await store.deleteExpired()).toBe(1100);
    expect(deletes).toHaveBeenCalledTimes(1100);
    expect(commits).toHaveBeenCalledTimes(3);
    const { docs } = await client.collection(collection).get();
    expect(docs.map((doc) => doc.id)).toEqual(['live']);
  });

  it('stores the largest value Firestore holds, and refuses one byte more before sending it', async () => {
    const key = 'session:big';
    const ref = client.collection(collection).doc(firestoreDocumentId(key));
    // The emulator refuses documents over Firestore's 1 MiB itself: a limit above it fails here.
    const limit = await largestAcceptedSize(
      (size) => store.set(key, Buffer.alloc(size), 60_000),
      0,
      2 * 1_048_576,
    );
    const commit = jest.spyOn(client, 'runTransaction');
    await expect(store.set(key, Buffer.alloc(limit + 1), 60_000)).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    expect(commit).not.toHaveBeenCalled();
    commit.mockRestore();
    const value = randomBytes(limit);
    await store.set(key, value, 60_000);
    expect(Buffer.from((await store.get(key))!).equals(value)).toBe(true);
    // One byte more is what Firestore itself refuses: the store's limit is not below the server's.
    const stored = (await ref.get()).data()!;
    await expect(ref.set({ ...stored, data: Buffer.alloc(limit + 1) })).rejects.toMatchObject({
      code: 3,
      details: expect.stringMatching(/exceeds the maximum allowed size of 1,048,576 bytes/),
    });
    expect(Buffer.from((await store.get(key))!).equals(value)).toBe(true);
  });
});

describe('FirestoreStore users', () => {
  let collection: string;
  let store: FirestoreStore;
  const raw = (key: string) => client.collection(collection).doc(firestoreDocumentId(key)).get();
  const keys = async (user: string) =>
    (await store.findByUser(user)).map((entry) => entry.key).sort();

  beforeEach(() => {
    collection = uniqueCollection('users');
    store = new FirestoreStore({ client, collection });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await emptyCollection(client, collection);
  });

  it('writes the user in the same commit as the value and keeps it on touch', async () => {
    const k = 'session:w';
    const commits = jest.spyOn(client, 'runTransaction');
    await store.set(k, Buffer.from('a'), 60_000, { user: 'alice' });
    expect(commits).toHaveBeenCalledTimes(1);
    expect((await raw(k)).get('user')).toBe('alice');
    await store.touch(k, 60_000);
    expect((await raw(k)).get('user')).toBe('alice');
    expect(await store.update(k, Buffer.from('b'), 60_000, { user: 'bob' })).toBe(true);
    expect((await raw(k)).get('user')).toBe('bob');
    expect(
      await store.compareAndSet(k, Buffer.from('b'), Buffer.from('c'), 60_000, { user: 'carol' }),
    ).toBe('stored');
    expect((await raw(k)).get('user')).toBe('carol');
    expect(await keys('carol')).toEqual([k]);
    for (const user of ['alice', 'bob']) expect(await keys(user)).toEqual([]);
  });

  it('drops the user with a whole set when a write has none (an update would keep it)', async () => {
    // The npm emulator merges a set into the stored fields, unlike Firestore: what the store
    // sends is checked here, the stored fields only on a faithful emulator.
    const k = 'session:d';
    const writes = () => {
      const set = jest.spyOn(Transaction.prototype, 'set');
      const update = jest.spyOn(Transaction.prototype, 'update');
      return { set, update };
    };
    const sent = (spy: jest.SpyInstance) =>
      spy.mock.calls.map((call: unknown[]) => Object.keys(call[1] as object).sort());
    await store.set(k, Buffer.from('a'), 60_000, { user: 'alice' });
    let spies = writes();
    expect(await store.update(k, Buffer.from('b'), 60_000)).toBe(true);
    expect(sent(spies.set)).toEqual([['data', 'expiresAt']]);
    expect(spies.update).not.toHaveBeenCalled();
    jest.restoreAllMocks();
    await store.set(k, Buffer.from('b'), 60_000, { user: 'alice' });
    spies = writes();
    expect(await store.compareAndSet(k, Buffer.from('b'), Buffer.from('c'), 60_000)).toBe('stored');
    expect(sent(spies.set)).toEqual([['data', 'expiresAt']]);
    expect(spies.update).not.toHaveBeenCalled();
    jest.restoreAllMocks();
    for (const entry of await store.findByUser('alice')) {
      expect(Buffer.from(entry.value).toString()).toBe('c');
    }
    if (givenHost !== undefined) expect((await raw(k)).get('user')).toBeUndefined();
    // Without a user before or now: an update, as before the user index.
    await store.set('session:none', Buffer.from('x'), 60_000);
    spies = writes();
    expect(await store.update('session:none', Buffer.from('y'), 60_000)).toBe(true);
    expect(spies.set).not.toHaveBeenCalled();
    expect(sent(spies.update)).toEqual([['data', 'expiresAt']]);
  });

  it('lists keys that needed escaping or hashing as they were written', async () => {
    const written = [
      'tenant/1:abc',
      '.',
      '..',
      '__session__',
      'a%2Fb',
      '%00',
      '',
      `${'p'.repeat(1600)}:x`,
    ];
    await Promise.all(written.map((k) => store.set(k, Buffer.from(k), 60_000, { user: 'alice' })));
    expect(await keys('alice')).toEqual([...written].sort());
    const hashed = await raw(written[written.length - 1]);
    expect(hashed.id).toMatch(/^%h/);
    expect(hashed.get('key')).toBe(written[written.length - 1]);
  });

  it('leaves out an expired document the sweep has not removed yet', async () => {
    await store.set('session:old', Buffer.from('old'), 30, { user: 'alice' });
    await store.set('session:new', Buffer.from('new'), 60_000, { user: 'alice' });
    await sleep(60);
    expect((await raw('session:old')).exists).toBe(true);
    expect(await keys('alice')).toEqual(['session:new']);
  });

  it('counts the user in the largest value it stores, as Firestore does', async () => {
    const key = 'session:big';
    const user = 'ü'.repeat(700);
    const limit = await largestAcceptedSize(
      (size) => store.set(key, Buffer.alloc(size), 60_000, { user }),
      0,
      2 * 1_048_576,
    );
    await expect(store.set(key, Buffer.alloc(limit + 1), 60_000, { user })).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    await store.set(key, Buffer.alloc(limit), 60_000, { user });
    const ref = client.collection(collection).doc(firestoreDocumentId(key));
    const stored = (await ref.get()).data()!;
    await expect(ref.set({ ...stored, data: Buffer.alloc(limit + 1) })).rejects.toMatchObject({
      code: 3,
    });
    expect((await store.findByUser(user)).map((entry) => entry.value.byteLength)).toEqual([limit]);
  });
});

describe('FirestoreStore clients', () => {
  let savedHost: string | undefined;
  beforeEach(() => {
    savedHost = process.env.FIRESTORE_EMULATOR_HOST;
  });
  afterEach(() => {
    if (savedHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = savedHost;
    jest.restoreAllMocks();
  });

  it('builds its own client from FIRESTORE_EMULATOR_HOST and the project, and terminates it', async () => {
    process.env.FIRESTORE_EMULATOR_HOST = host;
    const terminate = jest.spyOn(Firestore.prototype, 'terminate');
    const collection = uniqueCollection('own');
    const own = new FirestoreStore({ projectId: FIRESTORE_TEST_PROJECT, collection });
    await own.set('k', Buffer.from('v'), 60_000);
    expect((await client.collection(collection).doc('k').get()).get('data')).toEqual(
      Buffer.from('v'),
    );
    await own.close();
    expect(terminate).toHaveBeenCalledTimes(1);
    await emptyCollection(client, collection);
  });

  it('leaves a client it was given open', async () => {
    const terminate = jest.spyOn(Firestore.prototype, 'terminate');
    const given = new FirestoreStore({ client, collection: uniqueCollection('given') });
    await given.set('k', Buffer.from('v'), 60_000);
    await given.close();
    expect(terminate).not.toHaveBeenCalled();
    expect(Buffer.from((await given.get('k'))!).toString()).toBe('v');
  });

  it('fails fast when nothing listens: writes at once, reads within the client’s read retries', async () => {
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${await freePort()}`;
    const store = new FirestoreStore({ projectId: 'down' });
    try {
      for (const write of [
        () => store.set('session:x', Buffer.from('v'), 60_000),
        () => store.delete('session:x'),
      ]) {
        const started = Date.now();
        await expect(write()).rejects.toThrow(/UNAVAILABLE|ECONNREFUSED/);
        expect(Date.now() - started).toBeLessThan(1500);
      }
      // The client retries a failed read 5 times with backoff (about 8 s), never longer.
      const started = Date.now();
      await expect(store.get('session:x')).rejects.toThrow(/UNAVAILABLE|ECONNREFUSED/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await store.close();
    }
  }, 30_000);

  it('fails fast on writes with a client of yours given FIRESTORE_FAIL_FAST_SETTINGS', async () => {
    const down = firestoreClient(`127.0.0.1:${await freePort()}`);
    const store = new FirestoreStore({ client: down });
    try {
      const started = Date.now();
      await expect(store.set('session:x', Buffer.from('v'), 60_000)).rejects.toThrow(
        /UNAVAILABLE|ECONNREFUSED/,
      );
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await down.terminate();
    }
  });

  it('close waits for a call the module gave up on before terminating its client', async () => {
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${await freePort()}`;
    const terminate = jest.spyOn(Firestore.prototype, 'terminate');
    const store = new FirestoreStore({ projectId: 'down' });
    let settled = false;
    // Abandoned, as after a storeTimeout: the client keeps retrying it.
    void store.get('session:x').catch(() => (settled = true));
    await sleep(100);
    await store.close();
    expect(settled).toBe(true);
    expect(terminate).toHaveBeenCalledTimes(1);
  }, 30_000);

  it('accepts an official client as its structural client type', async () => {
    const firestore = new Firestore({ projectId: 'types', host: '127.0.0.1:1', ssl: false });
    const typed: FirestoreClientLike = firestore;
    expect(typeof typed.runTransaction).toBe('function');
    await firestore.terminate();
  });
});
