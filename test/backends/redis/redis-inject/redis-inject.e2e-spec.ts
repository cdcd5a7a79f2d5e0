import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisSessionInterface, SessionInterface } from '../../../../lib';
import { InjectedRedisAppModule } from './app.module';
import { REDIS_CLIENT } from './redis.module';
import { sessionCookie } from '../../../utils/cookies';
import { createApp, PLATFORMS } from '../../../utils/platforms';
import {
  deleteKeys,
  requireStandaloneRedis,
  STANDALONE_REDIS_URL,
} from '../../../utils/redis-servers';

const keyPrefix = `nss-inject:${randomBytes(6).toString('hex')}:`;

beforeAll(() => requireStandaloneRedis());
afterAll(() => deleteKeys(keyPrefix));

describe.each(PLATFORMS)('a Redis client injected from another module over %s', (platform) => {
  let opened: INestApplication | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('stores sessions through that client and leaves it to its own module', async () => {
    const app = await createApp(
      platform,
      InjectedRedisAppModule.with(STANDALONE_REDIS_URL, keyPrefix),
    );
    opened = app;
    const client = app.get<Redis>(REDIS_CLIENT);
    expect(app.get(SessionInterface)).toBeInstanceOf(RedisSessionInterface);

    const first = await request(app.getHttpServer()).get('/count').expect(200);
    const cookie = `session=${sessionCookie(first.headers).value}`;
    expect(await client.exists(`${keyPrefix}${first.body.sid}`)).toBe(1);
    expect(await client.pttl(`${keyPrefix}${first.body.sid}`)).toBeGreaterThan(
      30 * 24 * 3600 * 1000,
    );

    // Closing the session interface does not close a client it was given...
    await app.get(SessionInterface).close();
    expect(client.status).toBe('ready');
    const second = await request(app.getHttpServer())
      .get('/count')
      .set('Cookie', cookie)
      .expect(200);
    expect(second.body.count).toBe(2);

    // ...the module that opened it does, on shutdown.
    opened = undefined;
    await app.close();
    expect(client.status).toBe('end');
  });
});
