import { Datastore } from '@google-cloud/datastore';
import { DatastoreStore } from '../../../lib';
import { FakeDatastore, type DatastoreCall, type Value } from '../../utils/datastore-fake';

/**
 * touch, update and compareAndSet through the real client against the gRPC
 * double: what they send, and what happens when another client commits
 * between their transactional lookup and their commit.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

let double: FakeDatastore;
let server: { host: string; close(): Promise<void> };
let client: Datastore;
let store: DatastoreStore;
const key = 'session:race';
const methods = () => double.calls.map((call) => call.method);
const request = (call: DatastoreCall) => call.request as Record<string, unknown>;
const stored = () => double.entitiesOf('sessions').get(key)?.data.blobValue;
const blob = (text: string): Record<string, Value> => ({
  data: { valueType: 'blobValue', blobValue: Buffer.from(text), excludeFromIndexes: true },
  expiresAt: {
    valueType: 'timestampValue',
    timestampValue: { seconds: String(Math.floor(Date.now() / 1000) + 60), nanos: 0 },
  },
});

/** Another client's commit (a write, or a delete without `properties`) just before the store's next commit. */
function beforeNextCommit(properties?: Record<string, Value>): void {
  double.beforeCall = (call) => {
    if (call.method !== 'Commit') return;
    double.beforeCall = undefined;
    double.write('shapes', 'sessions', key, properties);
  };
}

beforeAll(async () => {
  double = new FakeDatastore();
  server = await double.listen();
  client = new Datastore({ projectId: 'shapes', apiEndpoint: server.host });
});

afterAll(async () => {
  for (const gapic of client.clients_.values()) await gapic.close();
  await server.close();
});

beforeEach(async () => {
  double.beforeCall = undefined;
  store = new DatastoreStore({ client });
  await store.set(key, Buffer.from('base'), 60_000);
  double.calls.length = 0;
});

describe('DatastoreStore conditional writes', () => {
  it('update and compareAndSet: a transactional lookup, then one transactional commit', async () => {
    expect(await store.update(key, Buffer.from('second'), 60_000)).toBe(true);
    expect(await store.compareAndSet(key, Buffer.from('second'), Buffer.from('3'), 60_000)).toBe(
      'stored',
    );
    expect(methods()).toEqual(['Lookup', 'Commit', 'Lookup', 'Commit']);
    for (const [lookup, commit] of [double.calls.slice(0, 2), double.calls.slice(2)]) {
      expect(request(lookup)).toMatchObject({
        readOptions: { consistencyType: 'newTransaction' },
      });
      expect(request(commit)).toMatchObject({
        mode: 'TRANSACTIONAL',
        transactionSelector: 'transaction',
      });
    }
    expect(Buffer.from(stored()!).toString()).toBe('3');
  });

  it('rolls back, committing nothing, when the check fails', async () => {
    expect(await store.compareAndSet(key, Buffer.from('other'), Buffer.from('x'), 60_000)).toBe(
      'changed',
    );
    expect(await store.update('session:missing', Buffer.from('x'), 60_000)).toBe(false);
    expect(methods()).toEqual(['Lookup', 'Rollback', 'Lookup', 'Rollback']);
    expect(Buffer.from(stored()!).toString()).toBe('base');
  });

  it('compareAndSet says changed when a commit lands between its lookup and its commit', async () => {
    beforeNextCommit(blob('theirs'));
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('mine'), 60_000)).toBe(
      'changed',
    );
    expect(Buffer.from(stored()!).toString()).toBe('theirs');
  });

  it('compareAndSet never recreates an entity deleted between its lookup and its commit', async () => {
    beforeNextCommit();
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('x'), 60_000)).toBe(
      'changed',
    );
    expect(stored()).toBeUndefined();
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('x'), 60_000)).toBe(
      'missing',
    );
  });

  it('update reads again after losing to a concurrent commit, and then wins', async () => {
    beforeNextCommit(blob('theirs'));
    expect(await store.update(key, Buffer.from('mine'), 60_000)).toBe(true);
    // The client rolls a failed commit back itself.
    expect(methods()).toEqual(['Lookup', 'Commit', 'Rollback', 'Lookup', 'Commit']);
    expect(Buffer.from(stored()!).toString()).toBe('mine');
  });

  it('update never brings back a session logged out while it ran', async () => {
    beforeNextCommit();
    expect(await store.update(key, Buffer.from('mine'), 60_000)).toBe(false);
    expect(stored()).toBeUndefined();
  });

  it('gives up after 50 lost races in a row, writing nothing', async () => {
    let commits = 0;
    double.beforeCall = (call) => {
      if (call.method === 'Commit' && ++commits <= 50)
        double.write('shapes', 'sessions', key, blob(`theirs-${commits}`));
    };
    await expect(store.update(key, Buffer.from('mine'), 60_000)).rejects.toMatchObject({
      code: 10,
    });
    expect(Buffer.from(stored()!).toString()).toBe('theirs-50');
  });
});
