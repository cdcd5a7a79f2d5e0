import type {
  CompareAndSetResult,
  RedisSessionClient,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { asBuffer } from '../../utils/bytes.util';
import { compareAndSetCommand, isScriptingClient } from './redis.compare-and-set';
import { DEFAULT_USER_INDEX_PREFIX, RedisUserIndex } from './redis.user-index';

export interface RedisStoreOptions {
  /** Close the client in `close()`: only for a client opened for this store. Default `false`. */
  ownsClient?: boolean;
  /**
   * Where each user's index lives (`userKey`): a sorted set at this prefix +
   * the user id. Default `session:user:`; the module uses `keyPrefix + 'user:'`
   * (session ids never hold a `:`, so no session key looks like it).
   */
  userIndexPrefix?: string;
}

const CLOSE_TIMEOUT_MS = 2000;

const isUnknownCommand = (error: unknown) =>
  error instanceof Error && /unknown command/i.test(error.message);

function milliseconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/**
 * Sessions in Redis, one string per session at its full key: written with
 * `SET key value PX ttl`, refreshed with `PEXPIRE`, removed with `DEL`, read
 * as bytes with `GET`, or read and refreshed at once with `GETEX key PX ttl`
 * (falling back to `GET` + `PEXPIRE` before Redis 6.2). A loaded session is
 * saved with `SET … PX ttl XX` (`update`) or a compare-and-set script called by
 * SHA (`compareAndSet`); both need an ioredis `Redis` or `Cluster`, and a store
 * over another client has neither. On a Redis Cluster every command names a
 * single key. Redis expires entries itself, to the millisecond, so there is no
 * `deleteExpired`.
 *
 * A write with a `user` also records the key in that user's sorted set
 * (`userIndexPrefix + user`) for `findByUser`: see {@link RedisUserIndex}.
 * Writes without one are the commands above, unchanged.
 */
export class RedisStore implements SessionStore {
  /** `SET key value PX ttl XX`: only an existing (unexpired) key is replaced. */
  readonly update?: (
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ) => Promise<boolean>;
  /** One script (`GET`, compare, `SET … PX`) run atomically by the server. */
  readonly compareAndSet?: (
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ) => Promise<CompareAndSetResult>;
  /** The live sessions last written with `user`, from its sorted set (pruned on the way). */
  readonly findByUser?: (user: string) => Promise<UserSessionEntry[]>;
  private readonly userIndex?: RedisUserIndex;
  private readonly ownsClient: boolean;
  private hasGetex: boolean;

  constructor(
    readonly client: RedisSessionClient,
    options: RedisStoreOptions = {},
  ) {
    this.ownsClient = options.ownsClient ?? false;
    this.hasGetex = typeof client.getexBuffer === 'function';
    if (isScriptingClient(client)) {
      const script = compareAndSetCommand(client);
      const index = new RedisUserIndex(
        client,
        options.userIndexPrefix ?? DEFAULT_USER_INDEX_PREFIX,
        script,
      );
      this.userIndex = index;
      this.update = async (key, value, ttlMs, call) => {
        const [bytes, ms] = [asBuffer(value), milliseconds(ttlMs)];
        if (call?.user !== undefined)
          return (await index.write('update', key, call.user, bytes, ms)) === 'stored';
        return (await client.set(key, bytes, 'PX', ms, 'XX')) !== null;
      };
      this.compareAndSet = (key, expected, value, ttlMs, call) => {
        const [bytes, ms, read] = [asBuffer(value), milliseconds(ttlMs), asBuffer(expected)];
        if (call?.user !== undefined) return index.write('cas', key, call.user, bytes, ms, read);
        return script(key, read, bytes, ms);
      };
      this.findByUser = (user) => index.find(user);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.client.getBuffer(key)) ?? undefined;
  }

  async getAndTouch(key: string, ttlMs: number): Promise<Uint8Array | undefined> {
    if (this.hasGetex) {
      try {
        return (await this.client.getexBuffer!(key, 'PX', milliseconds(ttlMs))) ?? undefined;
      } catch (error) {
        if (!isUnknownCommand(error)) throw error;
        this.hasGetex = false;
      }
    }
    const value = await this.get(key);
    if (value) await this.touch(key, ttlMs);
    return value;
  }

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    const [bytes, ms] = [asBuffer(value), milliseconds(ttlMs)];
    if (options?.user !== undefined && this.userIndex) {
      await this.userIndex.write('set', key, options.user, bytes, ms);
    } else {
      await this.client.set(key, bytes, 'PX', ms);
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    // PEXPIRE leaves a missing (or already expired) key missing, and answers 0.
    return (await this.client.pexpire(key, milliseconds(ttlMs))) === 1;
  }

  /** Closes the client when the store opened it; a client you passed in stays open. */
  async close(): Promise<void> {
    if (!this.ownsClient) return;
    const client = this.client;
    if (client.status === 'end') return;
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      client.once?.('end', resolve);
    });
    try {
      if (client.status === 'ready') await client.quit?.();
    } catch {
      // The connection is going away either way.
    }
    client.disconnect?.();
    // A client between two reconnection attempts has no connection left to end.
    if (client.status !== 'reconnecting') await ended;
    clearTimeout(timer);
  }
}
