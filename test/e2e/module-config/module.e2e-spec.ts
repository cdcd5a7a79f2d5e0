import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  MemoryStore,
  NullSessionInterface,
  ServerSideSessionInterface,
  Session,
  SessionInterface,
  SessionModule,
  SessionStore,
  type ServerSideSession,
  type SessionModuleOptions,
} from '../../../lib';
import { ConfigSessionModule } from './config-session.module';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie, setCookies } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';
import { recordStoreKeys, type StoreRecorder } from '../../utils/store-recorder';

/** A store whose calls hang or fail until told otherwise. */
class FlakyStore extends MemoryStore {
  mode: 'ok' | 'hang' | 'fail' = 'ok';
  pending = 0;

  private async gate(): Promise<void> {
    if (this.mode === 'fail') throw new Error('connection refused');
    if (this.mode === 'hang') {
      this.pending++;
      await new Promise(() => undefined);
    }
  }

  override async get(key: string) {
    await this.gate();
    return super.get(key);
  }

  override async set(key: string, value: Uint8Array, ttl: number) {
    await this.gate();
    return super.set(key, value, ttl);
  }

  override async touch(key: string, ttl: number) {
    await this.gate();
    return super.touch(key, ttl);
  }
}

describe.each(PLATFORMS)('SessionModule over %s', (platform: Platform) => {
  let app: INestApplication | undefined;
  const http = () => request(app!.getHttpServer());
  const start = async (options: SessionModuleOptions) => {
    app = await createApp(platform, SessionTestModule.with(options));
  };

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('configuration errors fail at startup, naming the key', () => {
    it.each<[SessionModuleOptions, RegExp]>([
      [
        { type: 'memory', useSigner: true },
        /useSigner \(SESSION_USE_SIGNER\): signing needs `secret`/,
      ],
      [
        { type: 'memory', useSigner: true, secret: 'short' },
        /secret \(SECRET_KEY\): each secret must be a string of at least 32 bytes/,
      ],
      [
        { type: 'cassandra' } as unknown as SessionModuleOptions,
        /type \(SESSION_TYPE\): expected one of/,
      ],
      [
        { type: 'memory', idLength: 8 },
        /idLength \(SESSION_ID_LENGTH\): expected an integer >= 16/,
      ],
      [
        { type: 'memory', cookie: { sameSite: 'Sometimes' as 'Lax' } },
        /cookie\.sameSite \(SESSION_COOKIE_SAMESITE\)/,
      ],
      [{ type: 'memory', cookie: { name: 'bad name;' } }, /cookie\.name \(SESSION_COOKIE_NAME\)/],
      [{ type: 'memory', cookie: { path: 'relative' } }, /cookie\.path \(SESSION_COOKIE_PATH\)/],
      [
        { type: 'filesystem', mode: 0o1777 },
        /mode \(SESSION_FILE_MODE\): expected an integer from 0 to 511/,
      ],
      [{ type: 'filesystem', threshold: -1 }, /threshold \(SESSION_FILE_THRESHOLD\)/],
      [{ store: { get: 1 } as unknown as SessionStore }, /store: expected a SessionStore/],
      [{ type: 'memory', lifetime: 0 }, /lifetime \(PERMANENT_SESSION_LIFETIME\)/],
    ])('%p', async (options, message) => {
      await expect(start(options)).rejects.toThrow(message);
    });
  });

  describe('the null session (no SESSION_TYPE)', () => {
    it('reads as empty and refuses writes with a message saying how to configure a store', async () => {
      await start({});
      const read = await http().get('/read').expect(200);
      expect(read.body.data).toEqual({});
      expect(setCookies(read.headers)).toEqual([]);
      const write = await http().get('/count').expect(500);
      expect(write.body.message).toMatch(
        /no session store is configured.*SESSION_TYPE.*SessionModule\.forRoot/,
      );
      expect(app!.get(SessionInterface)).toBeInstanceOf(NullSessionInterface);
      expect(app!.get(SessionStore)).toBeNull();
    });
  });

  describe('forRootAsync with @nestjs/config and the Flask key names', () => {
    it('applies the configured cookie name and lifetime', async () => {
      app = await createApp(platform, ConfigSessionModule);
      const res = await http().get('/count').expect(200);
      const cookie = sessionCookie(res.headers, 'app_session');
      // Max-Age counts down from the expiry fixed at the save, in whole seconds, rounded down.
      const maxAge = Number(cookie.attributes['max-age']);
      expect(maxAge).toBeLessThanOrEqual(120);
      expect(maxAge).toBeGreaterThan(110);
    });
  });

  describe('store failures answer 503 within storeTimeout and recover without a restart', () => {
    let store: FlakyStore;
    beforeEach(async () => {
      store = new FlakyStore();
      await start({ store, storeTimeout: 300 });
    });

    it.each(['hang', 'fail'] as const)('when the store calls %s', async (mode) => {
      const ok = await http().get('/count').expect(200);
      const cookie = `session=${sessionCookie(ok.headers).value}`;
      store.mode = mode;
      const began = Date.now();
      const read = await http().get('/read').set('Cookie', cookie).expect(503);
      expect(Date.now() - began).toBeLessThan(2000);
      expect(read.body).toEqual({
        statusCode: 503,
        message: 'Session store unavailable',
        error: 'Service Unavailable',
      });
      const write = await http().get('/count').expect(503);
      expect(setCookies(write.headers)).toEqual([]);
      await http().get('/plain').expect(200);
      store.mode = 'ok';
      const again = await http().get('/count').set('Cookie', cookie).expect(200);
      expect(again.body.count).toBe(2);
    });
  });

  it('uses a session interface of your own, with overridden cookie getters', async () => {
    class TenantSessionInterface extends ServerSideSessionInterface {
      override cookieName(): string {
        return 'tenant_sid';
      }
      override cookieSameSite(): 'Strict' {
        return 'Strict';
      }
    }
    await start({ sessionInterface: new TenantSessionInterface(new MemoryStore()) });
    const res = await http().get('/count').expect(200);
    const cookie = sessionCookie(res.headers, 'tenant_sid');
    expect(cookie.attributes.samesite).toBe('Strict');
    const again = await http()
      .get('/count')
      .set('Cookie', `tenant_sid=${cookie.value}`)
      .expect(200);
    expect(again.body.count).toBe(2);
  });

  it('refuses a sessionInterface that is not one', async () => {
    await expect(start({ sessionInterface: {} as SessionInterface })).rejects.toThrow(
      /sessionInterface: expected a SessionInterface/,
    );
  });

  it('a store instance passed in is not closed on shutdown; one the module built is', async () => {
    const given = new MemoryStore();
    const close = jest.spyOn(given, 'close');
    await start({ store: given });
    await app!.close();
    app = undefined;
    expect(close).not.toHaveBeenCalled();

    await start({ type: 'memory' });
    const built = app!.get<MemoryStore>(SessionStore);
    const closeBuilt = jest.spyOn(built, 'close');
    await app!.close();
    app = undefined;
    expect(closeBuilt).toHaveBeenCalled();
  });

  it('runs deleteExpired every cleanupEvery saving requests', async () => {
    const store = new MemoryStore();
    const cleanup = jest.spyOn(store, 'deleteExpired');
    await start({ store, cleanupEvery: 3 });
    for (let i = 0; i < 7; i++) await http().get('/count').expect(200);
    expect(cleanup).toHaveBeenCalledTimes(2);
  });
});

