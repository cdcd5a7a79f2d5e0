import type { INestApplication } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { MemoryStore, type StoreCallOptions } from '../../../lib';
import { setCookies } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';
import { UserSessionsTestModule } from '../../suites/user-sessions/user-sessions-test.module';

const ABSOLUTE = 1500;
const LIFETIME = 60_000;

/** Keeps every entry an hour, whatever it is asked: only the module can end a session. */
class LongLivedStore extends MemoryStore {
  readonly ttls: number[] = [];

  override set(key: string, value: Uint8Array, ttlMs: number, options?: StoreCallOptions) {
    this.ttls.push(ttlMs);
    return super.set(key, value, 3_600_000, options);
  }

  override touch(key: string, ttlMs: number) {
    this.ttls.push(ttlMs);
    return super.touch(key, 3_600_000);
  }
}

describe.each(PLATFORMS)('absoluteLifetime over %s', (platform: Platform) => {
  let app: INestApplication;
  let store: LongLivedStore;

  beforeEach(async () => {
    store = new LongLivedStore();
    app = await createApp(
      platform,
      UserSessionsTestModule.with({ store, lifetime: LIFETIME, absoluteLifetime: ABSOLUTE }),
    );
  });
  afterEach(() => app.close());

  it('reads a session past its absolute end as missing, even if the store still has it', async () => {
    const http = () => request(app.getHttpServer());
    const signIn = await http().get('/sign-in?user=ada').expect(200);
    const cookie = setCookies(signIn.headers).find((c) => c.name === 'session')!;
    const sent = `session=${cookie.value}`;
    // The cookie ends with the session, not a lifetime later.
    const expires = Date.parse(String(cookie.attributes.expires));
    expect(expires).toBeLessThanOrEqual(Date.now() + ABSOLUTE + 1000);
    expect((await http().get('/me').set('Cookie', sent).expect(200)).body.userId).toBe('ada');
    // Every TTL asked of the store fits in what was left of the absolute lifetime.
    for (const ttl of store.ttls) expect(ttl).toBeLessThanOrEqual(ABSOLUTE);
    await sleep(ABSOLUTE + 100);
    const after = await http().get('/me').set('Cookie', sent).expect(200);
    expect(after.body).toMatchObject({ userId: null, isNew: true });
    expect(await http().get('/devices?user=ada').expect(200)).toMatchObject({ body: [] });
  });
});
