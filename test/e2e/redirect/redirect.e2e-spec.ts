import request from 'supertest';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { RedirectModule } from './redirect.app';

describe.each(PLATFORMS)('@Redirect() routes, over %s', (platform: Platform) => {
  let paths: PathApp;
  const http = () => request(paths.app.getHttpServer());

  beforeAll(async () => {
    paths = await startApp(platform, RedirectModule);
  });

  afterAll(async () => {
    await paths?.app.close();
  });

  it("a guard's login before a redirect: the new id stored and set, the old one deleted", async () => {
    const before = await http().get('/go?to=cart').expect(302);
    const oldSid = onlySessionCookie(before.headers).value;
    const res = await http().get('/login').set('Cookie', `session=${oldSid}`).expect(303);
    expect(res.headers.location).toBe('/home');
    const cookie = onlySessionCookie(res.headers);
    expect(cookie.value).not.toBe(oldSid);
    expect(await paths.stored(cookie.value)).toEqual({
      p: true,
      d: { flash: 'went to cart', user: 'ada' },
    });
    expect(await paths.stored(oldSid)).toBeUndefined();
  });

  it("a handler's flash message and its own target", async () => {
    const res = await http().get('/go?to=checkout').expect(302);
    expect(res.headers.location).toBe('/checkout');
    const cookie = onlySessionCookie(res.headers);
    expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { flash: 'went to checkout' } });
  });
});
