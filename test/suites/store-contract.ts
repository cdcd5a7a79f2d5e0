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

    it('touch does not bring back an expired or missing entry', async () => {
      const k = key();
      await store.set(k, Buffer.from('x'), shortTtl);
      await sleep(shortTtl * 2 + 100);
      await store.touch!(k, long);
      expect(await store.get(k)).toBeUndefined();
      const missing = key();
      await store.touch!(missing, long);
      expect(await store.get(missing)).toBeUndefined();
    });

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
