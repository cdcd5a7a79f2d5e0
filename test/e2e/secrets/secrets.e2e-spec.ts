import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { SessionConfigError, type SessionModuleOptions } from '../../../lib';
import { Signer } from '../../../lib/core/signer';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';

const secretOf = (label: string) => `${label}-${randomBytes(24).toString('base64url')}`;

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-secrets-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Starting fails with a SessionConfigError for `key`, whose message never shows `hidden`. */
async function expectStartupError(
  start: Promise<INestApplication>,
  key: string,
  detail: RegExp,
  hidden?: string,
): Promise<void> {
  let app: INestApplication | undefined;
  let failure: unknown;
  try {
    app = await start;
  } catch (error) {
    failure = error;
  }
  await app?.close();
  expect(failure).toBeInstanceOf(SessionConfigError);
  const error = failure as SessionConfigError;
  expect(error.key).toBe(key);
  expect(error.message.startsWith(`${key}: `)).toBe(true);
  expect(error.message).toMatch(detail);
  if (hidden) expect(error.message).not.toContain(hidden);
}

describe.each(PLATFORMS)('secrets over %s', (platform: Platform) => {
  const good = secretOf('good');

  describe.each<[string, () => SessionModuleOptions]>([
    ['memory', () => ({ type: 'memory' })],
    ['filesystem', () => ({ type: 'filesystem', dir: tempDir() })],
  ])('on the %s store, startup fails naming the key', (_store, base) => {
    const start = (extra: object) =>
      createApp(platform, SessionTestModule.with({ ...base(), ...extra } as SessionModuleOptions));

    it('for useSigner without a secret', async () => {
      await expectStartupError(
        start({ useSigner: true }),
        'useSigner (SESSION_USE_SIGNER)',
        /needs `secret` \(SECRET_KEY\)/,
      );
      await expectStartupError(
        start({ useSigner: true, secret: [] }),
        'useSigner (SESSION_USE_SIGNER)',
        /needs `secret`/,
      );
    });

    it.each([
      ['31 bytes', 'k'.repeat(31), 31],
      ['31 bytes in 16 characters', 'é'.repeat(15) + 'k', 31],
      ['an empty string', '', 0],
    ])('for a secret of %s', async (_label, secret, bytes) => {
      await expectStartupError(
        start({ useSigner: true, secret }),
        'secret (SECRET_KEY)',
        new RegExp(`at least 32 bytes, got ${bytes} bytes$`),
        secret || undefined,
      );
    });

    it('for a short fallback secret', async () => {
      const short = 'fallback-too-short';
      await expectStartupError(
        start({ useSigner: true, secret: [good, secretOf('old'), short] }),
        'secret[2] (SECRET_KEY_FALLBACKS)',
        /at least 32 bytes, got 18 bytes$/,
        short,
      );
    });

    it('for a secret that is not a string', async () => {
      await expectStartupError(
        start({ useSigner: true, secret: 42 }),
        'secret (SECRET_KEY)',
        /got number$/,
      );
    });
  });

  it('accepts a secret of 32 bytes, however few characters', async () => {
    const app = await createApp(
      platform,
      SessionTestModule.with({ type: 'memory', useSigner: true, secret: 'é'.repeat(16) }),
    );
    try {
      const res = await request(app.getHttpServer()).get('/count').expect(200);
      expect(sessionCookie(res.headers).value).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
    } finally {
      await app.close();
    }
  });

  describe('from configuration (SESSION_USE_SIGNER, SECRET_KEY, SECRET_KEY_FALLBACKS)', () => {
    const start = (config: Record<string, unknown>) =>
      createApp(platform, SessionTestModule.fromConfig({ SESSION_TYPE: 'memory', ...config }));

    it.each<[string, Record<string, unknown>, string, RegExp]>([
      [
        'signing without SECRET_KEY',
        { SESSION_USE_SIGNER: 'true' },
        'useSigner (SESSION_USE_SIGNER)',
        /needs `secret`/,
      ],
      [
        'a short SECRET_KEY',
        { SESSION_USE_SIGNER: 'true', SECRET_KEY: 'changeme' },
        'secret (SECRET_KEY)',
        /got 8 bytes$/,
      ],
      [
        'a short entry in SECRET_KEY_FALLBACKS',
        {
          SESSION_USE_SIGNER: 'true',
          SECRET_KEY: good,
          SECRET_KEY_FALLBACKS: `${secretOf('old')}, changeme`,
        },
        'secret[2] (SECRET_KEY_FALLBACKS)',
        /got 8 bytes$/,
      ],
      [
        'SECRET_KEY_FALLBACKS without SECRET_KEY',
        { SESSION_USE_SIGNER: 'true', SECRET_KEY_FALLBACKS: good },
        'SECRET_KEY_FALLBACKS',
        /needs SECRET_KEY/,
      ],
      [
        'a SESSION_USE_SIGNER that is not a boolean',
        { SESSION_USE_SIGNER: 'sometimes', SECRET_KEY: good },
        'SESSION_USE_SIGNER',
        /expected true or false/,
      ],
    ])('fails at startup for %s', async (_label, config, key, detail) => {
      await expectStartupError(start(config), key, detail, 'changeme');
    });
  });

  it('rotation keeps old cookies valid until the old secret is removed', async () => {
    const [oldSecret, midSecret, newSecret] = [secretOf('old'), secretOf('mid'), secretOf('new')];
    const dir = tempDir();
    let app: INestApplication | undefined;
    const run = async (config: Record<string, string>) => {
      await app?.close();
      app = await createApp(
        platform,
        SessionTestModule.fromConfig({
          SESSION_TYPE: 'filesystem',
          SESSION_FILE_DIR: dir,
          SESSION_USE_SIGNER: 'true',
          ...config,
        }),
      );
    };
    const count = async (cookie?: string) => {
      const req = request(app!.getHttpServer()).get('/count');
      const res = await (cookie ? req.set('Cookie', `session=${cookie}`) : req).expect(200);
      return { count: res.body.count as number, sid: res.body.sid as string, res };
    };
    const cookieOf = (res: request.Response) => sessionCookie(res.headers).value;
    const signedBy = (secret: string, cookie: string) =>
      new Signer([secret]).unsign(cookie) !== undefined;

    try {
      await run({ SECRET_KEY: oldSecret });
      const first = await count();
      const oldCookie = cookieOf(first.res);
      expect(signedBy(oldSecret, oldCookie)).toBe(true);

      // The new secret signs, the old one still verifies.
      await run({ SECRET_KEY: newSecret, SECRET_KEY_FALLBACKS: oldSecret });
      const rotated = await count(oldCookie);
      expect(rotated).toMatchObject({ count: 2, sid: first.sid });
      const newCookie = cookieOf(rotated.res);
      expect(newCookie.startsWith(`${first.sid}.`)).toBe(true);
      expect(signedBy(newSecret, newCookie)).toBe(true);
      expect(signedBy(oldSecret, newCookie)).toBe(false);
      // A browser that missed the re-signed cookie is still recognised.
      expect(await count(oldCookie)).toMatchObject({ count: 3, sid: first.sid });
      const fresh = cookieOf((await count()).res);
      expect(signedBy(newSecret, fresh)).toBe(true);

      // Several fallbacks: any of them verifies.
      await run({ SECRET_KEY: newSecret, SECRET_KEY_FALLBACKS: `${midSecret}, ${oldSecret}` });
      expect(await count(oldCookie)).toMatchObject({ count: 4, sid: first.sid });

      // The old secret removed: its cookies are refused, the re-signed one lives on.
      await run({ SECRET_KEY: newSecret });
      const refused = await count(oldCookie);
      expect(refused.count).toBe(1);
      expect(refused.sid).not.toBe(first.sid);
      expect(await count(newCookie)).toMatchObject({ count: 5, sid: first.sid });
      expect(await count(fresh)).toMatchObject({ count: 2 });
    } finally {
      await app?.close();
    }
  });
});
