import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp, PLATFORMS } from '../../utils/platforms';
import { startRedisServer } from '../../utils/redis-servers';
import type { ServerProcess } from '../../../lib/testing/server-process.util';
import { HealthModule } from './health.module';

jest.setTimeout(30_000);

const STORE_TIMEOUT = 500;

describe.each(PLATFORMS)('SessionHealthIndicator over %s', (platform) => {
  let redis: ServerProcess | undefined;
  let app: INestApplication | undefined;
  const health = () => request(app!.getHttpServer()).get('/health');

  beforeEach(async () => {
    redis = await startRedisServer();
    app = await createApp(
      platform,
      HealthModule.with({
        type: 'redis',
        url: `redis://127.0.0.1:${redis.port}`,
        storeTimeout: STORE_TIMEOUT,
      }),
    );
  });

  afterEach(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('is up while Redis answers, down with its error once stopped, within storeTimeout', async () => {
    const up = await health().expect(200);
    expect(up.body).toEqual({
      status: 'ok',
      info: { session: { status: 'up' } },
      error: {},
      details: { session: { status: 'up' } },
    });

    await redis!.stop();
    const started = Date.now();
    const down = await health().expect(503);
    expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT + 1500);
    expect(down.body.status).toBe('error');
    expect(down.body.error).toEqual({
      session: { status: 'down', message: expect.any(String) },
    });
    const message: string = down.body.error.session.message;
    // ioredis's own words for a connection that is gone.
    expect(message).toMatch(/Stream isn't writeable|ECONNREFUSED|Connection is closed/);
    expect(message).not.toBe('Session store unavailable');
  });

  it('reads a random id that does not exist, and writes nothing', async () => {
    await health().expect(200);
    await health().expect(200);
    const { Redis } = await import('ioredis');
    const client = new Redis({ port: redis!.port, lazyConnect: true });
    try {
      await client.connect();
      expect(await client.dbsize()).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
