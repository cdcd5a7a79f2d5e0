import type { CompareAndSetResult, MemcachedSessionClient, SessionStore } from '../../interfaces';
import { SessionTooLargeError } from '../../session.errors';
import { asBuffer } from '../../utils/bytes.util';
import {
  getAndTouchWithCas,
  getWithCas,
  hasMemjsRequests,
  NO_GAT,
  setWithCas,
  type CasRead,
  type MemjsRequests,
} from './memcached.binary-protocol';

/** memjs's `replace` (store only if the item exists), which the client interface does not name. */
interface MemcachedReplaceClient extends MemcachedSessionClient {
  replace(key: string, value: Buffer, options: { expires: number }): Promise<boolean>;
}

const canReplace = (client: MemcachedSessionClient): client is MemcachedReplaceClient =>
  typeof (client as Partial<MemcachedReplaceClient>).replace === 'function';

export interface MemcachedStoreOptions {
  /**
   * The server's item size limit (`memcached -I`), default 1 MiB. A session that
   * does not fit fails with a {@link SessionTooLargeError} instead of being sent.
   */
  maxItemSize?: number;
  /** Close the client in `close()`: only for a client opened for this store. Default `false`. */
  ownsClient?: boolean;
}

/** memcached's default item size limit (`-I 1m`). */
export const MEMCACHED_DEFAULT_MAX_ITEM_SIZE = 1024 * 1024;
/** Longest key memcached accepts, in bytes. */
export const MEMCACHED_MAX_KEY_BYTES = 250;
/** Above this many seconds memcached reads an expiration as an absolute Unix time. */
export const MEMCACHED_MAX_RELATIVE_EXPIRATION = 30 * 24 * 3600;
/** Bytes of an item that are not the value: the item header, CAS and terminators (59 on 64-bit). */
const ITEM_OVERHEAD = 64;

/**
 * The expiration memcached must be sent so that an entry lives at least
 * `ttlMs`. memcached counts whole seconds on a clock that ticks once a second,
 * so the seconds are rounded up and one is added. Above 30 days memcached reads
 * the value as an absolute Unix time (a relative 31 days would be a date in
 * 1970, expired at once), so longer lifetimes are sent as `now + ttl`.
 */
export function memcachedExpiration(ttlMs: number, nowMs = Date.now()): number {
  const seconds = Math.ceil(ttlMs / 1000) + 1;
  if (seconds <= MEMCACHED_MAX_RELATIVE_EXPIRATION) return seconds;
  return Math.min(Math.floor(nowMs / 1000) + seconds, 0xffffffff);
}

/**
 * Sessions in memcached, one item per session at its full key, refreshed with
 * `touch`, or read and refreshed at once with `gat`. A loaded session is saved
 * with `replace` (`update`: only an existing item) or with a CAS write
 * (`compareAndSet`: only the version that was read). memcached expires items
 * itself (to the second: an entry lives its TTL rounded up, plus at most two
 * seconds), so there is no `deleteExpired`.
 */
export class MemcachedStore implements SessionStore {
  /** memcached `replace`: present when the client has it (a memjs `Client` does). */
  readonly update?: (key: string, value: Uint8Array, ttlMs: number) => Promise<boolean>;
  /**
   * A SET with the CAS of the read `expected` came from: present with a memjs
   * `Client`, whose plumbing sends GET and SET with a CAS.
   */
  readonly compareAndSet?: (
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ) => Promise<CompareAndSetResult>;
  private readonly maxItemSize: number;
  private readonly ownsClient: boolean;
  /** Cleared when the server answers GAT as an unknown command. */
  private gatWorks = true;
  /**
   * The key and CAS of each value this store read, or wrote with a CAS, keyed
   * by that value object: an entry lives as long as the caller keeps the
   * value, and a compareAndSet given that very value as `expected` skips its
   * GET. The value must not be changed in place meanwhile (the session never does).
   */
  private readonly reads = new WeakMap<object, { key: string; cas: Buffer }>();

