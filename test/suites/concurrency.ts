import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { SessionStore, type SessionModuleOptions } from '../../lib';
import { sessionCookie, setCookies } from '../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../utils/platforms';
import { ConcurrencyTestModule } from './concurrency/concurrency-test.module';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Sends `req` now (supertest sends only once awaited). */
const sent = (req: request.Test): Promise<request.Response> => req.then((res) => res);

export interface ConcurrencyOptions {
  /**
   * The store loads with `getAndTouch` (Redis, memcached, filesystem): an unchanged session
   * is refreshed while loading, so its save makes no store call that could
   * find the entry gone, and re-sends the cookie it came with.
   */
  getAndTouch?: boolean;
  /** How long a slow request holds its loaded session, in ms; default 400. */
  holdMs?: number;
}

/**
 * Concurrent requests on one session, over Express and Fastify, on the store
 * `options()` configures: no lost update with `concurrency: 'merge'`, the
 * documented loss with `'overwrite'`, and in both no session brought back
 * after a logout or a regenerate. Every store runs it.
 */
export function describeConcurrency(
  name: string,
  options: () => SessionModuleOptions,
  concurrency: ConcurrencyOptions = {},
): void {
  const hold = concurrency.holdMs ?? 400;

  describe.each(PLATFORMS)(`${name} concurrent requests over %s`, (platform: Platform) => {
    let app: INestApplication | undefined;
    let current: SessionModuleOptions;
    const open = async (extra: Partial<SessionModuleOptions> = {}) => {
      current = { ...options(), ...extra } as SessionModuleOptions;
      app = await createApp(platform, ConcurrencyTestModule.with(current));
    };
    const http = () => request(app!.getHttpServer());
    const stored = (sid: string) => {
      const prefix = ('keyPrefix' in current && current.keyPrefix) || 'session:';
      return app!.get<SessionStore>(SessionStore).get(prefix + sid);
    };
    /** A stored session and its cookie. */
    const seeded = async () => {
      const res = await http().get('/put/seed').expect(200);
      const cookie = sessionCookie(res.headers);
      return { sid: res.body.sid as string, cookie: `${cookie.name}=${cookie.value}` };
    };
    const putAll = (cookie: string, count: number, ms: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          http().get(`/put/k${i}?ms=${ms}`).set('Cookie', cookie),
        ),
      );

    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it('merge (the default): 50 parallel requests each set their own key, and all 50 are kept', async () => {
      await open();
      const { sid, cookie } = await seeded();
      const responses = await putAll(cookie, 50, 50);
      expect(responses.map((res) => res.status)).toEqual(Array(50).fill(200));
      const read = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(read.body.sid).toBe(sid);
      const expected = Object.fromEntries([
        ['seed', true],
        ...Array.from({ length: 50 }, (_, i) => [`k${i}`, true]),
      ]);
      expect(read.body.data).toEqual(expected);
    });

    it("overwrite: the last save wins whole, so parallel changes are lost (Flask's behaviour)", async () => {
      await open({ concurrency: 'overwrite' });
      const { cookie } = await seeded();
      const responses = await putAll(cookie, 50, 50);
      expect(responses.map((res) => res.status)).toEqual(Array(50).fill(200));
      const read = await http().get('/read').set('Cookie', cookie).expect(200);
      const kept = Object.keys(read.body.data).filter((key) => key.startsWith('k'));
      expect(kept.length).toBeGreaterThanOrEqual(1);
      expect(kept.length).toBeLessThan(50);
    });

    it.each(['merge', 'overwrite'] as const)(
      '%s: a logout while 10 slow requests are in flight is final',
      async (mode) => {
        await open({ concurrency: mode });
        const { sid, cookie } = await seeded();
        const slow = putAll(cookie, 10, hold);
        await sleep(hold / 4);
        await http().get('/logout').set('Cookie', cookie).expect(200);
        const responses = await slow;
        expect(responses.map((res) => res.status)).toEqual(Array(10).fill(200));
        for (const res of responses) {
          // Nothing re-sends the old id: the cookie is cleared (or not set at all).
          const cookies = setCookies(res.headers).filter((c) => c.name === 'session');
          expect(cookies.filter((c) => c.value === sid)).toEqual([]);
        }
        expect(await stored(sid)).toBeUndefined();
        const after = await http().get('/read').set('Cookie', cookie).expect(200);
        expect(after.body).toMatchObject({ isNew: true, data: {} });
        expect(after.body.sid).not.toBe(sid);
      },
    );

    it.each(['merge', 'overwrite'] as const)(
      '%s: after regenerate() while a slow request is in flight, the old id stays dead',
      async (mode) => {
        await open({ concurrency: mode });
        const { sid, cookie } = await seeded();
        const slow = sent(http().get(`/put/late?ms=${hold}`).set('Cookie', cookie));
        await sleep(hold / 4);
        const login = await http().get('/login').set('Cookie', cookie).expect(200);
        const late = await slow;
        expect(late.status).toBe(200);
        expect(setCookies(late.headers).filter((c) => c.value === sid)).toEqual([]);
        expect(await stored(sid)).toBeUndefined();
        const old = await http().get('/read').set('Cookie', cookie).expect(200);
        expect(old.body).toMatchObject({ isNew: true, data: {} });
        const fresh = sessionCookie(login.headers);
        const now = await http()
          .get('/read')
          .set('Cookie', `${fresh.name}=${fresh.value}`)
          .expect(200);
        expect(now.body).toMatchObject({ sid: login.body.sid, data: { seed: true, user: 'ada' } });
      },
    );

    it('a refresh after a concurrent logout does not bring the session back', async () => {
      await open();
      const { sid, cookie } = await seeded();
      const idle = sent(http().get(`/idle?ms=${hold}`).set('Cookie', cookie));
      await sleep(hold / 4);
      await http().get('/logout').set('Cookie', cookie).expect(200);
      const res = await idle;
      expect(res.status).toBe(200);
      expect(await stored(sid)).toBeUndefined();
      const cookies = setCookies(res.headers).filter((c) => c.name === 'session');
      if (concurrency.getAndTouch) {
        // Refreshed when it was loaded, before the logout: the cookie goes back as it came.
        expect(cookies.map((c) => c.value)).toEqual([sid]);
      } else {
        // The refresh found no entry: the cookie is cleared instead of sent again.
        expect(cookies).toHaveLength(1);
        expect(cookies[0].value).toBe('');
      }
      const after = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(after.body).toMatchObject({ isNew: true, data: {} });
    });
  });
}
