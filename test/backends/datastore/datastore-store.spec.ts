import { Datastore, v1 } from '@google-cloud/datastore';
import { randomBytes } from 'node:crypto';
import { DatastoreStore, SessionTooLargeError, type DatastoreClientLike } from '../../../lib';
import { describeSessionStore, freePort } from '../../../lib/testing';
import { FakeDatastore, type DatastoreCall } from '../../utils/datastore-fake';
import { largestAcceptedSize } from '../../utils/size-limit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Set DATASTORE_EMULATOR_HOST (e.g. 127.0.0.1:8081, from `gcloud emulators
 * firestore start --database-mode=datastore-mode` or the Datastore emulator) to run
 * the contract suite on a real emulator; otherwise it runs on the in-process double.
 */
const emulatorHost = process.env.DATASTORE_EMULATOR_HOST;
const projectId = process.env.DATASTORE_PROJECT_ID ?? 'test-project';
// The client must never look for cloud credentials or a metadata server here.
process.env.METADATA_SERVER_DETECTION = 'none';

const uniqueKind = () => `sessions_test_${randomBytes(6).toString('hex')}`;

async function closeClient(client: Datastore): Promise<void> {
  for (const gapic of client.clients_.values()) await gapic.close();
}

let fake: FakeDatastore | undefined;
let fakeServer: { host: string; close(): Promise<void> } | undefined;
let sharedClient: Datastore;

beforeAll(async () => {
  if (!emulatorHost) {
    fake = new FakeDatastore();
    fakeServer = await fake.listen();
  }
  sharedClient = new Datastore({ projectId, apiEndpoint: emulatorHost ?? fakeServer!.host });
});

afterAll(async () => {
  await closeClient(sharedClient);
  await fakeServer?.close();
});

describeSessionStore(
  emulatorHost
    ? `datastore (emulator at ${emulatorHost})`
    : 'datastore (in-process gRPC double through the client)',
  async () => {
    const kind = uniqueKind();
    return {
      store: new DatastoreStore({ client: sharedClient, kind, indexUsers: true }),
      cleanup: async () => {
        const [entities] = await sharedClient.runQuery(
          sharedClient.createQuery(kind).select('__key__'),
        );
        const keys = entities.map((entity: Record<symbol, unknown>) => entity[sharedClient.KEY]);
        if (keys.length) await sharedClient.delete(keys);
      },
    };
  },
  { findByUser: true },
);

describe('DatastoreStore requests', () => {
  let double: FakeDatastore;
  let server: { host: string; close(): Promise<void> };
  let client: Datastore;
  let store: DatastoreStore;
  const key = 'session:abc';
  const methods = () => double.calls.map((call) => call.method);
  const request = (call: DatastoreCall) => call.request as Record<string, unknown>;
  const keyProto = (name: string, kind = 'sessions') => ({
    path: [{ kind, name, idType: 'name' }],
  });
  const ms = (value: { seconds: string; nanos: number }) =>
    Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6);

  beforeAll(async () => {
    double = new FakeDatastore();
    server = await double.listen();
    client = new Datastore({ projectId: 'shapes', apiEndpoint: server.host });
  });
  afterAll(async () => {
    await closeClient(client);
    await server.close();
  });
  beforeEach(() => {
    store = new DatastoreStore({ client });
    double.calls.length = 0;
  });

  it('writes one entity {data: unindexed blob, expiresAt: timestamp} in one commit', async () => {
    const before = Date.now();
    await store.set(key, Uint8Array.from([0, 1, 254, 255]), 60_000);
    expect(methods()).toEqual(['Commit']);
    const commit = request(double.calls[0]);
    expect(commit).toMatchObject({
      projectId: 'shapes',
      mode: 'NON_TRANSACTIONAL',
      mutations: [
        {
          operation: 'upsert',
          upsert: {
            key: keyProto(key),
            properties: {
              data: {
                valueType: 'blobValue',
                blobValue: Uint8Array.from([0, 1, 254, 255]),
                excludeFromIndexes: true,
              },
              expiresAt: { valueType: 'timestampValue' },
            },
          },
        },
      ],
    });
    const stored = double.entitiesOf('sessions').get(key)!;
    expect(Object.keys(stored).sort()).toEqual(['data', 'expiresAt']);
    const expiresAt = ms(stored.expiresAt.timestampValue!);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('reads a live entity with one lookup', async () => {
    await store.set(key, Buffer.from('hello'), 60_000);
    double.calls.length = 0;
    expect(Buffer.from((await store.get(key))!).toString()).toBe('hello');
    expect(methods()).toEqual(['Lookup']);
    expect(request(double.calls[0])).toMatchObject({ keys: [keyProto(key)] });
    expect(request(double.calls[0]).readOptions).toBeUndefined();
  });

  it('deletes an expired entity on read', async () => {
    await store.set(key, Buffer.from('old'), 30);
    await sleep(50);
    double.calls.length = 0;
    expect(await store.get(key)).toBeUndefined();
    expect(methods()).toEqual(['Lookup', 'Commit']);
    expect(request(double.calls[1])).toMatchObject({
      mode: 'NON_TRANSACTIONAL',
      mutations: [{ operation: 'delete', delete: keyProto(key) }],
    });
    expect(double.entitiesOf('sessions').has(key)).toBe(false);
  });

  it('touches a live entity in one transaction: a transactional lookup, then a commit', async () => {
    await store.set(key, Buffer.from('kept'), 60_000);
    double.calls.length = 0;
    const before = Date.now();
    await store.touch(key, 120_000);
    expect(methods()).toEqual(['Lookup', 'Commit']);
    expect(request(double.calls[0])).toMatchObject({
      readOptions: { consistencyType: 'newTransaction' },
      keys: [keyProto(key)],
    });
    const commit = request(double.calls[1]);
    expect(commit).toMatchObject({
      mode: 'TRANSACTIONAL',
      transactionSelector: 'transaction',
      mutations: [
        {
          operation: 'upsert',
          upsert: {
            key: keyProto(key),
            properties: { data: { excludeFromIndexes: true, blobValue: Buffer.from('kept') } },
          },
        },
      ],
    });
    const stored = double.entitiesOf('sessions').get(key)!;
    expect(Buffer.from(stored.data.blobValue!).toString()).toBe('kept');
    expect(ms(stored.expiresAt.timestampValue!)).toBeGreaterThanOrEqual(before + 120_000);
  });

  it('touch rolls back, writing nothing, for an expired or missing entity', async () => {
    await store.set(key, Buffer.from('old'), 30);
    await sleep(50);
    const expiresAt = double.entitiesOf('sessions').get(key)!.expiresAt;
    double.calls.length = 0;
    await store.touch(key, 60_000);
    await store.touch('session:missing', 60_000);
    expect(methods()).toEqual(['Lookup', 'Rollback', 'Lookup', 'Rollback']);
    expect(double.entitiesOf('sessions').get(key)!.expiresAt).toEqual(expiresAt);
    expect(double.entitiesOf('sessions').has('session:missing')).toBe(false);
  });

  it('touch never brings back an entity deleted while it ran', async () => {
    await store.set(key, Buffer.from('x'), 60_000);
    double.beforeCall = (call) => {
      if (call.method !== 'Commit') return;
      double.beforeCall = undefined;
      double.write('shapes', 'sessions', key); // a logout in another request
    };
    expect(await store.touch(key, 60_000)).toBe(false);
    expect(double.entitiesOf('sessions').has(key)).toBe(false);
    expect(await store.get(key)).toBeUndefined();
  });

  it('deletes with one commit, and a missing key is fine', async () => {
    await store.delete(key);
    expect(methods()).toEqual(['Commit']);
    expect(request(double.calls[0])).toMatchObject({
      mode: 'NON_TRANSACTIONAL',
      mutations: [{ operation: 'delete', delete: keyProto(key) }],
    });
  });

  it('removes expired entities with keys-only queries on expiresAt and batched deletes', async () => {
    const kind = uniqueKind();
    const batched = new DatastoreStore({ client, kind });
    const past = { seconds: String(Math.floor(Date.now() / 1000) - 60), nanos: 0 };
    for (let i = 0; i < 1100; i++) {
      double.write('shapes', kind, `dead-${i}`, {
        data: { valueType: 'blobValue', blobValue: Buffer.from('x'), excludeFromIndexes: true },
        expiresAt: { valueType: 'timestampValue', timestampValue: past },
      });
    }
    await batched.set('live', Buffer.from('y'), 60_000);
    double.calls.length = 0;
    expect(await batched.deleteExpired()).toBe(1100);
    expect(methods()).toEqual(['RunQuery', 'Commit', 'RunQuery', 'Commit', 'RunQuery', 'Commit']);
    expect(request(double.calls[0])).toMatchObject({
      query: {
        kind: [{ name: kind }],
        projection: [{ property: { name: '__key__' } }],
        filter: {
          compositeFilter: {
            op: 'AND',
            filters: [
              {
                propertyFilter: {
                  property: { name: 'expiresAt' },
                  op: 'LESS_THAN_OR_EQUAL',
                  value: { valueType: 'timestampValue' },
                },
              },
            ],
          },
        },
        limit: { value: 500 },
      },
    });
    const deletes = double.calls
      .filter((call) => call.method === 'Commit')
      .map((call) => (request(call).mutations as unknown[]).length);
    expect(deletes).toEqual([500, 500, 100]);
    expect([...double.entitiesOf(kind).keys()]).toEqual(['live']);
  });

  it('stores the largest value Datastore holds, and refuses one byte more before sending it', async () => {
    // The double refuses entities over Datastore's 1,048,572 bytes itself: a limit above it fails here.
    const limit = await largestAcceptedSize(
      (size) => store.set(key, Buffer.alloc(size), 60_000),
      0,
      2 * 1_048_576,
    );
    double.calls.length = 0;
    await expect(store.set(key, Buffer.alloc(limit + 1), 60_000)).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    expect(methods()).toEqual([]);
    const value = randomBytes(limit);
    await store.set(key, value, 60_000);
    expect(Buffer.from((await store.get(key))!).equals(value)).toBe(true);
    // The double's own limit for the same entity, written directly: the store stays at or just
    // under it (it keeps 64 bytes spare), never above.
    const serverLimit = await largestAcceptedSize(
      (size) =>
        client.save({
          key: client.key(['sessions', key]),
          data: { data: Buffer.alloc(size), expiresAt: new Date(Date.now() + 60_000) },
          excludeFromIndexes: ['data'],
        }),
      0,
      2 * 1_048_576,
      (error) => /entity is too big/.test(String(error)),
    );
    expect(serverLimit - limit).toBeGreaterThanOrEqual(0);
    expect(serverLimit - limit).toBeLessThanOrEqual(64);
    await store.set(key, value, 60_000);
    expect(Buffer.from((await store.get(key))!).equals(value)).toBe(true);
  });

  it('is checked by a double that enforces the rules of Datastore', async () => {
    const entityKey = client.key(['sessions', 'indexed']);
    await expect(
      client.save({ key: entityKey, data: { data: Buffer.alloc(2000), expiresAt: new Date() } }),
    ).rejects.toThrow(/longer than 1500 bytes/);
    await expect(
      client.save({
        key: entityKey,
        data: { data: Buffer.alloc(1_048_572) },
        excludeFromIndexes: ['data'],
      }),
    ).rejects.toThrow(/entity is too big/);
    await expect(client.runQuery(client.createQuery('sessions').select('data'))).rejects.toThrow(
      /UNIMPLEMENTED/,
    );
  });
});

describe('DatastoreStore connections', () => {
  let savedHost: string | undefined;
  beforeEach(() => {
    savedHost = process.env.DATASTORE_EMULATOR_HOST;
  });
  afterEach(() => {
    if (savedHost === undefined) delete process.env.DATASTORE_EMULATOR_HOST;
    else process.env.DATASTORE_EMULATOR_HOST = savedHost;
    jest.restoreAllMocks();
  });

  it('fails fast when nothing listens at the endpoint', async () => {
    process.env.DATASTORE_EMULATOR_HOST = `127.0.0.1:${await freePort()}`;
    const store = new DatastoreStore({ projectId: 'down' });
    const started = Date.now();
    await expect(store.get('session:x')).rejects.toThrow(/UNAVAILABLE|ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(1500);
    await store.close();
  });

  it('closes the client it built, and only that one', async () => {
    const close = jest.spyOn(v1.DatastoreClient.prototype, 'close');
    const double = new FakeDatastore();
    const server = await double.listen();
    try {
      process.env.DATASTORE_EMULATOR_HOST = server.host;
      const own = new DatastoreStore({ projectId: 'own' });
      await own.set('k', Buffer.from('v'), 60_000);
      await own.close();
      expect(close).toHaveBeenCalledTimes(1);

      const client = new Datastore({ projectId: 'given', apiEndpoint: server.host });
      const given = new DatastoreStore({ client });
      await given.set('k', Buffer.from('v'), 60_000);
      await given.close();
      expect(close).toHaveBeenCalledTimes(1);
      // The caller's client still works.
      const [entity] = await client.get(client.key(['sessions', 'k']));
      expect(entity).toBeDefined();
      await closeClient(client);
    } finally {
      await server.close();
    }
  });

  it('accepts an official client as its structural client type', async () => {
    const datastore = new Datastore({ projectId: 'types', apiEndpoint: '127.0.0.1:1' });
    const client: DatastoreClientLike = datastore;
    expect(typeof client.transaction).toBe('function');
    await closeClient(datastore);
  });
});
