import type { INestApplication } from '@nestjs/common';
import { Module } from '@nestjs/common';
import request from 'supertest';
import { SessionModule } from '../../../lib';
import { GuardOnlyController, UseSessionController, VisitGuard } from './use-session.controller';
import { setCookies } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [GuardOnlyController, UseSessionController],
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

  it('saves a session a guard changed on a handler marked @UseSession()', async () => {
    const res = await request(app.getHttpServer()).get('/with-use-session').expect(200);
    expect(setCookies(res.headers).map((c) => c.name)).toEqual(['session']);
  });

  it('covers every handler of a controller marked @UseSession()', async () => {
    const res = await request(app.getHttpServer()).get('/all').expect(200);
    expect(setCookies(res.headers).map((c) => c.name)).toEqual(['session']);
  });

  it('saves it on a handler without @Session() or @UseSession() as well', async () => {
    const res = await request(app.getHttpServer()).get('/without').expect(200);
    expect(setCookies(res.headers).map((c) => c.name)).toEqual(['session']);
  });
});
