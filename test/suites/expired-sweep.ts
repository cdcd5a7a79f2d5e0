import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerSideSessionInterface, type SessionStore } from '../../lib';

/** A fresh store of the backend under test and a way to count what it holds, expired or not. */
export interface SweptStore {
  store: SessionStore;
  /** Entries as stored (table rows, documents, files), read around the store. */
  count(): Promise<number>;
  cleanup?(): Promise<void>;
}

export interface ExpiredSweepOptions {
  /** Sessions written, default 1,000. */
  entries?: number;
  /** The sweep interval of the test, default 250 ms. */
  cleanupInterval?: number;
  /** How long the entries may take to go once expired, default 20 s. */
  withinMs?: number;
}

const LIFETIME_MS = 1000;
const WRITERS = 20;

/**
 * What every store without a TTL of its own must show: sessions nobody reads
 * again are removed by the background sweep alone. Writes `entries` sessions
 * with a 1 s lifetime, starts a session interface with a short
 * `cleanupInterval`, and finds the store empty soon after they expire, with no
 * read of any of them.
 */
export function describeExpiredSweep(
  name: string,
  setup: () => Promise<SweptStore>,
  options: ExpiredSweepOptions = {},
): void {
  const entries = options.entries ?? 1000;
  const cleanupInterval = options.cleanupInterval ?? 250;
  const withinMs = options.withinMs ?? 20_000;

  describe(`${name}: background sweep of expired sessions`, () => {
    let swept: SweptStore;
    let sessions: ServerSideSessionInterface | undefined;

    beforeEach(async () => {
      swept = await setup();
    });

    afterEach(async () => {
      await sessions?.close();
      sessions = undefined;
      await swept.cleanup?.();
    });

    it(`removes ${entries} expired sessions that nobody reads again`, async () => {
      const { store } = swept;
      const value = Buffer.from(JSON.stringify({ data: { user: 'abandoned' } }));
      const prefix = `sweep-${randomBytes(4).toString('hex')}:`;
      let next = 0;
      const writer = async () => {
        while (next < entries) await store.set(`${prefix}${next++}`, value, LIFETIME_MS);
      };
      await Promise.all(Array.from({ length: WRITERS }, writer));
      expect(await swept.count()).toBe(entries);

      const reads: string[] = [];
      const watched = new Proxy(store, {
        get(target, property, receiver) {
          const member: unknown = Reflect.get(target, property, receiver);
          if (typeof member !== 'function') return member;
          if (property === 'get' || property === 'getAndTouch')
            return (key: string, ...rest: unknown[]) => {
              reads.push(key);
              return (member as (...args: unknown[]) => unknown).call(target, key, ...rest);
            };
          return (member as (...args: unknown[]) => unknown).bind(target);
        },
      });
      sessions = new ServerSideSessionInterface(watched, {
        lifetime: LIFETIME_MS,
        cleanupInterval,
      });

      const deadline = Date.now() + LIFETIME_MS + withinMs;
      let left = entries;
      while (left > 0 && Date.now() < deadline) {
        await sleep(cleanupInterval);
        left = await swept.count();
      }
      expect(left).toBe(0);
      expect(reads).toEqual([]);
    });

    it('keeps live sessions and stops on close', async () => {
      const { store } = swept;
      await store.set('sweep-live', Buffer.from('{"data":{}}'), 60_000);
      await store.set('sweep-dead', Buffer.from('{"data":{}}'), 1);
      sessions = new ServerSideSessionInterface(store, { cleanupInterval });
      const deadline = Date.now() + withinMs;
      while ((await swept.count()) > 1 && Date.now() < deadline) await sleep(cleanupInterval);
      expect(await swept.count()).toBe(1);
      expect(await store.get('sweep-live')).toBeDefined();

      await sessions.close();
      sessions = undefined;
      await store.set('sweep-after-close', Buffer.from('{"data":{}}'), 1);
      await sleep(cleanupInterval * 3);
      expect(await swept.count()).toBe(2);
    });
  });
}
