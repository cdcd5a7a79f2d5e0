import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { SessionStore, type CommonSessionOptions, type SessionModuleOptions } from '../../lib';
import { Signer } from '../../lib/core/signer';
import { SessionTestModule } from './session/session-test.module';
import { sessionCookie, setCookies } from '../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../utils/platforms';
import { BASE64URL, idOfCookieValue } from '../utils/session-cookie-values';
import { recordStoreKeys, type StoreRecorder } from '../utils/store-recorder';

export interface SessionFixationOptions {
  /** A lifetime (ms) the store has surely expired twice over; default 400. */
  shortLifetimeMs?: number;
  /** Attacker-chosen ids tried per platform and signing mode; default 40. */
  numRuns?: number;
}

/** Another application's prefix in the same store. */
const OTHER_PREFIX = 'other-app:';

interface Planted {
  kind: string;
  id: string;
  /** The Cookie header that carries it. */
  cookie: string;
  /** Its entry under this app's prefix still exists. */
  live?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Session fixation, over Express and Fastify, with and without signing: an id
 * the server did not issue is never adopted, and an id retired by
 * `regenerate()`, `destroy()` or expiry is dead in the store itself.
 */
export function describeSessionFixation(
  name: string,
  options: () => SessionModuleOptions,
  fixation: SessionFixationOptions = {},
): void {
  const shortLifetime = fixation.shortLifetimeMs ?? 400;
  const secret = randomBytes(32).toString('base64url');
  const signer = new Signer([secret]);
  // A secret the app had once and no longer accepts.
  const removedSigner = new Signer([randomBytes(32).toString('base64url')]);

  describe.each(PLATFORMS)(`session fixation on the ${name} store over %s`, (platform) => {
    describe.each([
      ['unsigned', false],
      ['signed', true],
    ])('%s ids', (_label, signed) => {
      let app: INestApplication;
      let store: SessionStore;
      let recorder: StoreRecorder;
      let prefix: string;
      /** Entries written under another prefix, removed after each test. */
      const foreignKeys: string[] = [];

      const open = async (extra: Partial<SessionModuleOptions> = {}) => {
        const base = { ...options(), ...extra } as SessionModuleOptions;
        const sessionOptions = (
          signed ? { ...base, useSigner: true, secret } : base
        ) as SessionModuleOptions;
        prefix = (sessionOptions as CommonSessionOptions).keyPrefix ?? 'session:';
        app = await createApp(platform as Platform, SessionTestModule.with(sessionOptions));
        store = app.get<SessionStore>(SessionStore);
        recorder = recordStoreKeys(store);
      };
      const http = () => request(app.getHttpServer());
      /** The cookie a browser would send for `id` (signed with the app's secret when signing). */
      const cookieFor = (id: string) => `session=${signed ? signer.sign(id) : id}`;
      const idOf = (res: request.Response) =>
        idOfCookieValue(sessionCookie(res.headers).value, signed);
      const stored = async (id: string) => (await store.get(prefix + id)) !== undefined;
      /** How the interface reads a session it will refresh anyway (the default settings). */
      const loadOperation = () => (store.getAndTouch ? 'getAndTouch' : 'get');
      /** A `/read` answer of a new, empty session under a fresh id the server chose. */
      const expectNewEmpty = (res: request.Response, notId: string) => {
        const { isNew, data, sid } = res.body as { isNew: boolean; data: object; sid: string };
        expect({ isNew, data }).toEqual({ isNew: true, data: {} });
        expect(sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(sid).not.toBe(notId);
      };

      afterEach(async () => {
        recorder?.restore();
        for (const key of foreignKeys.splice(0)) await store.delete(key);
        await app?.close();
      });

      /**
       * Ids an attacker can get hold of that must lead nowhere: destroyed,
       * expired, regenerated away, signed with a removed secret, or stored by an
       * app with another `keyPrefix` in the same store. `live` when the entry
       * under this app's prefix still exists (so it must be there, untouched).
       */
      const dangerousIds = async (): Promise<Planted[]> => {
        const pool: Planted[] = [];
        const fresh = async () =>
          idOf(await http().get('/set?key=secret&value=planted').expect(200));
        for (let i = 0; i < 2; i++) {
          const destroyed = await fresh();
          await http().get('/logout').set('Cookie', cookieFor(destroyed)).expect(200);
          pool.push({ kind: 'destroyed', id: destroyed, cookie: cookieFor(destroyed) });
          const away = await fresh();
          await http().get('/login?user=u').set('Cookie', cookieFor(away)).expect(200);
          pool.push({ kind: 'regenerated away', id: away, cookie: cookieFor(away) });
          const rotated = await fresh();
          const cookie = `session=${removedSigner.sign(rotated)}`;
          pool.push({ kind: 'signed with a removed secret', id: rotated, cookie, live: true });
          const bytes = (await store.get(prefix + rotated))!;
          const other = randomBytes(32).toString('base64url');
          foreignKeys.push(OTHER_PREFIX + other);
          await store.set(OTHER_PREFIX + other, bytes, 3_600_000);
          pool.push({ kind: 'under another keyPrefix', id: other, cookie: cookieFor(other) });
          const expired = randomBytes(32).toString('base64url');
          await store.set(prefix + expired, bytes, shortLifetime);
          pool.push({ kind: 'expired', id: expired, cookie: cookieFor(expired) });
        }
        // Twice the lifetime: stores that count expiry in whole seconds (memcached) may keep it up to a second longer.
        await sleep(shortLifetime * 2 + 200);
        return pool;
      };

      it('never adopts an attacker-chosen or retired id, even one carrying a valid signature', async () => {
        await open();
        const pool = await dangerousIds();
        const chosenId = fc
          .string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 })
          .map((id): Planted => ({ kind: 'chosen', id, cookie: cookieFor(id) }));
        await fc.assert(
          fc.asyncProperty(fc.oneof(chosenId, fc.constantFrom(...pool)), async (planted) => {
            const { id, cookie } = planted;
            const before = planted.live ? await store.get(prefix + id) : undefined;
            recorder.clear();
            // Whoever holds the cookie gets a new, empty session, and nothing is written.
            const holder = await http().get('/read').set('Cookie', cookie).expect(200);
            expectNewEmpty(holder, id);
            expect([planted.kind, recorder.writtenKeys()]).toEqual([planted.kind, []]);
            // The victim logs in with the planted cookie: only a new id is written.
            recorder.clear();
            const login = await http().get('/login?user=victim').set('Cookie', cookie).expect(200);
            const issued = idOf(login);
            expect(issued).not.toBe(id);
            expect(login.body.sid).toBe(issued);
            expect([planted.kind, recorder.writtenKeys()]).toEqual([
              planted.kind,
              [prefix + issued],
            ]);
            if (planted.live) expect(await store.get(prefix + id)).toEqual(before);
            else expect([planted.kind, await stored(id)]).toEqual([planted.kind, false]);
            // The planted id still leads nowhere.
            const attacker = await http().get('/read').set('Cookie', cookie).expect(200);
            expectNewEmpty(attacker, id);
            expect(attacker.body.sid).not.toBe(issued);
          }),
          // Every dangerous id once, then random draws.
          { numRuns: fixation.numRuns ?? 40, examples: pool.map((planted) => [planted]) },
        );
      });

      it.each([
        ['regenerate()', '/login?user=victim'],
        ['destroy()', '/destroy-then-set'],
      ])(
        'a failed save after %s keeps the previous session and never shows the new id',
        async (_name, route) => {
          await open();
          const oldId = idOf(await http().get('/count').expect(200));
          recorder.clear();
          // Every set of this request fails, as in an outage (a failed save is tried once more after the error).
          recorder.fail('set', Number.POSITIVE_INFINITY);
          const res = await http().get(route).set('Cookie', cookieFor(oldId)).expect(503);
          recorder.fail('set', 0);
          expect(setCookies(res.headers)).toEqual([]);
          // The old entry was read, only the new one was tried, and nothing was deleted.
          const [load, save, ...more] = recorder.calls;
          expect([load.operation, load.key, save.operation]).toEqual([
            loadOperation(),
            prefix + oldId,
            'set',
          ]);
          expect(more.map((c) => `${c.operation} ${c.key}`)).toEqual(
            more.map(() => `set ${save.key}`),
          );
          const newId = save.key.slice(prefix.length);
          expect(newId).toMatch(/^[A-Za-z0-9_-]{43}$/);
          expect(newId).not.toBe(oldId);
          expect(res.text).not.toContain(newId);
          expect(await stored(newId)).toBe(false);
          const again = await http().get('/read').set('Cookie', cookieFor(oldId)).expect(200);
          expect(again.body).toEqual({
            sid: oldId,
            isNew: false,
            data: { count: 1 },
            permanent: true,
          });
          expect(await stored(newId)).toBe(false);
        },
      );

      it('regenerate() at login retires a planted real id in the store', async () => {
        await open();
        // The attacker gets a real session, then plants its cookie in the victim's browser.
        const planted = await http().get('/set?key=cart&value=planted').expect(200);
        const plantedId = idOf(planted);
        expect(await stored(plantedId)).toBe(true);
        recorder.clear();
        const login = await http()
          .get('/login?user=victim')
          .set('Cookie', cookieFor(plantedId))
          .expect(200);
        const loggedIn = idOf(login);
        expect(loggedIn).not.toBe(plantedId);
        // In this order: the planted entry goes only once the new one is stored.
        expect(recorder.lines()).toEqual([
          `${loadOperation()} ${prefix}${plantedId}`,
          `set ${prefix}${loggedIn}`,
          `delete ${prefix}${plantedId}`,
        ]);
        expect(await stored(plantedId)).toBe(false);
        expect(await stored(loggedIn)).toBe(true);
        const attacker = await http().get('/read').set('Cookie', cookieFor(plantedId)).expect(200);
        expectNewEmpty(attacker, plantedId);
        const victim = await http().get('/read').set('Cookie', cookieFor(loggedIn)).expect(200);
        expect(victim.body).toEqual({
          sid: loggedIn,
          isNew: false,
          data: { cart: 'planted', user: 'victim' },
          permanent: true,
        });
      });

      it('every id a session had is dead after repeated regenerate()', async () => {
        await open();
        const ids = [idOf(await http().get('/count').expect(200))];
        for (let i = 0; i < 3; i++) {
          const res = await http()
            .get(`/login?user=u${i}`)
            .set('Cookie', cookieFor(ids[ids.length - 1]))
            .expect(200);
          ids.push(idOf(res));
        }
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids.slice(0, -1)) expect(await stored(id)).toBe(false);
        expect(await stored(ids[ids.length - 1])).toBe(true);
      });

      it('destroy() leaves nothing under the old id', async () => {
        await open();
        const id = idOf(await http().get('/count').expect(200));
        await http().get('/logout').set('Cookie', cookieFor(id)).expect(200);
        expect(await stored(id)).toBe(false);
        const after = await http().get('/count').set('Cookie', cookieFor(id)).expect(200);
        expect(after.body.count).toBe(1);
        expect(idOf(after)).not.toBe(id);
        expect(await stored(id)).toBe(false);
      });

      it('does not bring an expired id back', async () => {
        await open({ lifetime: shortLifetime });
        const id = idOf(await http().get('/count').expect(200));
        // Twice the lifetime: stores that count expiry in whole seconds (memcached) may keep it up to a second longer.
        await sleep(shortLifetime * 2 + 200);
        recorder.clear();
        const after = await http().get('/count').set('Cookie', cookieFor(id)).expect(200);
        expect(after.body.count).toBe(1);
        expect(idOf(after)).not.toBe(id);
        expect(recorder.writtenKeys()).not.toContain(prefix + id);
        expect(await stored(id)).toBe(false);
      });
    });
  });
}
