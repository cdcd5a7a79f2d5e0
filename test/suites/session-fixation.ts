import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { SessionStore, type CommonSessionOptions, type SessionModuleOptions } from '../../lib';
import { Signer } from '../../lib/core/signer';
import { SessionTestModule } from './session/session-test.module';
import { sessionCookie } from '../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../utils/platforms';
import { BASE64URL, idOfCookieValue } from '../utils/session-cookie-values';
import { recordStoreKeys, type StoreRecorder } from '../utils/store-recorder';

export interface SessionFixationOptions {
  /** A lifetime (ms) the store has surely expired twice over; default 400. */
  shortLifetimeMs?: number;
  /** Attacker-chosen ids tried per platform and signing mode; default 40. */
  numRuns?: number;
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

  describe.each(PLATFORMS)(`session fixation on the ${name} store over %s`, (platform) => {
    describe.each([
      ['unsigned', false],
      ['signed', true],
    ])('%s ids', (_label, signed) => {
      let app: INestApplication;
      let store: SessionStore;
      let recorder: StoreRecorder;
      let prefix: string;

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

      afterEach(async () => {
        recorder?.restore();
        await app?.close();
      });

      it('never adopts an attacker-chosen id, even one carrying a valid signature', async () => {
        await open();
        const chosenId = fc.string({
          unit: fc.constantFrom(...BASE64URL),
          minLength: 43,
          maxLength: 43,
        });
        await fc.assert(
          fc.asyncProperty(chosenId, async (chosen) => {
            recorder.clear();
            // The victim logs in with a cookie the attacker planted.
            const login = await http()
              .get('/login?user=victim')
              .set('Cookie', cookieFor(chosen))
              .expect(200);
            const issued = idOf(login);
            expect(issued).not.toBe(chosen);
            expect(login.body.sid).toBe(issued);
            expect(recorder.writtenKeys()).toEqual([prefix + issued]);
            expect(await stored(chosen)).toBe(false);
            // The planted id still leads nowhere.
            const attacker = await http().get('/read').set('Cookie', cookieFor(chosen)).expect(200);
            expect(attacker.body).toMatchObject({ isNew: true, data: {} });
            expect(attacker.body.sid).not.toBe(chosen);
          }),
          { numRuns: fixation.numRuns ?? 40 },
        );
      });

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
        expect(recorder.calls).toEqual(
          expect.arrayContaining([
            { operation: 'delete', key: prefix + plantedId },
            { operation: 'set', key: prefix + loggedIn },
          ]),
        );
        expect(await stored(plantedId)).toBe(false);
        expect(await stored(loggedIn)).toBe(true);
        const attacker = await http().get('/read').set('Cookie', cookieFor(plantedId)).expect(200);
        expect(attacker.body).toMatchObject({ isNew: true, data: {} });
        const victim = await http().get('/read').set('Cookie', cookieFor(loggedIn)).expect(200);
        expect(victim.body).toMatchObject({
          sid: loggedIn,
          data: { cart: 'planted', user: 'victim' },
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
