import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { StreamableFileModule } from './streamable-file.app';

describe.each(PLATFORMS)('StreamableFile responses, over %s', (platform: Platform) => {
  let paths: PathApp;
  const http = () => request(paths.app.getHttpServer());

  beforeAll(async () => {
    paths = await startApp(platform, StreamableFileModule);
  });

  afterAll(async () => {
    await paths?.app.close();
  });

  it("stores the handler's and an interceptor's changes before the file is streamed", async () => {
    const res = await http().get('/report').expect(200);
    expect(res.text).toBe('report body');
    const cookie = onlySessionCookie(res.headers);
    expect(await paths.stored(cookie.value)).toEqual({
      p: true,
      d: { downloads: 1, lastFile: 'report.txt' },
    });
  });

  it("stores a guard's change on a route streaming a file without @Session()", async () => {
    const first = await http().get('/source').expect(200);
    expect(first.text).toBe(readFileSync(path.join(__dirname, 'streamable-file.app.ts'), 'utf8'));
    const cookie = onlySessionCookie(first.headers);
    const again = await http().get('/source').set('Cookie', `session=${cookie.value}`).expect(200);
    expect(onlySessionCookie(again.headers).value).toBe(cookie.value);
    expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { sources: 2 } });
  });
});
