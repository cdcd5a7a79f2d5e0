import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { SessionStore, TaggedJsonSerializer } from '../../../lib';
import type { MemoryStore } from '../../../lib/backends/memory/memory.store';
import { setCookies } from '../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../utils/platforms';
import { UnawaitedSaveModule } from './unawaited-save.module';

const json = new TaggedJsonSerializer();

describe.each(PLATFORMS)('save() called by the handler over %s', (platform: Platform) => {
  let app: INestApplication;
  let store: MemoryStore;
  const http = () => request(app.getHttpServer());
  const stored = async (sid: string) => {
    const bytes = await store.get(`session:${sid}`);
    return bytes && (json.loads(bytes) as { d: Record<string, unknown> }).d;
  };

  beforeAll(async () => {
    app = await createApp(platform, UnawaitedSaveModule);
    store = app.get<MemoryStore>(SessionStore);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('an unawaited save and the automatic save: each change written once, in order, one Set-Cookie', async () => {
    // The first write is the slow one: run side by side, it would land last and lose `second`.
    const write = store.set.bind(store);
    let calls = 0;
    const set = jest.spyOn(store, 'set').mockImplementation(async (key, value, ttl) => {
      if (calls++ === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      return write(key, value, ttl);
    });
    try {
      const res = await http().get('/unawaited').expect(200);
      const cookies = setCookies(res.headers);
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ name: 'session', value: res.body.sid });
      expect(await stored(res.body.sid)).toEqual({ first: 1, second: 2 });
      expect(set).toHaveBeenCalledTimes(2);
    } finally {
      set.mockRestore();
    }
  });

  it('overlapping saves around regenerate(): the old id is deleted, one cookie for the new id', async () => {
    const start = await http().get('/twice').expect(200);
    const oldSid = start.body.sid as string;
    const res = await http().get('/overlapping').set('Cookie', `session=${oldSid}`).expect(200);
    const cookies = setCookies(res.headers);
    expect(cookies).toHaveLength(1);
    expect(cookies[0].value).toBe(res.body.sid);
    expect(res.body.sid).not.toBe(oldSid);
    expect(await stored(oldSid)).toBeUndefined();
    expect(await stored(res.body.sid)).toEqual({ n: 1, user: 'ada' });
  });

  it('saving twice with nothing changed writes once', async () => {
    const set = jest.spyOn(store, 'set');
    try {
      const res = await http().get('/twice').expect(200);
      expect(setCookies(res.headers)).toHaveLength(1);
      expect(set).toHaveBeenCalledTimes(1);
    } finally {
      set.mockRestore();
    }
  });

  it('@Res() after an unawaited save: stored, one Set-Cookie', async () => {
    const res = await http().get('/raw').expect(200);
    const cookies = setCookies(res.headers);
    expect(cookies).toHaveLength(1);
    expect(await stored(cookies[0].value)).toEqual({ raw: true });
  });
});
