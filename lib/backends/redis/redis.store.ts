import { loadOptionalPackage } from '../../utils/optional-package.util';
import { Logger } from '@nestjs/common';
import type { SessionStore } from '../../interfaces/session-store.interface';

/**
 * The ioredis methods the store uses, named structurally so that this package
 * compiles without ioredis: an ioredis `Redis` or `Cluster` instance has them all.
 */
export interface RedisSessionClient {
  getBuffer(key: string): Promise<Buffer | null>;
  /** `GETEX` (Redis ≥ 6.2); without it, or on an older server, `getAndTouch` takes two commands. */
  getexBuffer?(key: string, millisecondsToken: 'PX', milliseconds: number): Promise<Buffer | null>;
  set(key: string, value: Buffer, millisecondsToken: 'PX', milliseconds: number): Promise<unknown>;
  pexpire(key: string, milliseconds: number): Promise<number>;
  del(key: string): Promise<number>;
  /** Used only to close a client the store opened itself. */
  readonly status?: string;
  quit?(): Promise<unknown>;
  disconnect?(): void;
  once?(event: 'end', listener: () => void): unknown;
}

export interface RedisStoreOptions {
  /** Close the client in `close()`: only for a client opened for this store. Default `false`. */
  ownsClient?: boolean;
}

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…`; wins over `host` and `port`. */
  url?: string;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 6379. */
  port?: number;
  /**
   * Longest wait to connect, and for an answer before the connection is dropped,
   * in ms (the module passes `storeTimeout`). Default 3000.
   */
  timeoutMs?: number;
}

/** Longest pause between two reconnection attempts while the server is unreachable. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 500;
const CLOSE_TIMEOUT_MS = 2000;

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

const isUnknownCommand = (error: unknown) =>
  error instanceof Error && /unknown command/i.test(error.message);

function milliseconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/**
 * Sessions in Redis, one string per session at its full key: written with
 * `SET key value PX ttl`, refreshed with `PEXPIRE`, removed with `DEL`, read
 * as bytes with `GET`, or read and refreshed at once with `GETEX key PX ttl`
 * (falling back to `GET` + `PEXPIRE` before Redis 6.2). Every command names a single key, so the store works
 * unchanged on a Redis Cluster. Redis expires entries itself, to the
 * millisecond, so there is no `deleteExpired`.
 */
export class RedisStore implements SessionStore {
  private readonly ownsClient: boolean;
  private hasGetex: boolean;

  constructor(
    readonly client: RedisSessionClient,
    options: RedisStoreOptions = {},
  ) {
    this.ownsClient = options.ownsClient ?? false;
    this.hasGetex = typeof client.getexBuffer === 'function';
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

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await this.client.set(key, asBuffer(value), 'PX', milliseconds(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }

  async touch(key: string, ttlMs: number): Promise<void> {
    // PEXPIRE leaves a missing (or already expired) key missing.
    await this.client.pexpire(key, milliseconds(ttlMs));
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

/**
 * Opens an ioredis client that fails fast while the server is unreachable:
 * no offline queue (a command either goes out now or fails now), no replay of
 * unanswered commands after a reconnection, `timeoutMs` to connect, and a
 * connection that answers nothing for `timeoutMs` is dropped. It keeps
 * reconnecting in the background (every {@link REDIS_MAX_RECONNECT_DELAY_MS} ms
 * at most), so a recovered server is used again without a restart. The first connection is awaited; when it fails the
 * client is returned anyway, still reconnecting, and a warning is logged.
 */
export async function createRedisClient(
  options: RedisConnectionOptions = {},
): Promise<RedisSessionClient> {
  const ioredis = loadOptionalPackage<typeof import('ioredis')>('ioredis', { store: 'redis' });
  const timeoutMs = options.timeoutMs ?? 3000;
  const settings = {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    // A server that stops answering is dropped (failing what waits on it) and reconnected.
    socketTimeout: timeoutMs,
    disconnectTimeout: 500,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, REDIS_MAX_RECONNECT_DELAY_MS),
    // Commands of concurrent requests issued in the same tick go out in one write.
    enableAutoPipelining: true,
  };
  const client = options.url
    ? new ioredis.Redis(options.url, settings)
    : new ioredis.Redis({
        host: options.host ?? '127.0.0.1',
        port: options.port ?? 6379,
        ...settings,
      });
  const address = options.url
    ? redactUrl(options.url)
    : `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
  const logger = new Logger('RedisStore');
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(
      `Redis at ${address} is unreachable (${error.message}); session requests answer 503 until it is back`,
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log(`Redis at ${address} is reachable again`);
  });
  try {
    await client.connect();
  } catch {
    // Logged by the error listener; the client keeps reconnecting in the background.
  }
  return client;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
