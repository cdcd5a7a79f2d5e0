import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { eventData, getEvents } from '../../utils/sse';
import { SseFirstEventModule } from './sse-first-event.app';

describe.each(PLATFORMS)(
  'SSE with a session change before the first event, over %s',
  (platform: Platform) => {
    let paths: PathApp;
    const server = () => paths.app.getHttpServer() as unknown;

    beforeAll(async () => {
      paths = await startApp(platform, SseFirstEventModule);
    });

    afterAll(async () => {
      await paths?.app.close();
    });

    it('a change in the handler: the SSE headers carry the cookie, the store the change', async () => {
      const res = await getEvents(server(), '/events').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(eventData(res.body)).toEqual(['hello']);
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { subscribed: true } });
    });

    it('a stream that completes without a value is saved too', async () => {
      const res = await getEvents(server(), '/empty').expect(200);
      expect(eventData(res.body)).toEqual([]);
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { empty: true } });
    });

    it("a guard's change on an SSE route without @Session()", async () => {
      const res = await getEvents(server(), '/watched').expect(200);
      expect(eventData(res.body)).toEqual(['price']);
      const cookie = onlySessionCookie(res.headers);
      expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { watching: 'prices' } });
    });
  },
);
