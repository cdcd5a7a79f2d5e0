import request from 'supertest';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { ExceptionFilterModule } from './exception-filter.app';

describe.each(PLATFORMS)(
  'an exception filter that writes to the session, over %s',
  (platform: Platform) => {
    let paths: PathApp;
    const http = () => request(paths.app.getHttpServer());

    beforeAll(async () => {
      paths = await startApp(platform, ExceptionFilterModule);
    });

    afterAll(async () => {
      await paths?.app.close();
    });

    it("stores the handler's and the filter's writes, with one session cookie on the filter's answer", async () => {
      const res = await http().get('/buy').expect(409);
      expect(res.body).toEqual({ error: 'apple' });
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({
        p: true,
        d: { cart: ['apple'], lastError: 'apple' },
      });
    });

    it('stores a session only the filter opened', async () => {
      const first = await http().get('/reserve').expect(409);
      const cookie = onlySessionCookie(first.headers);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { lastError: 'pear' } });
      const again = await http().get('/buy').set('Cookie', `session=${cookie.value}`).expect(409);
      expect(onlySessionCookie(again.headers).value).toBe(cookie.value);
      expect(await paths.stored(cookie.value)).toEqual({
        p: true,
        d: { cart: ['apple'], lastError: 'apple' },
      });
    });
  },
);
