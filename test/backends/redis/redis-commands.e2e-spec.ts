import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { RedisSessionClient, SessionModuleOptions } from '../../../lib';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';
import {
  deleteKeys,
  ready,
  requireStandaloneRedis,
  STANDALONE_REDIS,
  STANDALONE_REDIS_URL,
} from '../../utils/redis-servers';

// Which Redis commands one request sends for its session, seen through MONITOR and
// filtered on this run's key prefix (other clients may use the same server meanwhile).
const keyPrefix = `nss-commands:${randomBytes(6).toString('hex')}:`;
const marker = `${keyPrefix}marker`;

let monitor: Awaited<ReturnType<Redis['monitor']>>;
let probe: Redis;
let monitorBase: Redis;
let seen: string[][] = [];

beforeAll(async () => {
  await requireStandaloneRedis();
  probe = new Redis(STANDALONE_REDIS);
  await ready(probe);
  // monitor() opens a connection of its own next to the one it is called on.
  monitorBase = new Redis(STANDALONE_REDIS);
  monitor = await monitorBase.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (typeof args[1] === 'string' && args[1].startsWith(keyPrefix))
      seen.push([args[0].toLowerCase(), ...args.slice(1)]);
  });
});

afterAll(async () => {
  monitor?.disconnect();
  monitorBase?.disconnect();
  probe?.disconnect();
  await deleteKeys(keyPrefix);
});

/** The commands on this run's keys since the last call, up to a marker sent after them. */
async function commandsSoFar(): Promise<string[]> {
  await probe.exists(marker);
  const deadline = Date.now() + 5000;
  while (!seen.some(([cmd, key]) => cmd === 'exists' && key === marker)) {
    if (Date.now() > deadline) throw new Error('MONITOR did not show the marker');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const commands = seen.filter(([, key]) => key !== marker).map(([cmd]) => cmd);
  seen = [];
  return commands;
}

describe.each(PLATFORMS)('Redis commands per request over %s', (platform: Platform) => {
  let app: INestApplication | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    await app?.close();
    client?.disconnect();
    app = client = undefined;
  });

  async function cookieAfterWrite(options: Partial<SessionModuleOptions>): Promise<string> {
    app = await createApp(
      platform,
      SessionTestModule.with({
        type: 'redis',
        url: STANDALONE_REDIS_URL,
        keyPrefix,
        ...options,
      } as SessionModuleOptions),
    );
    const res = await request(app.getHttpServer()).get('/count').expect(200);
    const cookie = sessionCookie(res.headers);
    expect(await commandsSoFar()).toEqual(['set']);
    return `${cookie.name}=${cookie.value}`;
  }

  it('reads and refreshes an unmodified session with one GETEX, never a rewrite', async () => {
    const cookie = await cookieAfterWrite({});
    for (let i = 0; i < 3; i++) {
      const res = await request(app!.getHttpServer()).get('/read').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ count: 1 });
      // The cookie is refreshed too, with the same value.
      expect(`session=${sessionCookie(res.headers).value}`).toBe(cookie);
      expect(await commandsSoFar()).toEqual(['getex']);
    }
  });

  it('reads with one GET when sessions are not refreshed on each request', async () => {
    const cookie = await cookieAfterWrite({ refreshEachRequest: false });
    await request(app!.getHttpServer()).get('/read').set('Cookie', cookie).expect(200);
    expect(await commandsSoFar()).toEqual(['get']);
  });

  it('writes a modified session once, after one read', async () => {
    const cookie = await cookieAfterWrite({});
    const res = await request(app!.getHttpServer()).get('/count').set('Cookie', cookie);
    expect(res.body.count).toBe(2);
    // One compare-and-set script call (EVAL/EVALSHA, whose first argument is the script, not the
    // key, so it is not listed here); MONITOR lists the GET and SET the script runs inside Redis.
    expect(await commandsSoFar()).toEqual(['getex', 'get', 'set']);
  });

  it('falls back to GET and PEXPIRE with a client that has no GETEX, never a rewrite', async () => {
    client = new Redis(STANDALONE_REDIS);
    await ready(client);
    const redis = client;
    const withoutGetex: RedisSessionClient = {
      getBuffer: (key) => redis.getBuffer(key),
      set: (key, value, px, ms) => redis.set(key, value, px, ms),
      pexpire: (key, ms) => redis.pexpire(key, ms),
      del: (key) => redis.del(key),
    };
    const cookie = await cookieAfterWrite({ client: withoutGetex, url: undefined });
    await request(app!.getHttpServer()).get('/read').set('Cookie', cookie).expect(200);
    expect(await commandsSoFar()).toEqual(['get', 'pexpire']);
  });

  it('sends nothing for a route that does not use the session', async () => {
    const cookie = await cookieAfterWrite({});
    await request(app!.getHttpServer()).get('/plain').set('Cookie', cookie).expect(200);
    expect(await commandsSoFar()).toEqual([]);
  });
});
