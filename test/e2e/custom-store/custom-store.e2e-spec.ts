import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { SessionStore } from '../../../lib';
import { AuditService } from './audit.service';
import { AuditedStore } from './audited.store';
import { CustomStoreModule } from './custom-store.module';
import { describeSessionStore } from '../../../lib/testing';
import { sessionCookie } from '../../utils/cookies';
import { createApp, PLATFORMS } from '../../utils/platforms';

describeSessionStore('custom (DI)', async () => ({ store: new AuditedStore(new AuditService()) }), {
  conditionalWrites: false,
});

describe.each(PLATFORMS)('a custom store class resolved through DI, over %s', (platform) => {
  let app: INestApplication;

  afterEach(() => app?.close());

  it('is built with its dependencies, receives full keys, touches on refresh, and is closed on shutdown', async () => {
    app = await createApp(platform, CustomStoreModule);
    const audit = app.get(AuditService);
    const store = app.get<AuditedStore>(SessionStore);
    expect(store).toBeInstanceOf(AuditedStore);

    const first = await request(app.getHttpServer()).get('/count').expect(200);
    const cookie = sessionCookie(first.headers);
    expect(audit.events).toEqual([`set audited:${first.body.sid}`]);

    await request(app.getHttpServer())
      .get('/read')
      .set('Cookie', `session=${cookie.value}`)
      .expect(200);
    expect(audit.events.slice(1)).toEqual([
      `get audited:${first.body.sid}`,
      `touch audited:${first.body.sid}`,
    ]);

    await app.close();
    expect(store.closed).toBe(true);
  });
});
