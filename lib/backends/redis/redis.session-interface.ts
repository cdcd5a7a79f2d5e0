import { hasMethods } from '../../utils/validation.util';
import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import { SessionConfigError } from '../../session.errors';
import type {
  CommonSessionOptions,
  RedisSessionOptions,
} from '../../interfaces/session-module-options.interface';
import { resolveSessionSettings } from '../../core/session-settings';
import { createRedisClient, RedisStore, type RedisSessionClient } from './redis.store';

const isRedisClient = (value: unknown) =>
  hasMethods<RedisSessionClient>(value, ['getBuffer', 'set', 'pexpire', 'del']);

function checkUrl(url: unknown): string | undefined {
  if (url === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = typeof url === 'string' ? new URL(url).protocol : undefined;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new SessionConfigError(
      'url (SESSION_REDIS)',
      `expected a redis:// or rediss:// URL, got "${String(url)}"`,
    );
  }
  return url as string;
}

/**
 * Flask-Session's `RedisSessionInterface`: sessions in Redis (or a Redis
 * Cluster) through an ioredis client, one key per session, `keyPrefix + id`.
 */
export class RedisSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client an ioredis `Redis` or `Cluster` (`SESSION_REDIS`)
   * @param ownsClient close the client on shutdown: only for a client opened for this
   *   interface (as {@link RedisSessionInterface.fromOptions} does); yours stays open
   */
  constructor(
    client: RedisSessionClient,
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: CommonSessionOptions = {},
    ownsClient = false,
  ) {
    super(
      new RedisStore(client, { ownsClient }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }

  /**
   * The interface the module options describe: your `client`, else one opened
   * from `url`, else from `host` and `port` (default `127.0.0.1:6379`). A client
   * opened here is closed on shutdown. Bad options throw a {@link SessionConfigError}.
   */
  static async fromOptions(
    options: Omit<RedisSessionOptions, 'type'>,
  ): Promise<RedisSessionInterface> {
    const settings = resolveSessionSettings(options);
    const args = [options.keyPrefix, options.useSigner, options.permanent, options] as const;
    if (options.client !== undefined) {
      if (!isRedisClient(options.client)) {
        throw new SessionConfigError(
          'client (SESSION_REDIS)',
          'expected an ioredis Redis or Cluster instance (with getBuffer, set, pexpire and del)',
        );
      }
      return new RedisSessionInterface(options.client, ...args);
    }
    const url = checkUrl(options.url);
    if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) {
      throw new SessionConfigError('host (SESSION_REDIS_HOST)', 'expected a host name or address');
    }
    const port = options.port;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new SessionConfigError(
        'port (SESSION_REDIS_PORT)',
        `expected a port from 1 to 65535, got ${String(port)}`,
      );
    }
    const client = await createRedisClient({
      url,
      host: options.host,
      port,
      timeoutMs: settings.storeTimeout,
    });
    return new RedisSessionInterface(client, ...args, true);
  }
}
