import {
  readCookieValues,
  serializeClearedCookie,
  serializeCookie,
  type CookieAttributes,
} from '../../lib/core/cookie';

describe('cookies', () => {
  const attrs: CookieAttributes = { path: '/', httpOnly: true, secure: false, partitioned: false };

  it('reads every value of a name, in order, ignoring other cookies', () => {
    expect(readCookieValues('a=1; session=x; b=2;session=y', 'session')).toEqual(['x', 'y']);
    expect(readCookieValues('sessionx=1; xsession=2', 'session')).toEqual([]);
    expect(readCookieValues(undefined, 'session')).toEqual([]);
    expect(readCookieValues('session="quoted"', 'session')).toEqual(['quoted']);
    expect(readCookieValues(' session = spaced ', 'session')).toEqual(['spaced']);
    expect(readCookieValues('novalue; session', 'session')).toEqual([]);
  });

  it('reads at most a few values, whatever the header holds', () => {
    expect(readCookieValues(Array(1000).fill('session=x').join('; '), 'session')).toHaveLength(8);
  });

  it('writes a permanent cookie with Expires and Max-Age and every attribute', () => {
    // One clock for the test and the cookie: Max-Age counts whole seconds left.
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 10, 30, 12));
    const expires = new Date(Date.now() + 3600_000);
    let line: string;
    try {
      line = serializeCookie(
        'session',
        'v',
        { ...attrs, domain: 'example.com', secure: true, sameSite: 'Lax', partitioned: true },
        expires,
      );
    } finally {
      now.mockRestore();
    }
    expect(line).toBe(
      `session=v; Expires=${expires.toUTCString()}; Max-Age=3600; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax; Partitioned`,
    );
  });

  it('writes a browser-session cookie without an expiry', () => {
    expect(serializeCookie('session', 'v', attrs)).toBe('session=v; Path=/; HttpOnly');
  });

  it('clears a cookie with the attributes it was set with', () => {
    expect(serializeClearedCookie('session', { ...attrs, sameSite: 'Strict', secure: true })).toBe(
      'session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict',
    );
  });
});
