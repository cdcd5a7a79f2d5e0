import request from 'supertest';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { RenderModule, useViews } from './render.app';

describe.each(PLATFORMS)('@Render() routes, over %s', (platform: Platform) => {
  let paths: PathApp;
  const http = () => request(paths.app.getHttpServer());

  beforeAll(async () => {
    paths = await startApp(platform, RenderModule, useViews);
  });

  afterAll(async () => {
    await paths?.app.close();
  });

  it("a view rendered from a @Session() handler: the guard's and the handler's changes stored", async () => {
    const res = await http().get('/page').expect(200);
    expect(res.text).toBe('<p>Hello ada, visit 1</p>\n');
    const cookie = onlySessionCookie(res.headers);
    expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { visits: 1, user: 'ada' } });
  });

  it("a view rendered from a handler without @Session(): the guard's change stored", async () => {
    const first = await http().get('/welcome').expect(200);
    expect(first.text).toBe('<p>Hello guest, visit ?</p>\n');
    const cookie = onlySessionCookie(first.headers);
    const page = await http().get('/page').set('Cookie', `session=${cookie.value}`).expect(200);
    expect(page.text).toBe('<p>Hello ada, visit 2</p>\n');
    expect(onlySessionCookie(page.headers).value).toBe(cookie.value);
    expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { visits: 2, user: 'ada' } });
  });
});
