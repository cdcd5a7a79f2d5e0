import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { SessionModuleOptions } from '../../lib';
import { sessionCookie, setCookies } from '../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../utils/platforms';
import { SessionTestModule } from './session/session-test.module';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SessionE2EOptions {
  /** A short lifetime (ms) the store expires precisely; default 1000. */
  shortLifetimeMs?: number;
}

/**
 * The request life cycle over Express and Fastify, on the store that
 * `options()` configures. Every store runs it.
 */
export function describeSessionE2E(
  name: string,
  options: () => SessionModuleOptions,
  e2e: SessionE2EOptions = {},
): void {
  const shortLifetime = e2e.shortLifetimeMs ?? 1000;

  describe.each(PLATFORMS)(`${name} sessions over %s`, (platform: Platform) => {
    let app: INestApplication;
    // One store configuration per test, so an app restarted within a test finds its sessions.
    let current: SessionModuleOptions;
    beforeEach(() => {
      current = options();
    });
    const open = async (extra: Partial<SessionModuleOptions> = {}) => {
      app = await createApp(
        platform,
        SessionTestModule.with({ ...current, ...extra } as SessionModuleOptions),
      );
      return app;
    };
    const http = () => request(app.getHttpServer());
    const cookieOf = (res: request.Response) => {
      const c = sessionCookie(res.headers);
      return `${c.name}=${c.value}`;
    };

    afterEach(async () => {
      await app?.close();
    });

    it('keeps values across requests and counts', async () => {
      await open();
      const first = await http().get('/count').expect(200);
      expect(first.body.count).toBe(1);
      const cookie = cookieOf(first);
      const second = await http().get('/count').set('Cookie', cookie).expect(200);
      expect(second.body).toEqual({ count: 2, sid: first.body.sid });
      const read = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(read.body.data).toEqual({ count: 2 });
      expect(read.body.isNew).toBe(false);
    });

    it('neither stores nor sets a cookie for an untouched new session', async () => {
      await open();
      const res = await http().get('/untouched').expect(200);
      expect(res.body.isNew).toBe(true);
      expect(setCookies(res.headers)).toEqual([]);
    });

    it('does no session work on a route without @Session()', async () => {
      await open();
      const res = await http().get('/plain').set('Cookie', 'session=whatever').expect(200);
      expect(setCookies(res.headers)).toEqual([]);
      expect(res.headers.vary ?? '').not.toMatch(/cookie/i);
    });

    it('sets Vary: Cookie when the session was accessed, keeping the handler headers', async () => {
      await open();
      const res = await http().get('/own-headers').expect(200);
      expect(res.headers.vary).toMatch(/Accept-Encoding/);
      expect(res.headers.vary).toMatch(/Cookie/);
      const names = setCookies(res.headers)
        .map((c) => c.name)
        .sort();
      expect(names).toEqual(['session', 'theme']);
    });

    it('detects a nested mutation as a change', async () => {
      await open();
      const first = await http().get('/push?item=a').expect(200);
      const cookie = cookieOf(first);
      await http().get('/push?item=b').set('Cookie', cookie).expect(200);
      const read = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(read.body.data.items).toEqual(['a', 'b']);
    });

    it('replaces an unknown or malformed id with a fresh one (no fixation)', async () => {
      await open();
      const forged = 'A'.repeat(43);
      const res = await http().get('/count').set('Cookie', `session=${forged}`).expect(200);
      expect(res.body.count).toBe(1);
      expect(res.body.sid).not.toBe(forged);
      expect(sessionCookie(res.headers).value).not.toContain(forged);
      const bad = await http().get('/count').set('Cookie', 'session=../../etc/passwd').expect(200);
      expect(bad.body.count).toBe(1);
    });

    it('sends a permanent cookie with Expires, and a browser-session cookie without', async () => {
      await open();
      const permanent = await http().get('/count').expect(200);
      const c = sessionCookie(permanent.headers);
      expect(c.attributes.expires).toBeDefined();
      expect(c.attributes.httponly).toBe(true);
      expect(c.attributes.path).toBe('/');
      const temp = await http().get('/permanent?value=false').expect(200);
      expect(sessionCookie(temp.headers).attributes.expires).toBeUndefined();
      const read = await http().get('/read').set('Cookie', cookieOf(temp)).expect(200);
      expect(read.body.permanent).toBe(false);
      expect(read.body.data).toEqual({ touched: true });
    });

    it('expires a session after its lifetime', async () => {
      await open({ lifetime: shortLifetime });
      const first = await http().get('/count').expect(200);
      const cookie = cookieOf(first);
      await sleep(shortLifetime * 2 + 200);
      const after = await http().get('/count').set('Cookie', cookie).expect(200);
      expect(after.body.count).toBe(1);
      expect(after.body.sid).not.toBe(first.body.sid);
    });

    it('refreshes the expiry on each request', async () => {
      await open({ lifetime: shortLifetime * 2 });
      const first = await http().get('/count').expect(200);
      const cookie = cookieOf(first);
      for (let i = 0; i < 3; i++) {
        await sleep(shortLifetime);
        const read = await http().get('/read').set('Cookie', cookie).expect(200);
        expect(read.body.data).toEqual({ count: 1 });
        expect(sessionCookie(read.headers).attributes.expires).toBeDefined();
      }
    });

    it('does not refresh when refreshEachRequest is off', async () => {
      await open({ refreshEachRequest: false });
      const first = await http().get('/count').expect(200);
      const read = await http().get('/read').set('Cookie', cookieOf(first)).expect(200);
      expect(setCookies(read.headers)).toEqual([]);
    });

    it('regenerate() moves the data to a new id and kills the old one', async () => {
      await open();
      const first = await http().get('/count').expect(200);
      const oldCookie = cookieOf(first);
      const login = await http().get('/login?user=ada').set('Cookie', oldCookie).expect(200);
      expect(login.body.sid).not.toBe(first.body.sid);
      const newCookie = cookieOf(login);
      const read = await http().get('/read').set('Cookie', newCookie).expect(200);
      expect(read.body.data).toEqual({ count: 1, user: 'ada' });
      const old = await http().get('/read').set('Cookie', oldCookie).expect(200);
      expect(old.body.isNew).toBe(true);
      expect(old.body.data).toEqual({});
    });

    it('destroy() removes the entry and clears the cookie with the same attributes', async () => {
      await open({
        cookie: {
          sameSite: 'Lax',
          secure: true,
          domain: 'example.test',
          path: '/',
          partitioned: true,
        },
      });
      const first = await http().get('/count').expect(200);
      const set = sessionCookie(first.headers);
      const cookie = cookieOf(first);
      const out = await http().get('/logout').set('Cookie', cookie).expect(200);
      const cleared = sessionCookie(out.headers);
      expect(cleared.value).toBe('');
      expect(cleared.attributes['max-age']).toBe('0');
      for (const attr of ['domain', 'path', 'samesite', 'secure', 'httponly', 'partitioned']) {
        expect(cleared.attributes[attr]).toEqual(set.attributes[attr]);
      }
      const after = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(after.body.isNew).toBe(true);
    });

    it('destroy() then set() starts a new session with a new id', async () => {
      await open();
      const first = await http().get('/count').expect(200);
      const res = await http().get('/destroy-then-set').set('Cookie', cookieOf(first)).expect(200);
      expect(res.body.sid).not.toBe(res.body.old);
      const read = await http().get('/read').set('Cookie', cookieOf(res)).expect(200);
      expect(read.body.data).toEqual({ fresh: true });
      const old = await http().get('/read').set('Cookie', cookieOf(first)).expect(200);
      expect(old.body.isNew).toBe(true);
    });

    it('deletes the entry and clears the cookie when the session is emptied', async () => {
      await open();
      const first = await http().get('/set?key=a&value=1').expect(200);
      const cookie = cookieOf(first);
      const res = await http().get('/delete?key=a').set('Cookie', cookie).expect(200);
      expect(res.body.deleted).toBe(true);
      expect(sessionCookie(res.headers).value).toBe('');
      const read = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(read.body.isNew).toBe(true);
    });

    it('saves changes made before the handler threw', async () => {
      await open();
      const res = await http().get('/fail').expect(400);
      expect(res.body.message).toBe('handler failed');
      const read = await http().get('/read').set('Cookie', cookieOf(res)).expect(200);
      expect(read.body.data).toEqual({ failed: 'yes' });
    });

    it('lets a guard read the session before the handler', async () => {
      await open();
      await http().get('/guarded').expect(403);
      const login = await http().get('/login?user=grace').expect(200);
      await http().get('/guarded').set('Cookie', cookieOf(login)).expect(200);
    });

    it('saves in a handler that writes the response itself, with or without save()', async () => {
      await open();
      const res = await http().get('/manual').expect(200);
      const read = await http().get('/read').set('Cookie', cookieOf(res)).expect(200);
      expect(read.body.data).toEqual({ manual: 'saved' });
      const unsaved = await http().get('/manual-unsaved').expect(200);
      expect(setCookies(unsaved.headers)).toHaveLength(1);
      const kept = await http().get('/read').set('Cookie', cookieOf(unsaved)).expect(200);
      expect(kept.body.data).toEqual({ lost: true });
    });

    it('signs the id, rejects tampering and accepts a rotated secret', async () => {
      const oldSecret = 'o'.repeat(32);
      const newSecret = 'n'.repeat(32);
      await open({ useSigner: true, secret: oldSecret });
      const first = await http().get('/count').expect(200);
      const signed = sessionCookie(first.headers).value;
      expect(signed.startsWith(`${first.body.sid}.`)).toBe(true);
      const tampered = signed.slice(0, -2) + (signed.endsWith('AA') ? 'BB' : 'AA');
      const forged = await http().get('/count').set('Cookie', `session=${tampered}`).expect(200);
      expect(forged.body.count).toBe(1);
      const unsigned = await http()
        .get('/count')
        .set('Cookie', `session=${first.body.sid}`)
        .expect(200);
      expect(unsigned.body.count).toBe(1);
      await app.close();

      await open({ useSigner: true, secret: [newSecret, oldSecret] });
      const rotated = await http().get('/count').set('Cookie', `session=${signed}`).expect(200);
      expect(rotated.body.count).toBe(2);
      const resigned = sessionCookie(rotated.headers).value;
      expect(resigned).not.toBe(signed);
      expect(resigned.startsWith(`${first.body.sid}.`)).toBe(true);
      await app.close();

      await open({ useSigner: true, secret: newSecret });
      const current = await http().get('/count').set('Cookie', `session=${resigned}`).expect(200);
      expect(current.body.count).toBe(3);
      const dropped = await http().get('/count').set('Cookie', `session=${signed}`).expect(200);
      expect(dropped.body.count).toBe(1);
    });

    it('uses the first session cookie that verifies when several are sent', async () => {
      await open();
      const first = await http().get('/count').expect(200);
      const cookie = cookieOf(first);
      const res = await http()
        .get('/count')
        .set('Cookie', `session=garbage; ${cookie}; session=${'B'.repeat(43)}`)
        .expect(200);
      expect(res.body.count).toBe(2);
    });
  });
}