@Controller()
class UnmodifiedController {
  @Get('unmodified')
  read(@Session() session: ServerSideSession) {
    return { value: session.get('x') ?? null };
  }

  @Get('no-session')
  noSession() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('store traffic of one request over %s', (platform: Platform) => {
  const id = 'a'.repeat(43);
  let app: INestApplication;
  let recorder: StoreRecorder;

  beforeEach(async () => {
    const store = new MemoryStore();
    @Module({ imports: [SessionModule.forRoot({ store })], controllers: [UnmodifiedController] })
    class AppModule {}
    app = await createApp(platform, AppModule);
    await store.set(`session:${id}`, Buffer.from('{"p":true,"d":{"x":1}}'), 60_000);
    recorder = recordStoreKeys(store);
  });

  afterEach(async () => {
    recorder?.restore();
    await app?.close();
  });

  it('reads once and touches once for an unmodified permanent session', async () => {
    const res = await request(app.getHttpServer())
      .get('/unmodified')
      .set('Cookie', `session=${id}`)
      .expect(200);
    expect(res.body).toEqual({ value: 1 });
    expect(recorder.lines()).toEqual([`get session:${id}`, `touch session:${id}`]);
  });

  it('makes no store call for a route without @Session(), even with a session cookie', async () => {
    const res = await request(app.getHttpServer())
      .get('/no-session')
      .set('Cookie', `session=${id}`)
      .expect(200);
    expect(res.body).toEqual({ ok: true });
    expect(setCookies(res.headers)).toEqual([]);
    expect(recorder.calls).toEqual([]);
  });
});
