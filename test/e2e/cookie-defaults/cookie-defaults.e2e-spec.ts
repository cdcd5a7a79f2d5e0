import { Logger, type INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import request from 'supertest';
import {
  SessionConfigError,
  sessionOptionsFromConfig,
  type SameSiteOption,
  type SessionCookieOptions,
  type SessionModuleOptions,
} from '../../../lib';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie, type ParsedSetCookie } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';

const THIRTY_ONE_DAYS_S = 31 * 24 * 3600;

/** The attributes other than the expiry, which differs between setting and clearing. */
function scope(cookie: ParsedSetCookie): Record<string, string | true> {
  return Object.fromEntries(
    Object.entries(cookie.attributes).filter(([name]) => name !== 'expires' && name !== 'max-age'),
  );
}

describe.each(PLATFORMS)('session cookie attributes over %s', (platform: Platform) => {
  let app: INestApplication | undefined;
  const start = async (options: SessionModuleOptions) => {
    await app?.close();
    app = await createApp(platform, SessionTestModule.with(options));
  };
  const http = () => request(app!.getHttpServer());
  const cookieHeader = (c: ParsedSetCookie) => `${c.name}=${c.value}`;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('defaults to HttpOnly, Path=/, no Secure, SameSite or Domain, and a 31-day expiry', async () => {
    await start({ type: 'memory' });
    const before = Date.now();
    const c = sessionCookie((await http().get('/count').expect(200)).headers);
    expect(c.name).toBe('session');
    expect(c.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.keys(c.attributes).sort()).toEqual(['expires', 'httponly', 'max-age', 'path']);
    expect(c.attributes).toMatchObject({ httponly: true, path: '/' });
    const maxAge = Number(c.attributes['max-age']);
    expect(Math.abs(maxAge - THIRTY_ONE_DAYS_S)).toBeLessThanOrEqual(2);
    const expires = Date.parse(String(c.attributes.expires));
    expect(Math.abs(expires - (before + THIRTY_ONE_DAYS_S * 1000))).toBeLessThan(5000);
  });

  it('keeps HttpOnly and Path on a browser-session cookie, without an expiry', async () => {
    await start({ type: 'memory', permanent: false });
    const c = sessionCookie((await http().get('/count').expect(200)).headers);
    expect(Object.keys(c.attributes).sort()).toEqual(['httponly', 'path']);
  });

  it.each<[SameSiteOption, string | undefined]>([
    ['Strict', 'Strict'],
    ['strict', 'Strict'],
    ['Lax', 'Lax'],
    ['lax', 'Lax'],
    ['None', 'None'],
    ['none', 'None'],
    [false, undefined],
  ])('honours sameSite %s', async (sameSite, sent) => {
    await start({ type: 'memory', cookie: { sameSite } });
    const c = sessionCookie((await http().get('/count').expect(200)).headers);
    expect(c.attributes.samesite).toBe(sent);
  });

  it('sends Secure when configured, and only then', async () => {
    await start({ type: 'memory', cookie: { secure: true } });
    expect(sessionCookie((await http().get('/count').expect(200)).headers).attributes.secure).toBe(
      true,
    );
    await start({ type: 'memory', cookie: { secure: false } });
    expect(
      sessionCookie((await http().get('/count').expect(200)).headers).attributes.secure,
    ).toBeUndefined();
  });

  it('warns at startup of SameSite=None or Partitioned without Secure, which browsers drop', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await start({ type: 'memory', cookie: { sameSite: 'None', partitioned: true } });
      const warnings = warn.mock.calls.map(([message]) => String(message));
      expect(warnings).toEqual([
        expect.stringMatching(/SESSION_COOKIE_SAMESITE\) is None but .*SESSION_COOKIE_SECURE/),
        expect.stringMatching(/SESSION_COOKIE_PARTITIONED\) is true but .*SESSION_COOKIE_SECURE/),
      ]);
      warn.mockClear();
      await start({
        type: 'memory',
        cookie: { sameSite: 'None', partitioned: true, secure: true },
      });
      await start({ type: 'memory', cookie: { sameSite: 'Lax' } });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('takes every attribute from the SESSION_COOKIE_* keys', async () => {
    await start(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'memory',
        SESSION_COOKIE_NAME: 'app_session',
        SESSION_COOKIE_DOMAIN: 'example.test',
        SESSION_COOKIE_PATH: '/shop',
        SESSION_COOKIE_HTTPONLY: 'false',
        SESSION_COOKIE_SECURE: 'true',
        SESSION_COOKIE_SAMESITE: 'Strict',
        SESSION_COOKIE_PARTITIONED: 'true',
      }),
    );
    const c = sessionCookie((await http().get('/count').expect(200)).headers, 'app_session');
    expect(scope(c)).toEqual({
      domain: 'example.test',
      path: '/shop',
      secure: true,
      samesite: 'Strict',
      partitioned: true,
    });
    await start(sessionOptionsFromConfig({ SESSION_TYPE: 'memory', APPLICATION_ROOT: '/app' }));
    expect(sessionCookie((await http().get('/count').expect(200)).headers).attributes.path).toBe(
      '/app',
    );
  });

  it('clearing repeats every attribute the cookie was set with', async () => {
    const cookieOptions = fc.record(
      {
        name: fc.constantFrom('session', 'app_session'),
        path: fc.constantFrom('/', '/app', '/a/b/'),
        domain: fc.constantFrom('example.test', '.example.test', 'localhost'),
        httpOnly: fc.boolean(),
        secure: fc.boolean(),
        sameSite: fc.constantFrom<SameSiteOption>('Strict', 'Lax', 'None', 'lax', false),
        partitioned: fc.boolean(),
      },
      { requiredKeys: ['name'] },
    );
    await fc.assert(
      fc.asyncProperty(
        cookieOptions,
        fc.boolean(),
        fc.constantFrom('/logout', '/clear'),
        async (cookie: SessionCookieOptions, useSigner, clearRoute) => {
          await start({
            type: 'memory',
            cookie,
            ...(useSigner ? { useSigner, secret: 'k'.repeat(32) } : {}),
          });
          const name = cookie.name!;
          const set = sessionCookie((await http().get('/count').expect(200)).headers, name);
          expect(scope(set)).toEqual({
            path: cookie.path ?? '/',
            ...(cookie.domain ? { domain: cookie.domain } : {}),
            ...(cookie.httpOnly === false ? {} : { httponly: true }),
            ...(cookie.secure ? { secure: true } : {}),
            ...(cookie.sameSite
              ? { samesite: cookie.sameSite[0].toUpperCase() + cookie.sameSite.slice(1) }
              : {}),
            ...(cookie.partitioned ? { partitioned: true } : {}),
          });
          // A new id after regenerate() keeps the same attributes.
          const login = await http()
            .get('/login?user=ada')
            .set('Cookie', cookieHeader(set))
            .expect(200);
          const renewed = sessionCookie(login.headers, name);
          expect(renewed.value).not.toBe(set.value);
          expect(scope(renewed)).toEqual(scope(set));
          const cleared = sessionCookie(
            (await http().get(clearRoute).set('Cookie', cookieHeader(renewed)).expect(200)).headers,
            name,
          );
          expect(cleared.value).toBe('');
          expect(cleared.attributes['max-age']).toBe('0');
          expect(cleared.attributes.expires).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
          expect(scope(cleared)).toEqual(scope(set));
        },
      ),
      { numRuns: 25 },
    );
  });

  it.each<[string, SessionCookieOptions, string]>([
    ['a path that injects an attribute', { path: '/; Domain=evil.test' }, 'cookie.path'],
    ['a relative path', { path: 'app' }, 'cookie.path'],
    ['a domain that injects an attribute', { domain: 'a.test; Secure' }, 'cookie.domain'],
    ['a domain with a line break', { domain: 'a.test\r\nX-Evil: 1' }, 'cookie.domain'],
    ['a name that is not a token', { name: 'my session' }, 'cookie.name'],
    ['an unknown SameSite', { sameSite: 'Sometimes' as 'Lax' }, 'cookie.sameSite'],
  ])('refuses %s at startup', async (_label, cookie, key) => {
    const failure = await createApp(
      platform,
      SessionTestModule.with({ type: 'memory', cookie }),
    ).then(
      async (started) => {
        await started.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SessionConfigError);
    expect((failure as SessionConfigError).key.startsWith(`${key} (SESSION_COOKIE_`)).toBe(true);
  });
});
