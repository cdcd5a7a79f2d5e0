import { Logger } from '@nestjs/common';
import request from 'supertest';
import { setCookies } from '../../utils/cookies';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { eventData, getEvents } from '../../utils/sse';
import { SseMidStreamModule } from './sse-mid-stream.app';

describe.each(PLATFORMS)('SSE with session changes mid-stream, over %s', (platform: Platform) => {
  let paths: PathApp;
  const server = () => paths.app.getHttpServer() as unknown;
  const start = async () => {
    const res = await request(paths.app.getHttpServer()).get('/start').expect(200);
    return onlySessionCookie(res.headers).value;
  };

  beforeAll(async () => {
    paths = await startApp(platform, SseMidStreamModule);
  });

  afterAll(async () => {
    await paths?.app.close();
  });

  it('stores each change made after the headers went out; the one cookie is the same id', async () => {
    const sid = await start();
    const res = await getEvents(server(), '/ticks', `session=${sid}`).expect(200);
    expect(eventData(res.body)).toEqual(['1', '2', '3']);
    expect(onlySessionCookie(res.headers).value).toBe(sid);
    expect(await paths.stored(sid)).toEqual({ p: true, d: { ticks: 3 } });
  });

  it('stores the changes to a session opened in the stream when the response ends', async () => {
    const sid = await start();
    const res = await getEvents(server(), '/ticks-opened', `session=${sid}`).expect(200);
    expect(eventData(res.body)).toEqual(['1', '2', '3']);
    expect(onlySessionCookie(res.headers).value).toBe(sid);
    expect(await paths.stored(sid)).toEqual({ p: true, d: { ticks: 0, opened: 3 } });
  });

  it('a new session first written mid-stream: not stored, no cookie, one warning naming the route', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const res = await getEvents(server(), '/ticks-new').expect(200);
      const [sid] = eventData(res.body);
      expect(setCookies(res.headers)).toEqual([]);
      expect(await paths.stored(sid)).toBeUndefined();
      const lost = warn.mock.calls.filter(([message]) => String(message).includes('not saved'));
      expect(lost).toHaveLength(1);
      expect(String(lost[0][0])).toContain('GET /ticks-new');
    } finally {
      warn.mockRestore();
    }
  });
});
