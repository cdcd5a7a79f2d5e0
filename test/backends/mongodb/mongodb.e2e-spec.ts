import mongoose, { type Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  MONGODB_TTL_INDEX,
  MongoDBSessionInterface,
  SessionInterface,
  sessionOptionsFromConfig,
} from '../../../lib';
import { describeConcurrency } from '../../suites/concurrency';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { describeUserSessions } from '../../suites/user-sessions';
import { configApp } from '../../utils/config-app';
import { mongoDBForTests, REAL_MONGODB_URL } from '../../utils/mongodb-server';
import { freePort } from '../../../lib/testing';

type SessionDoc = { _id: string; data: mongoose.mongo.Binary; expiresAt: Date };

const DB = 'session_e2e_tests';
const uniqueCollection = () => `sessions_${randomBytes(6).toString('hex')}`;
const collections: string[] = [];
const newCollection = () => {
  const name = uniqueCollection();
  collections.push(name);
  return name;
};

let server: Awaited<ReturnType<typeof mongoDBForTests>>;
let admin: Connection;

beforeAll(async () => {
  server = await mongoDBForTests();
  admin = await mongoose.createConnection(server.url).asPromise();
});

afterAll(async () => {
  for (const name of collections) {
    await admin
      .useDb(DB)
      .dropCollection(name)
      .catch(() => undefined);
  }
  await admin?.close();
  await server?.stop();
});

// The Flask keys only: the module opens its own connection and closes it with each app.
const fromFlaskKeys = () =>
  sessionOptionsFromConfig({
    SESSION_TYPE: 'mongodb',
    SESSION_MONGODB: server.url,
    SESSION_MONGODB_DB: DB,
    SESSION_MONGODB_COLLECT: newCollection(),
  });
const serverName = REAL_MONGODB_URL
  ? `mongodb (${REAL_MONGODB_URL})`
  : 'mongodb (CongoDB through mongoose)';
describeSessionE2E(serverName, fromFlaskKeys);
describeSessionFixation(serverName, fromFlaskKeys, { numRuns: 10 });
describeConcurrency(serverName, fromFlaskKeys);
describeUserSessions(serverName, fromFlaskKeys);

describe('mongodb configuration', () => {
  const apps = configApp();
  const { open } = apps;

  it('maps the Flask keys', () => {
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'mongodb',
        SESSION_MONGODB: 'mongodb://db.internal:27017',
        SESSION_MONGODB_DB: 'app',
        SESSION_MONGODB_COLLECT: 'web_sessions',
        SESSION_KEY_PREFIX: 'app1:',
      }),
    ).toEqual({
      type: 'mongodb',
      url: 'mongodb://db.internal:27017',
      db: 'app',
      collection: 'web_sessions',
      keyPrefix: 'app1:',
    });
  });

  it('stores sessions where the keys say, creates the TTL index at startup, closes its connection', async () => {
    const collection = newCollection();
    const connectionsBefore = mongoose.connections.length;
    await open(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'mongodb',
        SESSION_MONGODB: server.url,
        SESSION_MONGODB_DB: DB,
        SESSION_MONGODB_COLLECT: collection,
        SESSION_KEY_PREFIX: 'app1:',
      }),
    );
    expect(apps.app.get(SessionInterface)).toBeInstanceOf(MongoDBSessionInterface);
    const docs = admin.getClient().db(DB).collection<SessionDoc>(collection);
    // Before any request.
    expect(await docs.listIndexes().toArray()).toContainEqual(
      expect.objectContaining({ name: MONGODB_TTL_INDEX, expireAfterSeconds: 0 }),
    );
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    const doc = await docs.findOne({ _id: `app1:${res.body.sid}` });
    expect(Buffer.from(doc!.data.buffer).toString()).toContain('"count":1');
    const own = mongoose.connections.slice(connectionsBefore);
    expect(own.map((c) => c.readyState)).toEqual([mongoose.ConnectionStates.connected]);
    await apps.close();
    expect(own[0].readyState).toBe(mongoose.ConnectionStates.disconnected);
  });

  it('uses a connection passed as SESSION_MONGODB and leaves it open', async () => {
    const collection = newCollection();
    const options = sessionOptionsFromConfig({
      get: (key: string) =>
        ({
          SESSION_TYPE: 'mongodb',
          SESSION_MONGODB: admin,
          SESSION_MONGODB_DB: DB,
          SESSION_MONGODB_COLLECT: collection,
        })[key],
    });
    await open(options);
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    await apps.close();
    expect(admin.readyState).toBe(mongoose.ConnectionStates.connected);
    const docs = admin.getClient().db(DB).collection<SessionDoc>(collection);
    expect(await docs.countDocuments({ _id: `session:${res.body.sid}` })).toBe(1);
  });

  it("takes Flask's positional arguments: (connection, db, collection, keyPrefix, …)", async () => {
    const collection = newCollection();
    await open({ sessionInterface: new MongoDBSessionInterface(admin, DB, collection, 'flask:') });
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    const docs = admin.getClient().db(DB).collection<SessionDoc>(collection);
    expect(await docs.countDocuments({ _id: `flask:${res.body.sid}` })).toBe(1);
  });

  it.each([
    [{ SESSION_MONGODB: 'localhost:27017' }, 'SESSION_MONGODB'],
    [{ SESSION_MONGODB: 'http://localhost:27017' }, 'SESSION_MONGODB'],
    [{ SESSION_MONGODB_DB: 'my.db' }, 'SESSION_MONGODB_DB'],
    [{ SESSION_MONGODB_DB: 'a/b' }, 'SESSION_MONGODB_DB'],
    [{ SESSION_MONGODB_COLLECT: 'system.sessions' }, 'SESSION_MONGODB_COLLECT'],
    [{ SESSION_MONGODB_COLLECT: 'a$b' }, 'SESSION_MONGODB_COLLECT'],
  ])('refuses %j at startup, naming the key', async (config, key) => {
    await apps.expectRefused({ SESSION_TYPE: 'mongodb', ...config }, key);
  });

  it('refuses an object that is not a mongoose connection, naming the key', async () => {
    const options = sessionOptionsFromConfig({
      get: (key: string) =>
        ({ SESSION_TYPE: 'mongodb', SESSION_MONGODB: { uri: 'mongodb://x' } })[key],
    });
    await expect(open(options)).rejects.toThrow(/SESSION_MONGODB\b.*mongoose Connection/);
  });

  it('starts while the server is down, answers 503, and other routes keep working', async () => {
    await open({
      ...sessionOptionsFromConfig({
        SESSION_TYPE: 'mongodb',
        SESSION_MONGODB: `mongodb://127.0.0.1:${await freePort()}`,
      }),
      storeTimeout: 1000,
    });
    const started = Date.now();
    const res = await request(apps.app.getHttpServer()).get('/count').expect(503);
    expect(res.body.message).toBe('Session store unavailable');
    expect(Date.now() - started).toBeLessThan(2500);
    await request(apps.app.getHttpServer()).get('/plain').expect(200);
  });
});
