import { randomBytes } from 'node:crypto';
import type { SessionStore } from '../../lib';

export interface StoreContractOptions {
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
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every {@link SessionStore} must have. `setup` runs before each
 * test and returns a fresh store (and an optional cleanup).
 */
export function describeStoreContract(
  name: string,
  setup: () => Promise<{ store: SessionStore; cleanup?: () => Promise<void> }>,
  options: StoreContractOptions = {},
): void {
  const shortTtl = options.shortTtlMs ?? 300;
  const largeBytes = options.largeValueBytes ?? 512 * 1024;
  const long = 60_000;

  describe(`${name} store contract`, () => {
    let store: SessionStore;
    let cleanup: (() => Promise<void>) | undefined;
    const key = () => `contract:${randomBytes(12).toString('base64url')}`;

    beforeEach(async () => {
      ({ store, cleanup } = await setup());
    });

    afterEach(async () => {
      await cleanup?.();
    });

    it('returns undefined for a missing key', async () => {
      expect(await store.get(key())).toBeUndefined();
    });

    it('round-trips every byte value', async () => {
      const k = key();
      const value = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.set(k, value, long);
      expect(Buffer.from((await store.get(k))!)).toEqual(Buffer.from(value));
    });

    it('replaces a value on a second set', async () => {
      const k = key();
      await store.set(k, Buffer.from('first'), long);
      await store.set(k, Buffer.from('second'), long);
      expect(Buffer.from((await store.get(k))!).toString()).toBe('second');
    });

    it('keeps keys apart', async () => {
      const [a, b] = [key(), key()];
      await store.set(a, Buffer.from('a'), long);
      await store.set(b, Buffer.from('b'), long);
      expect(Buffer.from((await store.get(a))!).toString()).toBe('a');
      expect(Buffer.from((await store.get(b))!).toString()).toBe('b');
    });

    it('deletes, and deleting a missing key is fine', async () => {
      const k = key();
      await store.set(k, Buffer.from('x'), long);
      await store.delete(k);
      expect(await store.get(k)).toBeUndefined();
      await expect(store.delete(key())).resolves.toBeUndefined();
    });

    it('expires an entry after its TTL', async () => {
      const k = key();
      await store.set(k, Buffer.from('x'), shortTtl);
      expect(await store.get(k)).toBeDefined();
      await sleep(shortTtl * 2 + 100);
      expect(await store.get(k)).toBeUndefined();
    });

    it('implements touch, so a refresh never rewrites the value', () => {
      expect(typeof store.touch).toBe('function');
    });

    it('touch extends the expiry without changing the value', async () => {
      const k = key();
      await store.set(k, Buffer.from('kept'), shortTtl * 2);
      await sleep(shortTtl);
      await store.touch!(k, long);
      await sleep(shortTtl * 2);
      expect(Buffer.from((await store.get(k))!).toString()).toBe('kept');
    });

    it('touch does not bring back an expired or missing entry, and says so', async () => {
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
      it('update replaces an existing entry and says so', async () => {
        const k = key();
        await store.set(k, Buffer.from('first'), long);
        expect(await store.update!(k, Buffer.from('second'), long)).toBe(true);
        expect(Buffer.from((await store.get(k))!).toString()).toBe('second');
      });

      it('update never creates: a missing, deleted or expired entry stays gone', async () => {
        const missing = key();
        expect(await store.update!(missing, Buffer.from('x'), long)).toBe(false);
        expect(await store.get(missing)).toBeUndefined();
        const deleted = key();
        await store.set(deleted, Buffer.from('x'), long);
        await store.delete(deleted);
        expect(await store.update!(deleted, Buffer.from('y'), long)).toBe(false);
        expect(await store.get(deleted)).toBeUndefined();
        const expired = key();
        await store.set(expired, Buffer.from('x'), shortTtl);
        await sleep(shortTtl * 2 + 100);
        expect(await store.update!(expired, Buffer.from('y'), long)).toBe(false);
        expect(await store.get(expired)).toBeUndefined();
      });

      it('update sets the new expiry', async () => {
        const k = key();
        await store.set(k, Buffer.from('x'), long);
        expect(await store.update!(k, Buffer.from('y'), shortTtl)).toBe(true);
        await sleep(shortTtl * 2 + 100);
        expect(await store.get(k)).toBeUndefined();
      });

      it('compareAndSet stores when the entry is still what was read', async () => {
        const k = key();
        const read = Uint8Array.from([0, 1, 2, 255]);
        await store.set(k, read, long);
        const current = (await store.get(k))!;
        expect(await store.compareAndSet!(k, current, Buffer.from('next'), long)).toBe('stored');
        expect(Buffer.from((await store.get(k))!).toString()).toBe('next');
      });

      it('compareAndSet writes nothing when another write came first', async () => {
        const k = key();
        await store.set(k, Buffer.from('read'), long);
        const read = (await store.get(k))!;
        await store.set(k, Buffer.from('other'), long);
        expect(await store.compareAndSet!(k, read, Buffer.from('mine'), long)).toBe('changed');
        expect(Buffer.from((await store.get(k))!).toString()).toBe('other');
        // Same length, one byte apart: the whole value is compared.
        await store.set(k, Buffer.from('abcd'), long);
        expect(await store.compareAndSet!(k, Buffer.from('abce'), Buffer.from('x'), long)).toBe(
          'changed',
        );
        expect(Buffer.from((await store.get(k))!).toString()).toBe('abcd');
      });

      it('compareAndSet never creates: a missing, deleted or expired entry stays gone', async () => {
        const missing = key();
        expect(await store.compareAndSet!(missing, Buffer.from('x'), Buffer.from('y'), long)).toBe(
          'missing',
        );
        expect(await store.get(missing)).toBeUndefined();
        const deleted = key();
        await store.set(deleted, Buffer.from('x'), long);
        await store.delete(deleted);
        expect(await store.compareAndSet!(deleted, Buffer.from('x'), Buffer.from('y'), long)).toBe(
          'missing',
        );
        expect(await store.get(deleted)).toBeUndefined();
        const expired = key();
        await store.set(expired, Buffer.from('x'), shortTtl);
        await sleep(shortTtl * 2 + 100);
        expect(await store.compareAndSet!(expired, Buffer.from('x'), Buffer.from('y'), long)).toBe(
          'missing',
        );
        expect(await store.get(expired)).toBeUndefined();
      });

      it('compareAndSet lets exactly one of concurrent writers from one read win', async () => {
        const k = key();
        await store.set(k, Buffer.from('base'), long);
        const read = (await store.get(k))!;
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.compareAndSet!(k, read, Buffer.from(`writer-${i}`), long),
          ),
        );
        expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'changed')).toHaveLength(9);
        const winner = outcomes.indexOf('stored');
        expect(Buffer.from((await store.get(k))!).toString()).toBe(`writer-${winner}`);
      });
    }

