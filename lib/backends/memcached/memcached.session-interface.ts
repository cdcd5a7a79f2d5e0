import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import { sessionIdChars } from '../../core/session-id';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  CommonSessionOptions,
  MemcachedSessionClient,
  MemcachedSessionOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { hasMethods, optionalInteger } from '../../utils/validation.util';
import { createMemcachedClient } from './memcached.client';
import { MEMCACHED_MAX_KEY_BYTES, MemcachedStore } from './memcached.store';

const isMemcachedClient = (value: unknown) =>
  hasMethods<MemcachedSessionClient>(value, ['get', 'set', 'delete', 'touch']);

/**
 * Flask-Session's `MemcachedSessionInterface`: sessions in memcached through
 * a memjs client, one item per session, `keyPrefix + id`.
 */
export class MemcachedSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client a memjs `Client` (`SESSION_MEMCACHED`)
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param ownsClient close the client on shutdown: only for a client opened for this
   *   interface (as {@link MemcachedSessionInterface.fromOptions} does); yours stays open
   */
  constructor(
    client: MemcachedSessionClient,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: (CommonSessionOptions | SessionSettings) & { maxItemSize?: number } = {},
    ownsClient = false,
  ) {
    super(
      new MemcachedStore(client, { maxItemSize: options.maxItemSize, ownsClient }),
      seedSettings(options, { keyPrefix, useSigner, permanent }),
      true,
    );
  }

  /**
   * `type: 'memcached'`: your `client`, else one opened for `servers` (default
   * `127.0.0.1:11211`), bounded by `storeTimeout` and closed on shutdown. Bad
   * options throw a {@link SessionConfigError}.
   */
  static async fromOptions(
    options: Omit<MemcachedSessionOptions, 'type'>,
  ): Promise<MemcachedSessionInterface> {
    const settings = resolveSessionSettings(options);
    if (settings.userKey !== undefined) {
      throw new SessionConfigError(
        'userKey (SESSION_USER_KEY)',
        "memcached cannot list keys, so it cannot find a user's sessions; choose another store (redis, SQL, mongodb…) or leave userKey unset",
      );
    }
    const idChars = sessionIdChars(settings.idLength);
    if (Buffer.byteLength(settings.keyPrefix) + idChars > MEMCACHED_MAX_KEY_BYTES) {
      throw new SessionConfigError(
        'keyPrefix (SESSION_KEY_PREFIX)',
        `with ${idChars}-character ids, memcached keys would exceed ${MEMCACHED_MAX_KEY_BYTES} bytes`,
      );
    }
    const maxItemSize = optionalInteger('maxItemSize', options.maxItemSize, 1024);
    const given = options.client;
    if (given !== undefined && !isMemcachedClient(given)) {
      throw new SessionConfigError(
        'client (SESSION_MEMCACHED)',
        'expected a memjs Client (with get, set, delete and touch)',
      );
    }
    const client = given ?? (await createMemcachedClient(options, settings.storeTimeout));
    return new MemcachedSessionInterface(
      client,
      undefined,
      undefined,
      undefined,
      { ...settings, maxItemSize },
      given === undefined,
    );
  }
}
