import request from 'supertest';
import type { ElasticsearchClientLike } from '../../../lib';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { createApp, PLATFORMS } from '../../utils/platforms';

const STORE_TIMEOUT = 200;

/** A client whose writes hang until their signal aborts; it keeps the signals it was given. */
function hangingClient(signals: (AbortSignal | undefined)[]): ElasticsearchClientLike {
  const hang = (_params: unknown, options?: { signal?: AbortSignal }) => {
    signals.push(options?.signal);
    return new Promise<never>((_resolve, reject) =>
      options?.signal?.addEventListener('abort', () => reject(options.signal!.reason)),
    );
  };
  return {
    get: async () => ({ found: false }),
    index: hang,
    update: hang,
    delete: hang,
    deleteByQuery: async () => ({}),
    indices: { exists: async () => true, create: async () => ({}) },
  } as unknown as ElasticsearchClientLike;
}

describe.each(PLATFORMS)('elasticsearch: a timed-out write is aborted, over %s', (platform) => {
  it('hands the client a signal that aborts at storeTimeout', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const app = await createApp(
      platform,
      SessionTestModule.with({
        type: 'elasticsearch',
        client: hangingClient(signals),
        storeTimeout: STORE_TIMEOUT,
      }),
    );
    try {
      await request(app.getHttpServer()).get('/count').expect(503);
      // Every write the request attempted was cancelled at its deadline.
      expect(signals.length).toBeGreaterThan(0);
      for (const signal of signals) {
        expect(signal?.aborted).toBe(true);
        expect(String(signal?.reason)).toBe(`TimeoutError: timed out after ${STORE_TIMEOUT} ms`);
      }
    } finally {
      await app.close();
    }
  });
});