    if (options.getAndTouch) {
      it('getAndTouch reads and extends the expiry at once', async () => {
        const k = key();
        await store.set(k, Buffer.from('kept'), shortTtl * 2);
        await sleep(shortTtl);
        expect(Buffer.from((await store.getAndTouch!(k, long))!).toString()).toBe('kept');
        await sleep(shortTtl * 2);
        expect(Buffer.from((await store.get(k))!).toString()).toBe('kept');
      });

      it('getAndTouch does not bring back an expired or missing entry', async () => {
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

    it('stores a large value intact', async () => {
      const k = key();
      const value = randomBytes(largeBytes - 1024);
      await store.set(k, value, long);
      expect(Buffer.from((await store.get(k))!).equals(value)).toBe(true);
    });

    it('handles concurrent writes to different keys', async () => {
      const keys = Array.from({ length: 50 }, key);
      await Promise.all(keys.map((k, i) => store.set(k, Buffer.from(`v${i}`), long)));
      const values = await Promise.all(keys.map((k) => store.get(k)));
      expect(values.map((v) => Buffer.from(v!).toString())).toEqual(keys.map((_, i) => `v${i}`));
    });

    if (options.deleteExpired !== false) {
      it('deleteExpired removes only expired entries', async () => {
        const [dead, live] = [key(), key()];
        await store.set(dead, Buffer.from('dead'), shortTtl);
        await store.set(live, Buffer.from('live'), long);
        await sleep(shortTtl * 2 + 100);
        await store.deleteExpired!();
        expect(await store.get(dead)).toBeUndefined();
        expect(Buffer.from((await store.get(live))!).toString()).toBe('live');
      });
    }
  });
}
