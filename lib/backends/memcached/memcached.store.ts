import type { MemcachedSessionClient, SessionStore } from '../../interfaces';
import { SessionTooLargeError } from '../../session.errors';
import { asBuffer } from '../../utils/bytes.util';

/**
 * What a memjs `Client` uses to send a request (it has no `gat` of its own):
 * present on memjs 1.x clients, used for get-and-touch in one round trip.
 */
interface MemjsRequests {
  seq: number;
  incrSeq(): void;
  perform(
    key: string,
    request: Buffer,
    seq: number,
    callback: (error: Error | null, response: MemjsResponse | null) => void,
  ): void;
  serializer?: { deserialize(opcode: number, value: Buffer, extras: Buffer): { value: unknown } };
}

interface MemjsResponse {
  header: { status: number; opcode: number };
  val: Buffer;
  extras: Buffer;
}

/** Binary protocol: GAT opcode, and the statuses it answers with. */
const OPCODE_GAT = 0x1d;
const STATUS_OK = 0x00;
const STATUS_NOT_FOUND = 0x01;
const STATUS_UNKNOWN_COMMAND = 0x81;

function hasMemjsRequests(client: object): client is MemjsRequests {
  const candidate = client as Partial<MemjsRequests>;
  return (
    typeof candidate.perform === 'function' &&
    typeof candidate.incrSeq === 'function' &&
    typeof candidate.seq === 'number'
  );
}

/** A binary-protocol GAT request: 24-byte header, 4 bytes of expiration, the key. */
function gatRequest(key: string, expiration: number, opaque: number): Buffer {
  const keyBytes = Buffer.from(key);
  const request = Buffer.alloc(28 + keyBytes.length);
  request[0] = 0x80; // request magic
  request[1] = OPCODE_GAT;
  request.writeUInt16BE(keyBytes.length, 2);
  request[4] = 4; // extras length
  request.writeUInt32BE(4 + keyBytes.length, 8); // total body length
  request.writeUInt32BE(opaque, 12);
  request.writeUInt32BE(expiration, 24);
  keyBytes.copy(request, 28);
  return request;
}

export interface MemcachedStoreOptions {
  /**
   * The server's item size limit (`memcached -I`), default 1 MiB. A session that
   * does not fit fails with a {@link SessionTooLargeError} instead of being sent.
   */
  maxItemSize?: number;
  /** Close the client in `close()`: only for a client opened for this store. Default `false`. */
  ownsClient?: boolean;
}

/** The server does not know GAT (memcached before 1.5.3). */
const NO_GAT = Symbol('no GAT');

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
 * `touch`, or read and refreshed at once with `gat`. memcached expires items
 * itself (to the second: an entry lives its TTL rounded up, plus at most two
 * seconds), so there is no `deleteExpired`.
 */
export class MemcachedStore implements SessionStore {
  private readonly maxItemSize: number;
  private readonly ownsClient: boolean;
  /** Cleared when the server answers GAT as an unknown command. */
  private gatWorks = true;

  constructor(
    readonly client: MemcachedSessionClient,
    options: MemcachedStoreOptions = {},
  ) {
    this.maxItemSize = options.maxItemSize ?? MEMCACHED_DEFAULT_MAX_ITEM_SIZE;
    this.ownsClient = options.ownsClient ?? false;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { value } = await this.client.get(this.checkKey(key));
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
      const value = await this.gat(client, checked, memcachedExpiration(ttlMs));
      if (value !== NO_GAT) return value;
      this.gatWorks = false;
    }
    const value = await this.get(checked);
    if (value) await this.touch(checked, ttlMs);
    return value;
  }

  private gat(
    client: MemjsRequests,
    key: string,
    expiration: number,
  ): Promise<Buffer | undefined | typeof NO_GAT> {
    return new Promise((resolve, reject) => {
      client.incrSeq();
      const seq = client.seq;
      client.perform(key, gatRequest(key, expiration, seq), seq, (error, response) => {
        if (error || !response) return reject(error ?? new Error('memcached GAT got no answer'));
        const { status, opcode } = response.header;
        if (status === STATUS_NOT_FOUND) return resolve(undefined);
        if (status === STATUS_UNKNOWN_COMMAND) return resolve(NO_GAT);
        if (status !== STATUS_OK) {
          return reject(
            new Error(`memcached GAT ${key} failed with status 0x${status.toString(16)}`),
          );
        }
        // Decoded as memjs's own `get` decodes what `set` stored.
        const value = client.serializer
          ? client.serializer.deserialize(opcode, response.val, response.extras).value
          : response.val;
        resolve(value as Buffer);
      });
    });
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const limit = this.maxItemSize - Buffer.byteLength(this.checkKey(key)) - ITEM_OVERHEAD;
    // Checked here: memcached answers a too-large value by dropping the item it replaces.
    if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
    const stored = await this.client.set(key, asBuffer(value), {
      expires: memcachedExpiration(ttlMs),
    });
    if (!stored) throw new Error(`memcached did not store ${key}`);
  }

  async delete(key: string): Promise<void> {
    await this.client.delete(this.checkKey(key));
  }

  async touch(key: string, ttlMs: number): Promise<void> {
    // A missing or expired item stays missing: touch answers "not found".
    await this.client.touch(this.checkKey(key), memcachedExpiration(ttlMs));
  }

  /** Closes the client when the store opened it; a client you passed in stays open. */
  async close(): Promise<void> {
    if (this.ownsClient) this.client.close?.();
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
