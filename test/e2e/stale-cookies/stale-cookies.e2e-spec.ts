import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { MemoryStore, ServerSideSessionInterface, type CommonSessionOptions } from '../../../lib';
import { Signer } from '../../../lib/core/signer';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie } from '../../utils/cookies';
import { createApp, PLATFORMS } from '../../utils/platforms';
import { recordStoreKeys, type StoreRecorder } from '../../utils/store-recorder';

const SECRET = 's'.repeat(32);
/** A well-formed id the store has no entry for: the stale cookie of an old login. */
const staleId = (letter: string) => letter.repeat(43);

describe.each(PLATFORMS)('several session cookies over %s', (platform) => {
  describe.each<[string, CommonSessionOptions, (sid: string) => string]>([
    ['unsigned', {}, (sid) => sid],
    ['signed', { useSigner: true, secret: SECRET }, (sid) => new Signer([SECRET]).sign(sid)],
  ])('%s', (_label, options, cookieOf) => {
    let app: INestApplication | undefined;
    let recorder: StoreRecorder;
    const http = () => request(app!.getHttpServer());
    const gets = () => recorder.calls.filter((call) => call.operation === 'get').length;

    beforeEach(async () => {
      const store = new MemoryStore();
      recorder = recordStoreKeys(store);
      app = await createApp(
        platform,
        SessionTestModule.with({
          sessionInterface: new ServerSideSessionInterface(store, options),
        }),
      );
    });
    afterEach(() => app?.close());

    const login = async () => {
      const first = await http().get('/count').expect(200);
      recorder.clear();
      return { sid: first.body.sid as string, value: sessionCookie(first.headers).value };
    };

    it('goes on with the live session when a stale cookie comes first (a narrower path)', async () => {
      const live = await login();
      const res = await http()
        .get('/count')
        .set('Cookie', `session=${cookieOf(staleId('A'))}; session=${live.value}`)
        .expect(200);
      expect(res.body).toEqual({ count: 2, sid: live.sid });
      expect(gets()).toBe(2);
    });

    it('uses the first cookie with an entry, and looks no further', async () => {
      const live = await login();
      const other = await login();
      const res = await http()
        .get('/count')
        .set('Cookie', `session=garbage; session=${live.value}; session=${other.value}`)
        .expect(200);
      expect(res.body).toEqual({ count: 2, sid: live.sid });
      expect(gets()).toBe(1);
    });

    it('looks up at most 3 cookies, and the same id once', async () => {
      const live = await login();
      const stale = ['A', 'A', 'B', 'C'].map((letter) => `session=${cookieOf(staleId(letter))}`);
      const res = await http()
        .get('/count')
        .set('Cookie', `${stale.join('; ')}; session=${live.value}`)
        .expect(200);
      expect(res.body.count).toBe(1);
      expect(res.body.sid).not.toBe(live.sid);
      expect(recorder.calls.filter((call) => call.operation === 'get').map((c) => c.key)).toEqual(
        ['A', 'B', 'C'].map((letter) => `session:${staleId(letter)}`),
      );
    });
  });
});
