import type { INestApplication } from '@nestjs/common';
import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { MONGODB_TTL_INDEX, MongoDBSessionInterface, SessionInterface } from '../../../../lib';
import { MongooseIntegrationModule } from './mongoose-integration.module';
import { PRODUCT, type Product } from './product.schema';
import { SESSION_COLLECTION } from './session-collection';
import { sessionCookie } from '../../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../../utils/platforms';
import { mongoDBForTests, REAL_MONGODB_URL } from '../../../utils/mongodb-server';

const { connected, disconnected } = mongoose.ConnectionStates;
const LIFETIME_MS = 31 * 24 * 3600 * 1000;

let server: Awaited<ReturnType<typeof mongoDBForTests>>;
const databases: string[] = [];

beforeAll(async () => {
  server = await mongoDBForTests();
});

afterAll(async () => {
  if (REAL_MONGODB_URL) {
    const admin = await mongoose.createConnection(server.url).asPromise();
    for (const name of databases) await admin.useDb(name).dropDatabase();
    await admin.close();
  }
  await server?.stop();
});

/** The app's database in the server's URL (a query string, if any, stays after it). */
function databaseUrl(name: string): string {
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

describe.each(PLATFORMS)('@nestjs/mongoose app over %s', (platform: Platform) => {
  let app: INestApplication;
  let connection: Connection;
  const database = `shop_${randomBytes(4).toString('hex')}`;
  const keyPrefix = `cart${randomBytes(3).toString('hex')}:`;
  databases.push(database);
  const http = () => request(app.getHttpServer());
  const sessions = () =>
    connection
      .getClient()
      .db(database)
      .collection<{ _id: string; expiresAt: Date }>(SESSION_COLLECTION);

  beforeAll(async () => {
    app = await createApp(
      platform,
      MongooseIntegrationModule.with({ url: databaseUrl(database), keyPrefix }),
    );
    connection = app.get<Connection>(getConnectionToken());
    const products = app.get<Model<Product>>(getModelToken(PRODUCT));
    await products.create([
      { sku: 'apple', price: 3 },
      { sku: 'pear', price: 4 },
    ]);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('has the TTL index on expiresAt once the app has started', async () => {
    expect(await sessions().listIndexes().toArray()).toContainEqual(
      expect.objectContaining({
        name: MONGODB_TTL_INDEX,
        key: { expiresAt: 1 },
        expireAfterSeconds: 0,
      }),
    );
  });

  it('keeps a cart in the session, stored in the app database', async () => {
    expect(app.get(SessionInterface)).toBeInstanceOf(MongoDBSessionInterface);
    const first = await http().get('/cart/add?sku=apple').expect(200);
    const c = sessionCookie(first.headers);
    const cookie = `${c.name}=${c.value}`;
    await http().get('/cart/add?sku=pear').set('Cookie', cookie).expect(200);
    const cart = await http().get('/cart').set('Cookie', cookie).expect(200);
    expect(cart.body).toEqual({ sid: first.body.sid, items: ['apple', 'pear'], total: 7 });

    const before = Date.now();
    const docs = await http().get(`/admin/sessions?prefix=${keyPrefix}`).expect(200);
    expect(docs.body).toHaveLength(1);
    expect(docs.body[0].id).toBe(`${keyPrefix}${first.body.sid}`);
    expect(Math.abs(Date.parse(docs.body[0].expiresAt) - before - LIFETIME_MS)).toBeLessThan(
      60_000,
    );
  });

  it('never returns a session whose document expired, even before MongoDB removes it', async () => {
    const first = await http().get('/cart/add?sku=apple').expect(200);
    const cookie = `session=${sessionCookie(first.headers).value}`;
    const id = `${keyPrefix}${first.body.sid}`;
    // As it is between its expiry and the next pass of MongoDB's TTL monitor.
    await sessions().updateOne({ _id: id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const after = await http().get('/cart').set('Cookie', cookie).expect(200);
    expect(after.body).toEqual({ sid: expect.any(String), items: [], total: 0 });
    expect(after.body.sid).not.toBe(first.body.sid);
    expect(await sessions().countDocuments({ _id: id })).toBe(1);
  });

  it('shares the connection MongooseModule made and leaves its closing to MongooseModule', async () => {
    await app.get(SessionInterface).close();
    expect(connection.readyState).toBe(connected);
    await http().get('/cart/add?sku=pear').expect(200);
    await app.close();
    expect(connection.readyState).toBe(disconnected);
  });
});