  constructor(
    readonly client: MemcachedSessionClient,
    options: MemcachedStoreOptions = {},
  ) {
    this.maxItemSize = options.maxItemSize ?? MEMCACHED_DEFAULT_MAX_ITEM_SIZE;
    this.ownsClient = options.ownsClient ?? false;
    if (canReplace(client)) {
      this.update = async (key, value, ttlMs) =>
        client.replace(this.checkSize(key, value), asBuffer(value), {
          expires: memcachedExpiration(ttlMs),
        });
    }
    if (hasMemjsRequests(client)) {
      this.compareAndSet = async (key, expected, value, ttlMs) =>
        this.casWrite(client, this.checkSize(key, value), expected, value, ttlMs);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const checked = this.checkKey(key);
    const client = this.client;
    if (hasMemjsRequests(client)) return this.remember(checked, await getWithCas(client, checked));
    const { value } = await client.get(checked);
    return value ?? undefined;
  }

  /**
   * Reads and refreshes in one round trip with memcached's GAT command, sent
   * through the memjs client's own request plumbing; `get` then `touch` with
   * another client or a server without GAT.
   */
  async getAndTouch(key: string, ttlMs: number): Promise<Uint8Array | undefined> {
    const checked = this.checkKey(key);
    const client = this.client;
    if (this.gatWorks && hasMemjsRequests(client)) {
      const read = await getAndTouchWithCas(client, checked, memcachedExpiration(ttlMs));
      if (read !== NO_GAT) return this.remember(checked, read);
      this.gatWorks = false;
    }
    const value = await this.get(checked);
    if (value) await this.touch(checked, ttlMs);
    return value;
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const stored = await this.client.set(this.checkSize(key, value), asBuffer(value), {
      expires: memcachedExpiration(ttlMs),
    });
    if (!stored) throw new Error(`memcached did not store ${key}`);
  }

  async delete(key: string): Promise<void> {
    await this.client.delete(this.checkKey(key));
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    // A missing or expired item stays missing: touch answers "not found".
    return this.client.touch(this.checkKey(key), memcachedExpiration(ttlMs));
  }

  /** Closes the client when the store opened it; a client you passed in stays open. */
  async close(): Promise<void> {
    if (this.ownsClient) this.client.close?.();
  }

  /**
   * One round trip when `expected` is a value this store read or wrote and
   * nothing wrote the item since: SET with that version's CAS. Otherwise GET
   * (value and CAS), compare the bytes here, then SET with that CAS; the
   * server refuses it if anything wrote in between.
   */
  private async casWrite(
    client: MemjsRequests,
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    const expiration = memcachedExpiration(ttlMs);
    const write = async (cas: Buffer) => {
      const written = await setWithCas(client, key, asBuffer(value), expiration, cas);
      if (written.cas) this.reads.set(value, { key, cas: written.cas });
      return written.outcome;
    };
    const known = this.reads.get(expected);
    if (known?.key === key) {
      const outcome = await write(known.cas);
      // 'changed' may be a rewrite of the same bytes: compare them below.
      if (outcome !== 'changed') return outcome;
    }
    const current = await getWithCas(client, key);
    if (!current) return 'missing';
    if (!asBuffer(current.value).equals(expected)) return 'changed';
    return write(current.cas);
  }

  private remember(key: string, read: CasRead | undefined): Buffer | undefined {
    if (read && typeof read.value === 'object' && read.value !== null) {
      this.reads.set(read.value, { key, cas: read.cas });
    }
    return read?.value;
  }

  /** The key, checked; a value above the item size limit is refused before it is sent. */
  private checkSize(key: string, value: Uint8Array): string {
    const limit = this.maxItemSize - Buffer.byteLength(this.checkKey(key)) - ITEM_OVERHEAD;
    // memcached answers a too-large value by dropping the item it replaces.
    if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
    return key;
  }

  private checkKey(key: string): string {
    const bytes = Buffer.byteLength(key);
    if (bytes > MEMCACHED_MAX_KEY_BYTES) {
      throw new Error(
        `memcached keys are at most ${MEMCACHED_MAX_KEY_BYTES} bytes; "${key.slice(0, 40)}…" has ${bytes}`,
      );
    }
    return key;
  }
}
