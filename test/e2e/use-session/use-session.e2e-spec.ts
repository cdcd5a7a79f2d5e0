import type { INestApplication } from '@nestjs/common';
import { Module } from '@nestjs/common';
import request from 'supertest';
import { SessionModule } from '../../../lib';
import {
  GuardOnlyController,
  UseSessionController,
  VisitGuard,
  VisitsController,
} from './use-session.controller';
import { sessionCookie } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [GuardOnlyController, UseSessionController, VisitsController],
  providers: [VisitGuard],
})
class UseSessionTestModule {}

describe.each(PLATFORMS)('@UseSession(), no longer needed, over %s', (platform: Platform) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createApp(platform, UseSessionTestModule);
  });

  afterAll(async () => {
    await app?.close();
  });

  const http = () => request(app.getHttpServer());
  const LIFETIME_S = 31 * 24 * 3600;

  /** Visits `path` twice with the cookie it sets: the guard's change is stored and comes back. */
  async function expectSavedRoundTrip(path: string): Promise<void> {
    const first = await http().get(path).expect(200);
    const cookie = sessionCookie(first.headers);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { expires, 'max-age': maxAge, ...attributes } = cookie.attributes;
    expect(attributes).toEqual({ path: '/', httponly: true });
    // Both count from the moment of the save (Max-Age rounds down), a little before now.
    expect(LIFETIME_S - Number(maxAge)).toBeGreaterThanOrEqual(0);
    expect(LIFETIME_S - Number(maxAge)).toBeLessThan(60);
    const expiresIn = Date.parse(String(expires)) - Date.now();
    expect(Math.abs(expiresIn - LIFETIME_S * 1000)).toBeLessThan(60_000);
    const second = await http().get(path).set('Cookie', `session=${cookie.value}`).expect(200);
    expect(sessionCookie(second.headers).value).toBe(cookie.value);
    const read = await http().get('/visits').set('Cookie', `session=${cookie.value}`).expect(200);
    expect(read.body).toEqual({ sid: cookie.value, isNew: false, visits: 2 });
  }

  it('saves a session a guard changed on a handler marked @UseSession()', async () => {
    await expectSavedRoundTrip('/with-use-session');
  });

  it('covers every handler of a controller marked @UseSession()', async () => {
    await expectSavedRoundTrip('/all');
  });

  it('saves it on a handler without @Session() or @UseSession() as well', async () => {
    await expectSavedRoundTrip('/without');
  });
});
