import request from 'supertest';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { GuardDenialModule } from './guard-denial.app';

describe.each(PLATFORMS)(
  'a guard or pipe that writes to the session, then denies, over %s',
  (platform: Platform) => {
    let paths: PathApp;
    const http = () => request(paths.app.getHttpServer());

    beforeAll(async () => {
      paths = await startApp(platform, GuardDenialModule);
    });

    afterAll(async () => {
      await paths?.app.close();
    });

    it('guard that throws 401: what it wrote is stored, one session cookie', async () => {
      const res = await http().get('/account?next=1').expect(401);
      expect(res.body.message).toBe('log in first');
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({
        p: true,
        d: { wanted: '/account?next=1' },
      });
    });

    it('guard that returns false (403): stored, and counted again on the next request', async () => {
      const first = await http().get('/admin').expect(403);
      const cookie = onlySessionCookie(first.headers);
      const second = await http()
        .get('/admin')
        .set('Cookie', `session=${cookie.value}`)
        .expect(403);
      expect(onlySessionCookie(second.headers).value).toBe(cookie.value);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { denied: 2 } });
    });

    it('pipe that fails validation (400): stored, one session cookie', async () => {
      const res = await http().get('/item').expect(400);
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { rejected: '/item' } });
    });
  },
);
