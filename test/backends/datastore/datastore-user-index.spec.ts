import { Datastore, PropertyFilter } from '@google-cloud/datastore';
import { createHash } from 'node:crypto';
import { DatastoreSessionInterface, DatastoreStore } from '../../../lib';
import { FakeDatastore, type DatastoreCall, type Value } from '../../utils/datastore-fake';

/**
 * The `user` property (`userKey`) through the real client against the gRPC
 * double: written in the same commit as the value, kept by touch, and found by
 * one equality query that needs no composite index.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let double: FakeDatastore;
let server: { host: string; close(): Promise<void> };
let client: Datastore;
let store: DatastoreStore;
const key = 'session:user';
const methods = () => double.calls.map((call) => call.method);
const request = (call: DatastoreCall) => call.request as Record<string, unknown>;
const stored = (name = key) => double.entitiesOf('sessions').get(name);
const listed = async (user: string) =>
  (await store.findByUser(user)).map((entry) => [entry.key, Buffer.from(entry.value).toString()]);
const indexedString = (text: string) => ({ valueType: 'stringValue', stringValue: text });

beforeAll(async () => {
  double = new FakeDatastore();
  server = await double.listen();
  client = new Datastore({ projectId: 'users', apiEndpoint: server.host });
});

afterAll(async () => {
  for (const gapic of client.clients_.values()) await gapic.close();
  await server.close();
});

beforeEach(async () => {
  double.beforeCall = undefined;
  store = new DatastoreStore({ client, indexUsers: true });
  const [entities] = await client.runQuery(client.createQuery('sessions').select('__key__'));
  const keys = entities.map((entity: Record<symbol, unknown>) => entity[client.KEY]);
  if (keys.length) await client.delete(keys);
  double.calls.length = 0;
});

describe('DatastoreStore user index', () => {
  it('set writes an indexed user property in the same single commit as the value', async () => {
    await store.set(key, Buffer.from('v'), 60_000, { user: 'alice' });
    expect(methods()).toEqual(['Commit']);
    expect(request(double.calls[0])).toMatchObject({
      mode: 'NON_TRANSACTIONAL',
      mutations: [
        {
          upsert: {
            properties: {
              data: { excludeFromIndexes: true },
              user: indexedString('alice'),
            },
          },
        },
      ],
    });
    expect(stored()!.user.excludeFromIndexes).toBeUndefined();
    await store.set(key, Buffer.from('v'), 60_000);
    expect(stored()!.user).toEqual({ valueType: 'nullValue', nullValue: 'NULL_VALUE' });
  });

  it('update and compareAndSet write the user in their transactional commit', async () => {
    await store.set(key, Buffer.from('a'), 60_000);
    double.calls.length = 0;
    expect(await store.update(key, Buffer.from('b'), 60_000, { user: 'alice' })).toBe(true);
    expect(methods()).toEqual(['Lookup', 'Commit']);
    expect(request(double.calls[1])).toMatchObject({
      mode: 'TRANSACTIONAL',
      mutations: [{ upsert: { properties: { user: indexedString('alice') } } }],
    });
    const outcome = await store.compareAndSet(key, Buffer.from('b'), Buffer.from('c'), 60_000, {
      user: 'bob',
    });
    expect(outcome).toBe('stored');
    expect(stored()!.user).toEqual(indexedString('bob'));
    expect(await listed('alice')).toEqual([]);
    expect(await listed('bob')).toEqual([[key, 'c']]);
  });

  it('touch saves the entity back with the user it read', async () => {
    await store.set(key, Buffer.from('kept'), 60_000, { user: 'alice' });
    double.calls.length = 0;
    expect(await store.touch(key, 120_000)).toBe(true);
    expect(request(double.calls[1])).toMatchObject({
      mutations: [{ upsert: { properties: { user: indexedString('alice') } } }],
    });
    expect(await listed('alice')).toEqual([[key, 'kept']]);
  });

  it('findByUser is one query with an equality filter on user, expired entities left out in code', async () => {
    await store.set('session:live', Buffer.from('live'), 60_000, { user: 'alice' });
    await store.set('session:old', Buffer.from('old'), 30, { user: 'alice' });
    await sleep(50);
    double.calls.length = 0;
    expect(await listed('alice')).toEqual([['session:live', 'live']]);
    expect(methods()).toEqual(['RunQuery']);
    expect(request(double.calls[0])).toMatchObject({
      query: {
        kind: [{ name: 'sessions' }],
        filter: {
          compositeFilter: {
            op: 'AND',
            filters: [
              {
                propertyFilter: {
                  property: { name: 'user' },
                  op: 'EQUAL',
                  value: indexedString('alice'),
                },
              },
            ],
          },
        },
      },
    });
    expect(request(double.calls[0]).query).not.toHaveProperty('order');
    // The same filter plus a range on expiresAt would need a composite index the store never asks for.
    const ranged = client
      .createQuery('sessions')
      .filter(new PropertyFilter('user', '=', 'alice'))
      .filter(new PropertyFilter('expiresAt', '>', new Date()));
    await expect(client.runQuery(ranged)).rejects.toThrow(/FAILED_PRECONDITION.*no matching index/);
  });

  it('a user id longer than Datastore indexes is stored as its SHA-256 blob, apart from string ids', async () => {
    const long = 'ü'.repeat(1000);
    const digest = createHash('sha256').update(long).digest();
    await store.set(key, Buffer.from('long'), 60_000, { user: long });
    await store.set('session:lookalike', Buffer.from('other'), 60_000, {
      user: digest.toString('binary'),
    });
    expect(stored()!.user).toEqual({ valueType: 'blobValue', blobValue: digest });
    expect(await listed(long)).toEqual([[key, 'long']]);
    expect(await listed(digest.toString('binary'))).toEqual([['session:lookalike', 'other']]);
  });

  it('writes no user property without indexUsers, as before userKey', async () => {
    const plain = new DatastoreStore({ client });
    await plain.set(key, Buffer.from('v'), 60_000, { user: 'alice' });
    expect(Object.keys(stored()!).sort()).toEqual(['data', 'expiresAt']);
    await plain.update(key, Buffer.from('w'), 60_000, { user: 'alice' });
    expect(Object.keys(stored()!).sort()).toEqual(['data', 'expiresAt']);
  });

  it('a user property must be indexed to be found: the double hides unindexed ones as Datastore does', async () => {
    const unindexed: Record<string, Value> = {
      data: { valueType: 'blobValue', blobValue: Buffer.from('x'), excludeFromIndexes: true },
      expiresAt: {
        valueType: 'timestampValue',
        timestampValue: { seconds: String(Math.floor(Date.now() / 1000) + 60), nanos: 0 },
      },
      user: { ...indexedString('alice'), excludeFromIndexes: true },
    };
    double.write('users', 'sessions', key, unindexed);
    expect(await listed('alice')).toEqual([]);
  });

  it('the interface indexes users exactly when userKey is set', async () => {
    const indexed = DatastoreSessionInterface.fromOptions({ client, userKey: 'userId' });
    const plain = DatastoreSessionInterface.fromOptions({ client });
    try {
      expect((indexed.store as DatastoreStore).indexUsers).toBe(true);
      expect((plain.store as DatastoreStore).indexUsers).toBe(false);
    } finally {
      // Stops their background sweeps, which would outlive the test file.
      await Promise.all([indexed.close(), plain.close()]);
    }
  });
});
