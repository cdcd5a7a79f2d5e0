import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { BlobModule } from '../../suites/blob/blob.module';
import { describeConcurrency } from '../../suites/concurrency';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { setCookies, sessionCookie } from '../../utils/cookies';
import { memcachedSecondsLeft, startMemcached } from '../../utils/memcached-server';
import { createApp, PLATFORMS } from '../../utils/platforms';
import type { ServerProcess } from '../../../lib/testing';

let server: ServerProcess;

beforeAll(async () => {
  server = await startMemcached();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

// memcached counts whole seconds, so the short lifetime is two of them.
describeSessionE2E(
  'memcached',
  () => ({ type: 'memcached', servers: `127.0.0.1:${server.port}` }),
  { shortLifetimeMs: 2000 },
);
describeSessionFixation(
  'memcached',
  () => ({ type: 'memcached', servers: `127.0.0.1:${server.port}` }),
  { shortLifetimeMs: 2000, numRuns: 10 },
);
describeConcurrency(
  'memcached',
  () => ({ type: 'memcached', servers: `127.0.0.1:${server.port}` }),
  { getAndTouch: true },
);

describe.each(PLATFORMS)('memcached limits over %s', (platform) => {
  let app: INestApplication;
  beforeEach(async () => {
    app = await createApp(
      platform,
      BlobModule.with({ type: 'memcached', servers: `127.0.0.1:${server.port}` }),
    );
  });
  afterEach(async () => {
    await app.close();
  });

  it('keeps a session of the default 31-day lifetime, in memcached for 31 days', async () => {
    const res = await request(app.getHttpServer()).get('/blob?kb=1').expect(200);
    const left = await memcachedSecondsLeft(server.port, `session:${res.body.sid}`);
    expect(left).toBeGreaterThan(31 * 24 * 3600 - 10);
    const expires = new Date(String(sessionCookie(res.headers).attributes.expires)).getTime();
    expect(expires).toBeGreaterThan(Date.now() + 30 * 24 * 3600 * 1000);
  });

  it('answers a session above the 1 MiB item limit with a clear error and no cookie', async () => {
    const res = await request(app.getHttpServer()).get('/blob?kb=1100').expect(500);
    expect(res.body.message).toMatch(
      /^Session data is \d+ bytes, above the limit of \d+ bytes; it was not saved$/,
    );
    expect(setCookies(res.headers)).toEqual([]);
  });
});
