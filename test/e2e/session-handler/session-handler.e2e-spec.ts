import type { INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import request from 'supertest';
import { SessionStore } from '../../../lib';
import { MemoryStore } from '../../../lib/backends/memory/memory.store';
import { SessionHandlerController } from './session-handler.controller';
import { serializations, SessionHandlerModule } from './session-handler.module';
import { setCookies } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';

const cookieOf = (res: request.Response) => {
  const [cookie] = setCookies(res.headers);
  return `${cookie.name}=${cookie.value}`;
};

/** Serializations and store writes while `send` runs against `app`. */
async function costOf(app: INestApplication, send: () => Promise<request.Response>) {
  const set = jest.spyOn(app.get<MemoryStore>(SessionStore), 'set');
  const before = serializations.count;
  try {
    const res = await send();
    return { res, serialized: serializations.count - before, writes: set.mock.calls.length };
  } finally {
    set.mockRestore();
  }
}

describe.each(PLATFORMS)('@Session() handlers over %s', (platform: Platform) => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createApp(platform, SessionHandlerModule);
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each(['/observable', '/async-observable'])(
    'saves what a handler changes while its Observable emits (%s)',
    async (path) => {
      const first = await http().get(path).expect(200);
      expect(first.body).toEqual({ visits: 1 });
      const second = await http().get(path).set('Cookie', cookieOf(first)).expect(200);
      expect(second.body).toEqual({ visits: 2 });
    },
  );

  it('keeps the metadata guards read from the handler', async () => {
    await http().get('/metadata').expect(403);
    const res = await http().get('/metadata').set('x-token', '1').expect(200);
    expect(res.body).toEqual({ visits: 1 });
  });

  it('saves before other interceptors reshape the result', async () => {
    const first = await http().get('/enveloped').expect(200);
    expect(first.body).toEqual({ data: { visits: 1 } });
    const second = await http().get('/enveloped').set('Cookie', cookieOf(first)).expect(200);
    expect(second.body).toEqual({ data: { visits: 2 } });
  });

  it('saves after a handler that throws synchronously, and the error still answers', async () => {
    const { res, writes } = await costOf(app, () => http().get('/sync-throw').expect(500));
    expect(setCookies(res.headers)).toHaveLength(1);
    expect(writes).toBe(1);
  });

  it('gives every @Session() parameter the same session, saved once with @UseSession() too', async () => {
    const { res, writes } = await costOf(app, () => http().get('/both').expect(200));
    expect(res.body).toEqual({ same: true, visits: 1 });
    expect(setCookies(res.headers)).toHaveLength(1);
    expect(writes).toBe(1);
  });

  describe('change detection', () => {
    it('compares nothing when only plain values were read', async () => {
      const cookie = cookieOf(await http().get('/metadata').set('x-token', '1').expect(200));
      const peek = await costOf(app, () => http().get('/peek').set('Cookie', cookie).expect(200));
      expect(peek.res.body).toEqual({ visits: 1 });
      expect(peek).toMatchObject({ serialized: 0, writes: 0 });
      expect(setCookies(peek.res.headers)).toHaveLength(1); // refreshed all the same
    });

    it('compares once an object was handed out, and writes only what changed in place', async () => {
      const cookie = cookieOf(await http().get('/see?page=a').expect(200));
      const unchanged = await costOf(app, () =>
        http().get('/peek-seen').set('Cookie', cookie).expect(200),
      );
      expect(unchanged).toMatchObject({ serialized: 1, writes: 0 });
      const pushed = await costOf(app, () =>
        http().get('/see?page=b').set('Cookie', cookie).expect(200),
      );
      expect(pushed).toMatchObject({ serialized: 1, writes: 1 });
      const read = await http().get('/peek-seen').set('Cookie', cookie).expect(200);
      expect(read.body).toEqual({ seen: ['a', 'b'] });
    });
  });
});

describe('a @Session() handler outside a request', () => {
  it('keeps its name and route metadata, and runs as written when called directly', async () => {
    await Promise.resolve(); // the handler is replaced once its class has been defined
    const handler = SessionHandlerController.prototype.metadata;
    expect(handler.name).toBe('metadata');
    expect(Reflect.getMetadata(PATH_METADATA, handler)).toBe('metadata');
    const session = { get: () => 4, set: jest.fn() };
    const controller = new SessionHandlerController();
    expect(controller.metadata(session as never)).toEqual({ visits: 5 });
    expect(session.set).toHaveBeenCalledWith('visits', 5);
  });
});
