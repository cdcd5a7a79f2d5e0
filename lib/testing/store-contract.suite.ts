import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { SessionStore } from '../interfaces';
import { describeConditionalWrites } from './store-contract-conditional.suite';
import { describeUserIndex } from './store-contract-user-index.suite';

/** What a store factory returns: the store, or the store and how to clean up after a test. */
export type SessionStoreSetup<S extends SessionStore = SessionStore> =
  S | { store: S; cleanup?: () => Promise<void> | void };

export interface SessionStoreContractOptions<S extends SessionStore = SessionStore> {
  /**
   * The shortest TTL (ms) the backend honours precisely; stores whose expiry
   * has a resolution of seconds use a longer one. Default 300.
   */
  shortTtlMs?: number;
  /** Largest value the backend accepts; the large-value case uses up to this. Default 512 KiB. */
  largeValueBytes?: number;
  /** False for stores whose backend expires entries itself and so has no `deleteExpired`. */
  deleteExpired?: boolean;
  /** True for stores that read and refresh in one call (`getAndTouch`). */
  getAndTouch?: boolean;
  /**
   * False for a store without `update` and `compareAndSet` (a custom store that
   * runs in `overwrite` mode). Every built-in store has them. Default true.
   */
  conditionalWrites?: boolean;
  /** True for a store that lists a user's sessions (`findByUser`, what `userKey` needs). */
  findByUser?: boolean;
  /**
   * Whether the backend still holds anything under `key`, expired or not, read
   * around the store (its map, file, row…). `get` hides expired entries, so
   * this is how the contract sees that `deleteExpired` really removed them; a
   * store whose `deleteExpired` returns no count must pass it.
   */
  holds?(key: string, store: S): Promise<boolean> | boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isStore(setup: SessionStoreSetup): setup is SessionStore {
  return typeof (setup as SessionStore).get === 'function';
}

/**
 * The behaviour every {@link SessionStore} must have, as jest tests. Call it at
 * the top level of a test file; `setup` runs before each test and returns a
 * fresh store (or `{ store, cleanup }`).
 *
 * @example describeSessionStore('my store', () => new MyStore());
 */
export function describeSessionStore<S extends SessionStore>(
  name: string,
  setup: () => SessionStoreSetup<S> | Promise<SessionStoreSetup<S>>,
  options: SessionStoreContractOptions<S> = {},
): void {
  const shortTtl = options.shortTtlMs ?? 300;
  const largeBytes = options.largeValueBytes ?? 512 * 1024;
  const long = 60_000;

  describe(`${name} store contract`, () => {
    let store: S;
    let cleanup: (() => Promise<void> | void) | undefined;
    const key = () => `contract:${randomBytes(12).toString('base64url')}`;
    // Cases sleep a few short TTLs against a real server: more than jest's default 5 s.
    const timeoutMs = 30_000 + shortTtl * 10;
    const check = (title: string, fn: () => Promise<void>) => it(title, fn, timeoutMs);

    beforeEach(async () => {
      const made = await setup();
      if (isStore(made)) [store, cleanup] = [made, undefined];
      else ({ store, cleanup } = made);
    });

    afterEach(async () => {
      await cleanup?.();
    });

    check('returns undefined for a missing key', async () => {
      expect(await store.get(key())).toBeUndefined();
    });

    check('round-trips every byte value', async () => {
      const k = key();
      const value = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.set(k, value, long);
      expect(Buffer.from((await store.get(k))!)).toEqual(Buffer.from(value));
    });

    check('replaces a value on a second set', async () => {
      const k = key();
      await store.set(k, Buffer.from('first'), long);
      await store.set(k, Buffer.from('second'), long);
      expect(Buffer.from((await store.get(k))!).toString()).toBe('second');
    });

    check('keeps keys apart', async () => {
      const [a, b] = [key(), key()];
      await store.set(a, Buffer.from('a'), long);
      await store.set(b, Buffer.from('b'), long);
      expect(Buffer.from((await store.get(a))!).toString()).toBe('a');
      expect(Buffer.from((await store.get(b))!).toString()).toBe('b');
    });

    check('deletes, and deleting a missing key is fine', async () => {
      const k = key();
      await store.set(k, Buffer.from('x'), long);
      await store.delete(k);
      expect(await store.get(k)).toBeUndefined();
      await expect(store.delete(key())).resolves.toBeUndefined();
    });

    check('expires an entry after its TTL', async () => {
      const k = key();
      await store.set(k, Buffer.from('x'), shortTtl);
      expect(await store.get(k)).toBeDefined();
      await sleep(shortTtl * 2 + 100);
      expect(await store.get(k)).toBeUndefined();
    });

    check('implements touch, so a refresh never rewrites the value', async () => {
      expect(typeof store.touch).toBe('function');
      const k = key();
      const value = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
      await store.set(k, value, long);
      const plain: SessionStore = store;
      const writes = (['set', 'update', 'compareAndSet'] as const)
        .filter((method) => typeof plain[method] === 'function')
        .map((method) => jest.spyOn(plain as Required<SessionStore>, method));
      try {
        expect(await store.touch!(k, long)).not.toBe(false);
        for (const write of writes) expect(write).not.toHaveBeenCalled();
      } finally {
        for (const write of writes) write.mockRestore();
      }
      expect(Buffer.from((await store.get(k))!)).toEqual(Buffer.from(value));
    });

    check('touch extends the expiry without changing the value', async () => {
      const k = key();
      await store.set(k, Buffer.from('kept'), shortTtl * 2);
      await sleep(shortTtl);
      await store.touch!(k, long);
      await sleep(shortTtl * 2);
      expect(Buffer.from((await store.get(k))!).toString()).toBe('kept');
    });

    check('touch does not bring back an expired or missing entry, and says so', async () => {
      const k = key();
      await store.set(k, Buffer.from('x'), shortTtl);
      await sleep(shortTtl * 2 + 100);
      expect(await store.touch!(k, long)).toBe(false);
      expect(await store.get(k)).toBeUndefined();
      const missing = key();
      expect(await store.touch!(missing, long)).toBe(false);
      expect(await store.get(missing)).toBeUndefined();
      const live = key();
      await store.set(live, Buffer.from('live'), long);
      expect(await store.touch!(live, long)).toBe(true);
    });

    if (options.conditionalWrites !== false) {
      describeConditionalWrites(() => store, key, shortTtl, timeoutMs);
    }

    if (options.findByUser) {
      describeUserIndex(() => store, key, shortTtl, timeoutMs);
    }

    if (options.getAndTouch) {
      check('getAndTouch reads and extends the expiry at once', async () => {
        const k = key();
        await store.set(k, Buffer.from('kept'), shortTtl * 2);
        await sleep(shortTtl);
        expect(Buffer.from((await store.getAndTouch!(k, long))!).toString()).toBe('kept');
        await sleep(shortTtl * 2);
        expect(Buffer.from((await store.get(k))!).toString()).toBe('kept');
      });

      check('getAndTouch does not bring back an expired or missing entry', async () => {
        const k = key();
        await store.set(k, Buffer.from('x'), shortTtl);
        await sleep(shortTtl * 2 + 100);
        expect(await store.getAndTouch!(k, long)).toBeUndefined();
        expect(await store.get(k)).toBeUndefined();
        const missing = key();
        expect(await store.getAndTouch!(missing, long)).toBeUndefined();
        expect(await store.get(missing)).toBeUndefined();
      });
    }

    check('stores a large value intact', async () => {
      const k = key();
      const value = randomBytes(largeBytes - 1024);
      await store.set(k, value, long);
      expect(Buffer.from((await store.get(k))!).equals(value)).toBe(true);
    });

    check('handles concurrent writes to different keys', async () => {
      const keys = Array.from({ length: 50 }, key);
      await Promise.all(keys.map((k, i) => store.set(k, Buffer.from(`v${i}`), long)));
      const values = await Promise.all(keys.map((k) => store.get(k)));
      expect(values.map((v) => Buffer.from(v!).toString())).toEqual(keys.map((_, i) => `v${i}`));
    });

    if (options.deleteExpired !== false) {
      check('deleteExpired removes every expired entry, and only those', async () => {
        const dead = [key(), key(), key()];
        const live = key();
        await Promise.all(dead.map((k) => store.set(k, Buffer.from('dead'), shortTtl)));
        await store.set(live, Buffer.from('live'), long);
        await sleep(shortTtl * 2 + 100);
        const holds = options.holds && ((k: string) => options.holds!(k, store));
        // Expired entries are still held until something removes them: the check below can fail.
        if (holds) for (const k of dead) expect(await holds(k)).toBe(true);
        const removed = await store.deleteExpired!();
        if (typeof removed === 'number') expect(removed).toBeGreaterThanOrEqual(dead.length);
        else if (!holds)
          throw new Error(
            `${name}: deleteExpired() returned no count; pass the \`holds\` option so the contract can see what it removed`,
          );
        if (holds) {
          for (const k of dead) expect(await holds(k)).toBe(false);
          expect(await holds(live)).toBe(true);
        }
        for (const k of dead) expect(await store.get(k)).toBeUndefined();
        expect(Buffer.from((await store.get(live))!).toString()).toBe('live');
      });
    }
  });
}
