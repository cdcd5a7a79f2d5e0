import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import {
  SessionConfigError,
  SessionStore,
  sessionOptionsFromConfig,
  type SessionModuleOptions,
} from '../../../lib';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie, setCookies } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';
import { recordStoreKeys, type StoreRecorder } from '../../utils/store-recorder';

const LIMIT = 1024;
const PREFIX = 'session:';
const tooLarge = (size: number, limit = LIMIT) =>
  `Session data is ${size} bytes, above the limit of ${limit} bytes; it was not saved`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const STORES: [string, () => SessionModuleOptions & { dir?: string }][] = [
  [
    'filesystem',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'session-limits-'));
      dirs.push(dir);
      return { type: 'filesystem', dir };
    },
  ],
  ['memory', () => ({ type: 'memory' })],
];

describe.each(PLATFORMS)('session size limit over %s', (platform: Platform) => {
  describe.each(STORES)('on the %s store', (_name, storeOptions) => {
    let app: INestApplication;
    let store: SessionStore;
    let recorder: StoreRecorder;
    let dir: string | undefined;
    /** Bytes a session holding an empty `blob` takes in the store. */
    let overhead: number;

    const http = () => request(app.getHttpServer());
    const cookieOf = (res: request.Response) => {
      const c = sessionCookie(res.headers);
      return `${c.name}=${c.value}`;
    };
    const storedBytes = async (res: request.Response) =>
      store.get(PREFIX + sessionCookie(res.headers).value);
    const files = () => (dir ? readdirSync(dir) : []);

    beforeEach(async () => {
      const options = storeOptions();
      dir = options.dir;
      app = await createApp(platform, SessionTestModule.with({ ...options, maxSize: LIMIT }));
      store = app.get<SessionStore>(SessionStore);
      const empty = await http().get('/fill?size=0').expect(200);
      overhead = (await storedBytes(empty))!.byteLength;
      await store.delete(PREFIX + sessionCookie(empty.headers).value);
      recorder = recordStoreKeys(store);
    });

    afterEach(async () => {
      recorder?.restore();
      await app?.close();
    });

    it('stores a session of exactly maxSize bytes', async () => {
      const res = await http()
        .get(`/fill?size=${LIMIT - overhead}`)
        .expect(200);
      expect((await storedBytes(res))!.byteLength).toBe(LIMIT);
    });

    it('refuses one byte more with an error naming the size and the limit, storing nothing', async () => {
      const before = files();
      const res = await http()
        .get(`/fill?size=${LIMIT - overhead + 1}`)
        .expect(500);
      expect(res.body.message).toBe(tooLarge(LIMIT + 1));
      expect(setCookies(res.headers)).toEqual([]);
      expect(recorder.writtenKeys()).toEqual([]);
      expect(files()).toEqual(before);
    });

    it('counts bytes, not characters', async () => {
      // 'é' is two bytes in UTF-8: the characters fit, the bytes do not.
      const chars = LIMIT - overhead - 10;
      const res = await http()
        .get(`/fill?size=${chars}&char=${encodeURIComponent('é')}`)
        .expect(500);
      expect(res.body.message).toBe(tooLarge(overhead + 2 * chars));
      expect(setCookies(res.headers)).toEqual([]);
      expect(recorder.writtenKeys()).toEqual([]);
    });

    it('keeps the stored session whole when an update would exceed the limit', async () => {
      const first = await http().get('/fill?size=100').expect(200);
      const cookie = cookieOf(first);
      const before = Buffer.from((await storedBytes(first))!);
      recorder.clear();
      const res = await http().get('/fill?size=5000').set('Cookie', cookie).expect(500);
      expect(res.body.message).toBe(tooLarge(overhead + 5000));
      expect(setCookies(res.headers)).toEqual([]);
      // Only the load, which may refresh the expiry (getAndTouch): no write of the data.
      expect(recorder.lines()).toEqual([expect.stringMatching(/^get(AndTouch)? /)]);
      expect(Buffer.from((await storedBytes(first))!)).toEqual(before);
      const read = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(read.body.data).toEqual({ blob: 'x'.repeat(100) });
    });

    it('keeps the session when the save after regenerate() would exceed the limit', async () => {
      const first = await http().get('/fill?size=100').expect(200);
      const cookie = cookieOf(first);
      const before = Buffer.from((await storedBytes(first))!);
      recorder.clear();
      const res = await http()
        .get('/fill?size=5000&regenerate=true')
        .set('Cookie', cookie)
        .expect(500);
      expect(res.body.message).toBe(tooLarge(overhead + 5000));
      expect(setCookies(res.headers)).toEqual([]);
      // Only the load, which may refresh the expiry (getAndTouch): no write of the data.
      expect(recorder.lines()).toEqual([expect.stringMatching(/^get(AndTouch)? /)]);
      expect(Buffer.from((await storedBytes(first))!)).toEqual(before);
      const read = await http().get('/read').set('Cookie', cookie).expect(200);
      expect(read.body).toMatchObject({ isNew: false, data: { blob: 'x'.repeat(100) } });
    });

    it("lets the handler's own error through and stores nothing", async () => {
      const res = await http().get('/fill?size=5000&fail=true').expect(400);
      expect(res.body.message).toBe('handler failed');
      expect(setCookies(res.headers)).toEqual([]);
      expect(recorder.writtenKeys()).toEqual([]);
    });
  });

  it('takes the limit from SESSION_MAX_SIZE', async () => {
    const options = sessionOptionsFromConfig({ SESSION_TYPE: 'memory', SESSION_MAX_SIZE: '300' });
    const app = await createApp(platform, SessionTestModule.with(options));
    try {
      const ok = await request(app.getHttpServer()).get('/fill?size=200').expect(200);
      expect(sessionCookie(ok.headers).value).not.toBe('');
      const res = await request(app.getHttpServer()).get('/fill?size=400').expect(500);
      expect(res.body.message).toMatch(/^Session data is \d+ bytes, above the limit of 300 bytes/);
      expect(setCookies(res.headers)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('size limit configuration', () => {
  it.each(['abc', '-1', '1.5'])('refuses SESSION_MAX_SIZE=%s, naming the key', (value) => {
    expect(() =>
      sessionOptionsFromConfig({ SESSION_TYPE: 'memory', SESSION_MAX_SIZE: value }),
    ).toThrow(
      new SessionConfigError('SESSION_MAX_SIZE', `expected an integer >= 0, got "${value}"`),
    );
  });

  it('refuses a negative maxSize when the app starts', async () => {
    await expect(
      createApp('express', SessionTestModule.with({ type: 'memory', maxSize: -1 })),
    ).rejects.toThrow('maxSize (SESSION_MAX_SIZE): expected an integer >= 0, got -1');
  });
});
