import request from 'supertest';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { ResWithoutSaveModule } from './res-without-save.app';

describe.each(PLATFORMS)(
  '@Res() handlers that never call save(), over %s',
  (platform: Platform) => {
    let paths: PathApp;
    const http = () => request(paths.app.getHttpServer());

    beforeAll(async () => {
      paths = await startApp(platform, ResWithoutSaveModule);
    });

    afterAll(async () => {
      await paths?.app.close();
    });

    it('answering through the framework: stored, one session cookie', async () => {
      const res = await http().get('/send').expect(201);
      expect(res.text).toBe('done');
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { sent: true } });
    });

    it('with passthrough: stored, one session cookie, the handler header kept', async () => {
      const res = await http().get('/passthrough').expect(200);
      expect(res.headers['x-handler']).toBe('yes');
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { passed: true } });
    });

    it('writing the response itself: a change after the first chunk is stored when it ends', async () => {
      const start = await http().get('/send').expect(201);
      const sid = onlySessionCookie(start.headers).value;
      const res = await http().get('/stream').set('Cookie', `session=${sid}`).expect(200);
      expect(res.text).toBe('first,second');
      expect(onlySessionCookie(res.headers).value).toBe(sid);
      expect(await paths.stored(sid)).toEqual({ p: true, d: { sent: true, streamed: true } });
    });
  },
);
