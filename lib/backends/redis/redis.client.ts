import { Logger } from '@nestjs/common';
import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type { RedisSessionClient } from '../../interfaces';
import { loadOptionalPackage } from '../../utils/optional-package.util';

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…`; wins over `host` and `port`. */
  url?: string;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 6379. */
  port?: number;
}

/** Longest pause between two reconnection attempts while the server is unreachable. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 500;

/**
 * Opens an ioredis client that fails fast while the server is unreachable:
 * no offline queue (a command either goes out now or fails now), no replay of
 * unanswered commands after a reconnection, `timeoutMs` to connect, and a
 * connection that answers nothing for `timeoutMs` (the module passes `storeTimeout`) is dropped. It keeps
 * reconnecting in the background (every {@link REDIS_MAX_RECONNECT_DELAY_MS} ms
 * at most), so a recovered server is used again without a restart. The first connection is awaited; when it fails the
 * client is returned anyway, still reconnecting, and a warning is logged.
 */
export async function createRedisClient(
  options: RedisConnectionOptions = {},
  timeoutMs = DEFAULT_STORE_TIMEOUT_MS,
): Promise<RedisSessionClient> {
  const ioredis = loadOptionalPackage<typeof import('ioredis')>('ioredis', { store: 'redis' });
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
