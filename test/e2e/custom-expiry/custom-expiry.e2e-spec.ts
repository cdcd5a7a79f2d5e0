import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  MemoryStore,
  ServerSideSessionInterface,
  type ServerSideSession,
  type CompareAndSetResult,
  type SessionStore,
} from '../../../lib';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie } from '../../utils/cookies';
import { createApp, PLATFORMS } from '../../utils/platforms';

const LIFETIME = 31 * 24 * 3600 * 1000;
const TWO_HOURS = 2 * 3600 * 1000;

/** A memory store that says which TTL each call asked for, with a one-trip `getAndTouch`. */
class TtlRecordingStore implements SessionStore {
  readonly ttls: [string, number][] = [];
  private readonly inner = new MemoryStore();

  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.ttls.push(['set', ttlMs]);
    return this.inner.set(key, value, ttlMs);
  }

  touch(key: string, ttlMs: number): Promise<boolean> {
    this.ttls.push(['touch', ttlMs]);
    return this.inner.touch(key, ttlMs);
  }

  compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    this.ttls.push(['compareAndSet', ttlMs]);
    return this.inner.compareAndSet(key, expected, value, ttlMs);
  }

  async getAndTouch(key: string, ttlMs: number): Promise<Uint8Array | undefined> {
    this.ttls.push(['getAndTouch', ttlMs]);
    const value = await this.inner.get(key);
    if (value) await this.inner.touch(key, ttlMs);
    return value;
  }
}

/** Sessions end two hours from their last use, whatever the configured lifetime. */
class TwoHourSessionInterface extends ServerSideSessionInterface {
  override expirationTime(session: ServerSideSession): Date | undefined {
    return session.permanent ? new Date(Date.now() + TWO_HOURS) : undefined;
  }
}

const near = (ms: number) => expect.closeTo(ms, -4); // within 5 s

describe.each(PLATFORMS)('store TTL of an overridden expirationTime() over %s', (platform) => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  const run = async (sessions: ServerSideSessionInterface, store: TtlRecordingStore) => {
    app = await createApp(platform, SessionTestModule.with({ sessionInterface: sessions }));
    const http = () => request(app!.getHttpServer());
    const first = await http().get('/count').expect(200);
    const cookie = `session=${sessionCookie(first.headers).value}`;
    await http().get('/count').set('Cookie', cookie).expect(200);
    await http().get('/read').set('Cookie', cookie).expect(200);
    return { ttls: store.ttls, maxAge: Number(sessionCookie(first.headers).attributes['max-age']) };
  };

  it('writes, rewrites and refreshes the entry for as long as the cookie lives', async () => {
    const store = new TtlRecordingStore();
    const { ttls, maxAge } = await run(new TwoHourSessionInterface(store), store);
    expect(ttls).toEqual([
      ['set', near(TWO_HOURS)],
      ['compareAndSet', near(TWO_HOURS)],
      ['touch', near(TWO_HOURS)],
    ]);
    expect(ttls.every(([, ttl]) => ttl <= TWO_HOURS)).toBe(true);
    expect(maxAge).toBeCloseTo(TWO_HOURS / 1000, -1);
  });

  it('keeps the configured lifetime, and getAndTouch, without an override', async () => {
    const store = new TtlRecordingStore();
    const { ttls } = await run(new ServerSideSessionInterface(store), store);
    expect(ttls).toEqual([
      ['set', LIFETIME],
      ['getAndTouch', LIFETIME],
      ['compareAndSet', LIFETIME],
      ['getAndTouch', LIFETIME],
    ]);
  });
});
