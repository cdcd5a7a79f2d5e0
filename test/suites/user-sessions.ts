import type { INestApplication } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type { SessionModuleOptions } from '../../lib';
import { setCookies } from '../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../utils/platforms';
import { UserSessionsTestModule } from './user-sessions/user-sessions-test.module';

export interface UserSessionsE2EOptions {
  /** A short lifetime (ms) the store expires precisely; default 1000. */
  shortLifetimeMs?: number;
  /** How far a stored expiry may be from the exact one (stores that keep seconds); default 1000. */
  expiryToleranceMs?: number;
}

interface Listed {
  sid: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  current?: boolean;
}

const LIFETIME = 60_000;

/**
 * A user's sessions over Express and Fastify (`userKey`), on the store that
 * `options()` configures: listed with their times, revoked all but one or one
 * by one, left behind on sign-out, expiry and in-flight saves, and the
 * absolute lifetime. Every store that can list a user's sessions runs it.
 */
export function describeUserSessions(
  name: string,
  options: () => SessionModuleOptions,
  e2e: UserSessionsE2EOptions = {},
): void {
  const shortLifetime = e2e.shortLifetimeMs ?? 1000;
  const tolerance = e2e.expiryToleranceMs ?? 1000;

  describe.each(PLATFORMS)(`${name} user sessions over %s`, (platform: Platform) => {
    let app: INestApplication | undefined;
    const user = () => `user-${Math.random().toString(36).slice(2)}`;

    const open = async (extra: Partial<SessionModuleOptions> = {}) => {
      app = await createApp(
        platform,
        UserSessionsTestModule.with({
          lifetime: LIFETIME,
          ...options(),
          ...extra,
        } as SessionModuleOptions),
      );
    };
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    /** A browser: keeps the session cookie it is given, and drops it when cleared. */
    const client = () => {
      let cookie = '';
      const get = async (path: string) => {
        const res = await request(app!.getHttpServer()).get(path).set('Cookie', cookie).expect(200);
        const set = setCookies(res.headers).find((c) => c.name === 'session');
        if (set) cookie = set.value ? `${set.name}=${set.value}` : '';
        return res.body as unknown;
      };
      return {
        get,
        me: () => get('/me') as Promise<{ userId: string | null; sid: string; isNew: boolean }>,
        devices: (forUser?: string) =>
          get(forUser ? `/devices?user=${encodeURIComponent(forUser)}` : '/devices') as Promise<
            Listed[]
          >,
        signIn: async (id: string) => (await get(`/sign-in?user=${id}`)) as { sid: string },
      };
    };

    it('lists each signed-in device with its times, and marks the current one', async () => {
      await open();
      const alice = user();
      const devices = [client(), client(), client()];
      const before = Date.now();
      const sids: string[] = [];
      for (const device of devices) sids.push((await device.signIn(alice)).sid);
      const after = Date.now();
      await client().signIn(user());
      const listed = await devices[1].devices();
      expect(listed.map((s) => s.sid).sort()).toEqual([...sids].sort());
      expect(listed.filter((s) => s.current).map((s) => s.sid)).toEqual([sids[1]]);
      for (const s of listed) {
        expect(s.createdAt).toBeGreaterThanOrEqual(before - 5);
        expect(s.createdAt).toBeLessThanOrEqual(after + 5);
        expect(s.lastSeenAt).toBeGreaterThanOrEqual(s.createdAt);
        expect(s.lastSeenAt).toBeLessThanOrEqual(Date.now());
        expect(Math.abs(s.expiresAt - (s.lastSeenAt + LIFETIME))).toBeLessThanOrEqual(
          tolerance + (after - before),
        );
      }
      // Most recently seen first.
      const seen = listed.map((s) => s.lastSeenAt);
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
    });

    it('moves lastSeenAt when a session is refreshed', async () => {
      await open();
      const alice = user();
      const [phone, laptop] = [client(), client()];
      const { sid } = await phone.signIn(alice);
      await laptop.signIn(alice);
      const first = (await laptop.devices()).find((s) => s.sid === sid)!;
      await sleep(tolerance + 1200);
      await phone.me();
      const later = (await laptop.devices()).find((s) => s.sid === sid)!;
      expect(later.createdAt).toBe(first.createdAt);
      expect(later.lastSeenAt - first.lastSeenAt).toBeGreaterThanOrEqual(1000 - tolerance / 2);
    });

    it('revokes every other session: their cookies open empty sessions, the current one stays', async () => {
      await open();
      const alice = user();
      const [current, ...others] = [client(), client(), client()];
      for (const device of [current, ...others]) await device.signIn(alice);
      const bob = client();
      await bob.signIn(user());
      expect(await current.get('/sign-out-others')).toEqual({ revoked: 2 });
      for (const device of others) {
        const me = await device.me();
        expect(me.userId).toBeNull();
        expect(me.isNew).toBe(true);
      }
      expect((await current.me()).userId).toBe(alice);
      expect((await bob.me()).userId).not.toBeNull();
      expect((await current.devices()).map((s) => s.current)).toEqual([true]);
    });

    it('leaves a session out once it signs out, forgets its user, or is revoked by id', async () => {
      await open();
      const alice = user();
      const [keeper, leaver, forgetter, revoked] = [client(), client(), client(), client()];
      const sids = [];
      for (const device of [keeper, leaver, forgetter, revoked])
        sids.push((await device.signIn(alice)).sid);
      await leaver.get('/sign-out');
      await forgetter.get('/forget-user');
      expect(await keeper.get(`/revoke?sid=${sids[3]}`)).toEqual({ revoked: true });
      expect(await keeper.get(`/revoke?sid=${sids[3]}`)).toEqual({ revoked: false });
      expect((await keeper.devices()).map((s) => s.sid)).toEqual([sids[0]]);
      expect((await revoked.me()).userId).toBeNull();
      expect((await forgetter.me()).userId).toBeNull();
    });

    it('never lists an expired session', async () => {
      await open({ lifetime: shortLifetime });
      const alice = user();
      const [gone, fresh] = [client(), client()];
      await gone.signIn(alice);
      await sleep(shortLifetime + tolerance + 200);
      const { sid } = await fresh.signIn(alice);
      expect((await fresh.devices()).map((s) => s.sid)).toEqual([sid]);
    });

    it('a revoked session stays gone when a request already running saves it', async () => {
      await open();
      const alice = user();
      const [slow, current] = [client(), client()];
      await slow.signIn(alice);
      await current.signIn(alice);
      const running = slow.get('/note?text=late&delayMs=400');
      await sleep(150);
      expect(await current.get('/sign-out-others')).toEqual({ revoked: 1 });
      await running;
      expect((await slow.me()).userId).toBeNull();
      expect((await current.devices()).map((s) => s.current)).toEqual([true]);
    });

    it('a revoked session is not signed in again by a request that regenerates it meanwhile', async () => {
      await open();
      const alice = user();
      const [slow, current] = [client(), client()];
      await slow.signIn(alice);
      await current.signIn(alice);
      const running = slow.get('/regenerate?delayMs=400');
      await sleep(150);
      expect(await current.get('/sign-out-others')).toEqual({ revoked: 1 });
      await running;
      expect((await slow.me()).userId).toBeNull();
      expect((await current.devices()).map((s) => s.current)).toEqual([true]);
    });

    it('ends a busy session at absoluteLifetime, and regenerate() starts it again', async () => {
      const absolute = 3000 + tolerance;
      await open({ absoluteLifetime: absolute });
      const alice = user();
      const [busy, renewed] = [client(), client()];
      const start = Date.now();
      await busy.signIn(alice);
      await renewed.signIn(alice);
      const [listed] = (await busy.devices()).filter((s) => s.current);
      expect(listed.expiresAt).toBeLessThanOrEqual(listed.createdAt + absolute);
      while (Date.now() - start < absolute - 1000) {
        expect((await busy.me()).userId).toBe(alice);
        await sleep(400);
      }
      await renewed.get('/regenerate');
      const renewedAt = Date.now();
      await sleep(start + absolute + 300 - Date.now());
      expect((await busy.me()).userId).toBeNull();
      expect((await renewed.me()).userId).toBe(alice);
      expect((await renewed.devices()).map((s) => s.current)).toEqual([true]);
      await sleep(renewedAt + absolute + 300 - Date.now());
      expect((await renewed.me()).userId).toBeNull();
    }, 30_000);
  });
}
