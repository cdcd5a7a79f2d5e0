import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  CommonSessionOptions,
  RedisSessionClient,
  RedisSessionOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import {
  hasMethods,
  optionalInteger,
  optionalString,
  optionalUrl,
} from '../../utils/validation.util';
import { createRedisClient } from './redis.client';
import { RedisStore } from './redis.store';

const isRedisClient = (value: unknown) =>
  hasMethods<RedisSessionClient>(value, ['getBuffer', 'set', 'pexpire', 'del']);

/**
 * Flask-Session's `RedisSessionInterface`: sessions in Redis (or a Redis
 * Cluster) through an ioredis client, one key per session, `keyPrefix + id`.
 */
export class RedisSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client an ioredis `Redis` or `Cluster` (`SESSION_REDIS`)
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param ownsClient close the client on shutdown: only for a client opened for this
   *   interface (as {@link RedisSessionInterface.fromOptions} does); yours stays open
   */
  constructor(
    client: RedisSessionClient,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: CommonSessionOptions | SessionSettings = {},
    ownsClient = false,
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    super(
      new RedisStore(client, { ownsClient, userIndexPrefix: `${settings.keyPrefix}user:` }),
      settings,
      true,
    );
  }

  /**
   * `type: 'redis'`: your `client`, else one opened from `url`, else from
   * `host` and `port` (default `127.0.0.1:6379`), bounded by `storeTimeout`
   * and closed on shutdown. Bad options throw a {@link SessionConfigError}.
   */
  static async fromOptions(
    options: Omit<RedisSessionOptions, 'type'>,
  ): Promise<RedisSessionInterface> {
    const settings = resolveSessionSettings(options);
    if (options.client !== undefined) {
      if (!isRedisClient(options.client)) {
        throw new SessionConfigError(
          'client (SESSION_REDIS)',
          'expected an ioredis Redis or Cluster instance (with getBuffer, set, pexpire and del)',
        );
      }
      return new RedisSessionInterface(options.client, undefined, undefined, undefined, settings);
    }
    const url = optionalUrl(
      'url (SESSION_REDIS)',
      options.url,
      ['redis:', 'rediss:'],
      'redis://127.0.0.1:6379',
    );
    const host = optionalString(
      'host (SESSION_REDIS_HOST)',
      options.host,
      'a host name or address',
    );
    const port = optionalInteger('port (SESSION_REDIS_PORT)', options.port, 1, 65535);
    const client = await createRedisClient({ url, host, port }, settings.storeTimeout);
    return new RedisSessionInterface(client, undefined, undefined, undefined, settings, true);
  }
}
