import { Logger } from '@nestjs/common';
import mongoose, { type Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import {
  MONGODB_TTL_INDEX,
  MONGODB_USER_INDEX,
  MongoDBSessionInterface,
  MongoDBStore,
  type MongoDBCollectionLike,
  type MongoDBConnectionLike,
} from '../../../lib';
import { describeSessionStore } from '../../../lib/testing';
import { mongoDBForTests, REAL_MONGODB_URL } from '../../utils/mongodb-server';

type SessionDoc = { _id: string; data: mongoose.mongo.Binary; expiresAt: Date; user?: string };

let server: Awaited<ReturnType<typeof mongoDBForTests>>;
let connection: Connection;
const uniqueCollection = () => `sessions_${randomBytes(6).toString('hex')}`;
const DB = 'session_store_tests';

beforeAll(async () => {
  server = await mongoDBForTests();
  connection = await mongoose.createConnection(server.url).asPromise();
});

afterAll(async () => {
  await connection?.close();
  await server?.stop();
});

describeSessionStore(
  REAL_MONGODB_URL ? `mongodb (${REAL_MONGODB_URL})` : 'mongodb (CongoDB through mongoose)',
  async () => {
    const collection = uniqueCollection();
    return {
      store: new MongoDBStore({
        connection: connection,
        db: DB,
        collection,
        indexUsers: true,
      }),
      cleanup: () =>
        connection
          .useDb(DB)
          .dropCollection(collection)
          .then(() => undefined),
    };
  },
  { findByUser: true },
);

describe('MongoDBStore documents', () => {
  let collection: string;
  let store: MongoDBStore;
  const docs = () => connection.getClient().db(DB).collection<SessionDoc>(collection);

  beforeEach(() => {
    collection = uniqueCollection();
    store = new MongoDBStore({
      connection: connection,
      db: DB,
      collection,
    });
  });

  afterEach(async () => {
    await store.close();
    await connection
      .useDb(DB)
      .dropCollection(collection)
      .catch(() => undefined);
  });

  it('creates a TTL index on expiresAt when prepared', async () => {
    await store.prepare();
    const indexes = await docs().listIndexes().toArray();
    expect(indexes).toContainEqual(
      expect.objectContaining({
        name: MONGODB_TTL_INDEX,
        key: { expiresAt: 1 },
        expireAfterSeconds: 0,
      }),
    );
  });

  /** A given connection to the test collection whose `createIndex` is replaced. */
  const connectionWith = (
    createIndex: MongoDBCollectionLike['createIndex'],
  ): MongoDBConnectionLike => ({
    getClient: () => ({
      db: () => ({
        collection: () =>
          Object.assign(Object.create(docs()) as MongoDBCollectionLike, { createIndex }),
      }),
    }),
    close: () => Promise.reject(new Error('a given connection is never closed')),
  });

  it('keeps an index of its own on expiresAt and works with it', async () => {
    const conflict = Object.assign(new Error('Index already exists with a different name'), {
      code: 85,
      codeName: 'IndexOptionsConflict',
    });
    const given = connectionWith(() => Promise.reject(conflict));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const withConflict = new MongoDBStore({ connection: given, db: DB, collection });
    await withConflict.prepare();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('another index on expiresAt'));
    warn.mockRestore();
    await withConflict.set('session:c', Buffer.from('c'), 60_000);
    expect(Buffer.from((await withConflict.get('session:c'))!).toString()).toBe('c');
    await withConflict.close();
  });

  it('fails a call when creating the index fails otherwise, and tries again on the next', async () => {
    let failures = 1;
    const real = docs();
    const given = connectionWith((...args) =>
      failures-- > 0 ? Promise.reject(new Error('not primary')) : real.createIndex(...args),
    );
    const flaky = new MongoDBStore({ connection: given, db: DB, collection });
    await expect(flaky.get('session:f')).rejects.toThrow('not primary');
    expect(await flaky.get('session:f')).toBeUndefined();
    expect((await real.listIndexes().toArray()).map((index) => index.name)).toContain(
      MONGODB_TTL_INDEX,
    );
  });

  it('writes { _id: key, data: Binary, expiresAt: Date }', async () => {
    const before = Date.now();
    await store.set('session:abc', Buffer.from([0, 1, 2, 255]), 60_000);
    const doc = await docs().findOne({ _id: 'session:abc' });
    expect(Object.keys(doc!).sort()).toEqual(['_id', 'data', 'expiresAt']);
    expect(doc!.data).toBeInstanceOf(mongoose.mongo.Binary);
    expect(Buffer.from(doc!.data.buffer)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(doc!.expiresAt).toBeInstanceOf(Date);
    const ahead = doc!.expiresAt.getTime() - before;
    expect(ahead).toBeGreaterThanOrEqual(59_000);
    expect(ahead).toBeLessThanOrEqual(61_000);
  });

  it('never returns an expired document the TTL monitor has not removed yet', async () => {
    // As MongoDB leaves it until its TTL monitor runs (about once a minute).
    await docs().insertOne({
      _id: 'session:old',
      data: new mongoose.mongo.Binary(Buffer.from('stale')),
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await store.get('session:old')).toBeUndefined();
    expect(await store.touch('session:old', 60_000)).toBe(false);
    expect(await store.update('session:old', Buffer.from('new'), 60_000)).toBe(false);
    expect(
      await store.compareAndSet('session:old', Buffer.from('stale'), Buffer.from('new'), 60_000),
    ).toBe('missing');
    expect(await store.get('session:old')).toBeUndefined();
    const doc = await docs().findOne({ _id: 'session:old' });
    expect(Buffer.from(doc!.data.buffer).toString()).toBe('stale');
    expect(await store.deleteExpired()).toBe(1);
    expect(await docs().countDocuments()).toBe(0);
  });

  it('refreshes with $set of expiresAt only', async () => {
    await store.set('session:t', Buffer.from('value'), 1000);
    // Data changed behind the store's back survives a touch: the touch writes expiresAt only.
    await docs().updateOne(
      { _id: 'session:t' },
      { $set: { data: new mongoose.mongo.Binary(Buffer.from('other')) } },
    );
    await store.touch('session:t', 60_000);
    expect(Buffer.from((await store.get('session:t'))!).toString()).toBe('other');
  });

  it('compareAndSet compares every byte, also bytes that are not UTF-8', async () => {
    // Both decode to the same UTF-8 string (U+FFFD): only a byte comparison tells them apart.
    await store.set('session:bin', Buffer.from([0, 1, 2, 255]), 60_000);
    expect(
      await store.compareAndSet(
        'session:bin',
        Buffer.from([0, 1, 2, 254]),
        Buffer.from('x'),
        60_000,
      ),
    ).toBe('changed');
    expect(Buffer.from((await store.get('session:bin'))!)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('compareAndSet loses to a write made behind its back after its read', async () => {
    await store.set('session:race', Buffer.from('read'), 60_000);
    const read = (await store.get('session:race'))!;
    await docs().updateOne(
      { _id: 'session:race' },
      { $set: { data: new mongoose.mongo.Binary(Buffer.from('other')) } },
    );
    expect(await store.compareAndSet('session:race', read, Buffer.from('mine'), 60_000)).toBe(
      'changed',
    );
    expect(Buffer.from((await store.get('session:race'))!).toString()).toBe('other');
  });

  it('creates the user index only when users are indexed', async () => {
    await store.prepare();
    expect((await docs().listIndexes().toArray()).map((index) => index.name)).not.toContain(
      MONGODB_USER_INDEX,
    );
    const indexed = new MongoDBStore({ connection, db: DB, collection, indexUsers: true });
    await indexed.prepare();
    expect(await docs().listIndexes().toArray()).toContainEqual(
      expect.objectContaining({ name: MONGODB_USER_INDEX, key: { user: 1 } }),
    );
  });

  it('fromOptions indexes users with userKey, and only then', async () => {
    const options = { connection, db: DB, collection, secrets: ['x'.repeat(32)] };
    await MongoDBSessionInterface.fromOptions(options);
    const names = async () => (await docs().listIndexes().toArray()).map((index) => index.name);
    expect(await names()).toContain(MONGODB_TTL_INDEX);
    expect(await names()).not.toContain(MONGODB_USER_INDEX);
    const sessions = await MongoDBSessionInterface.fromOptions({ ...options, userKey: 'userId' });
    expect(sessions.store.indexUsers).toBe(true);
    expect(await names()).toContain(MONGODB_USER_INDEX);
  });

  it('goes on without the user index when creating it is refused', async () => {
    const real = docs();
    const unauthorized = Object.assign(new Error('not authorized to createIndex'), { code: 13 });
    const given = connectionWith((keys, options) =>
      'user' in keys ? Promise.reject(unauthorized) : real.createIndex(keys, options),
    );
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const refused = new MongoDBStore({ connection: given, db: DB, collection, indexUsers: true });
    await refused.set('session:u', Buffer.from('u'), 60_000, { user: 'alice' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('{ user: 1 }'));
    warn.mockRestore();
    expect((await refused.findByUser('alice')).map((entry) => entry.key)).toEqual(['session:u']);
  });

  it('keeps the user field with every write of a value, in the same updateOne', async () => {
    const indexed = new MongoDBStore({ connection, db: DB, collection, indexUsers: true });
    const user = async () => (await docs().findOne({ _id: 'session:w' }))!.user;
    await indexed.set('session:w', Buffer.from('a'), 60_000, { user: 'alice' });
    expect(await user()).toBe('alice');
    await indexed.touch('session:w', 60_000);
    expect(await user()).toBe('alice');
    expect(await indexed.update('session:w', Buffer.from('b'), 60_000, { user: 'bob' })).toBe(true);
    expect(await user()).toBe('bob');
    expect(
      await indexed.compareAndSet('session:w', Buffer.from('b'), Buffer.from('c'), 60_000),
    ).toBe('stored');
    expect(Object.keys((await docs().findOne({ _id: 'session:w' }))!).sort()).toEqual([
      '_id',
      'data',
      'expiresAt',
    ]);
    await indexed.set('session:w', Buffer.from('d'), 60_000, { user: 'carol' });
    await indexed.set('session:w', Buffer.from('e'), 60_000);
    expect(await user()).toBeUndefined();
    expect(await indexed.findByUser('carol')).toEqual([]);
  });

  it('findByUser matches a user id as a value, never as a query operator', async () => {
    await store.set('session:anyone', Buffer.from('x'), 60_000, { user: 'alice' });
    const operator = { $ne: null } as unknown as string;
    expect(await store.findByUser(operator)).toEqual([]);
    expect(await store.findByUser('alice')).toHaveLength(1);
  });

  it('findByUser leaves out an expired document the TTL monitor has not removed yet', async () => {
    await docs().insertOne({
      _id: 'session:stale',
      data: new mongoose.mongo.Binary(Buffer.from('stale')),
      expiresAt: new Date(Date.now() - 1000),
      user: 'alice',
    });
    expect(await store.findByUser('alice')).toEqual([]);
  });

  it('leaves a connection it was given open', async () => {
    await store.set('session:x', Buffer.from('x'), 60_000);
    await store.close();
    expect(connection.readyState).toBe(mongoose.ConnectionStates.connected);
    expect(await docs().countDocuments()).toBe(1);
  });

  it('opens its own connection from a URL and closes it', async () => {
    const own = new MongoDBStore({ url: server.url, db: DB, collection });
    await own.set('session:own', Buffer.from('mine'), 60_000);
    expect(Buffer.from((await store.get('session:own'))!).toString()).toBe('mine');
    const open = () =>
      mongoose.connections.filter((c) => c.readyState === mongoose.ConnectionStates.connected)
        .length;
    const before = open();
    await own.close();
    await own.close();
    expect(open()).toBe(before - 1);
    expect(connection.readyState).toBe(mongoose.ConnectionStates.connected);
  });
});
