import {
  DocumentReference,
  Firestore,
  Timestamp,
  Transaction,
  type DocumentSnapshot,
} from '@google-cloud/firestore';
import { FirestoreStore } from '../../../lib';
import { firestoreEmulatorHost, startFirestoreEmulator } from '../../utils/firestore-emulator';
import { emptyCollection, firestoreClient, uniqueCollection } from '../../utils/firestore-clients';
import type { ServerProcess } from '../../../lib/testing';

/**
 * touch, update and compareAndSet on the npm emulator with the transactions of
 * test/utils/firestore-emulator.transactions.mjs: what they send, and what
 * happens when another client writes between their read and their commit.
 */
const givenHost = process.env.FIRESTORE_EMULATOR_HOST;
process.env.METADATA_SERVER_DETECTION = 'none';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let emulator: ServerProcess | undefined;
let client: Firestore;
/** Another application's client: its writes race the store's transactions. */
let other: Firestore;

beforeAll(async () => {
  if (givenHost === undefined) emulator = await startFirestoreEmulator();
  const host = givenHost ?? firestoreEmulatorHost(emulator!.port);
  client = firestoreClient(host);
  other = firestoreClient(host);
});

afterAll(async () => {
  await client?.terminate();
  await other?.terminate();
  await emulator?.stop();
});

let collection: string;
let store: FirestoreStore;
const key = 'session:race';
const doc = (firestore: Firestore) => firestore.collection(collection).doc(key);
const stored = async () => (await doc(client).get()).get('data') as Buffer | undefined;

/** The RPCs the store's client sends from now on. */
function rpcs(): string[] {
  const sent: string[] = [];
  type Call = (...args: unknown[]) => unknown;
  const internal = client as unknown as Record<'request' | 'requestStream', Call>;
  for (const method of ['request', 'requestStream'] as const) {
    const original = internal[method].bind(client);
    jest.spyOn(internal, method).mockImplementation((name, ...rest) => {
      sent.push(String(name));
      return original(name, ...rest);
    });
  }
  return sent;
}

/** Runs `write` (another client's) right after the store's next transactional read. */
function afterNextRead(write: () => Promise<unknown>): void {
  const read = Transaction.prototype.get;
  jest.spyOn(Transaction.prototype, 'get').mockImplementationOnce(async function (
    this: Transaction,
    ...args: unknown[]
  ) {
    const snapshot = await (read as (...a: unknown[]) => Promise<DocumentSnapshot>).apply(
      this,
      args,
    );
    await write();
    return snapshot;
  } as typeof read);
}

beforeEach(async () => {
  collection = uniqueCollection('cas');
  store = new FirestoreStore({ client, collection });
  await store.set(key, Buffer.from('base'), 60_000);
});

afterEach(async () => {
  jest.restoreAllMocks();
  await emptyCollection(client, collection);
});

describe('FirestoreStore conditional writes', () => {
  it('update and compareAndSet: one transactional read, one commit with an exists precondition', async () => {
    const update = jest.spyOn(Transaction.prototype, 'update');
    const sent = rpcs();
    expect(await store.update(key, Buffer.from('second'), 60_000)).toBe(true);
    expect(sent).toEqual(['batchGetDocuments', 'commit']);
    expect(Object.keys(update.mock.calls[0][1] as object).sort()).toEqual(['data', 'expiresAt']);
    sent.length = 0;
    const result = await store.compareAndSet(key, Buffer.from('second'), Buffer.from('3'), 60_000);
    expect(result).toBe('stored');
    expect(sent).toEqual(['batchGetDocuments', 'commit']);
    expect(await stored()).toEqual(Buffer.from('3'));
  });

  it('writes nothing and commits nothing when the check fails', async () => {
    const sent = rpcs();
    expect(await store.compareAndSet(key, Buffer.from('other'), Buffer.from('x'), 60_000)).toBe(
      'changed',
    );
    expect(await store.update('session:missing', Buffer.from('x'), 60_000)).toBe(false);
    expect(sent.filter((name) => name === 'commit')).toEqual([]);
    expect(await stored()).toEqual(Buffer.from('base'));
  });

  it('compareAndSet says changed when a write lands between its read and its commit', async () => {
    afterNextRead(() => doc(other).update({ data: Buffer.from('theirs') }));
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('mine'), 60_000)).toBe(
      'changed',
    );
    expect(await stored()).toEqual(Buffer.from('theirs'));
  });

  it('compareAndSet never recreates a document deleted between its read and its commit', async () => {
    afterNextRead(() => doc(other).delete());
    const result = await store.compareAndSet(key, Buffer.from('base'), Buffer.from('x'), 60_000);
    expect(result).toBe('changed');
    expect((await doc(client).get()).exists).toBe(false);
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('x'), 60_000)).toBe(
      'missing',
    );
  });

  it('update reads again after losing to a concurrent write, and then wins', async () => {
    afterNextRead(() => doc(other).update({ data: Buffer.from('theirs') }));
    expect(await store.update(key, Buffer.from('mine'), 60_000)).toBe(true);
    expect(await stored()).toEqual(Buffer.from('mine'));
  });

  it('update and touch never bring back a session logged out while they ran', async () => {
    afterNextRead(() => doc(other).delete());
    expect(await store.update(key, Buffer.from('mine'), 60_000)).toBe(false);
    expect((await doc(client).get()).exists).toBe(false);
    await store.set(key, Buffer.from('again'), 60_000);
    afterNextRead(() => doc(other).delete());
    expect(await store.touch(key, 60_000)).toBe(false);
    expect((await doc(client).get()).exists).toBe(false);
  });
});

describe('the emulator double', () => {
  it('aborts a transaction when a document it read was written before its commit', async () => {
    const attempt = client.runTransaction(
      async (transaction) => {
        await transaction.get(doc(client));
        await doc(other).update({ data: Buffer.from('theirs') });
        transaction.update(doc(client), { data: Buffer.from('mine') });
      },
      { maxAttempts: 1 },
    );
    await expect(attempt).rejects.toMatchObject({ code: 10 });
    expect(await stored()).toEqual(Buffer.from('theirs'));
  });

  it('refuses a write whose lastUpdateTime is not the document’s', async () => {
    const { updateTime } = await doc(client).get();
    await sleep(5);
    await doc(other).update({ expiresAt: Timestamp.fromMillis(Date.now() + 60_000) });
    await expect(doc(client).delete({ lastUpdateTime: updateTime! })).rejects.toMatchObject({
      code: 9,
    });
    const { updateTime: current } = await doc(client).get();
    await doc(client).delete({ lastUpdateTime: current! });
    expect((await doc(client).get()).exists).toBe(false);
  });

  it('keeps a session rewritten between the store’s expired read and its delete', async () => {
    await store.set(key, Buffer.from('old'), 30);
    await sleep(60);
    const read = DocumentReference.prototype.get;
    jest.spyOn(DocumentReference.prototype, 'get').mockImplementationOnce(async function (
      this: DocumentReference,
    ) {
      const snapshot = await read.call(this);
      await doc(other).set({
        data: Buffer.from('new'),
        expiresAt: Timestamp.fromMillis(Date.now() + 60_000),
      });
      return snapshot;
    });
    expect(await store.get(key)).toBeUndefined();
    expect(await stored()).toEqual(Buffer.from('new'));
  });
});
