import { hasMethods } from '../../utils/validation.util';
import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import { SessionConfigError } from '../../session.errors';
import type {
  CommonSessionOptions,
  MemcachedSessionOptions,
} from '../../interfaces/session-module-options.interface';
import { resolveSessionSettings } from '../../core/session-settings';
import {
  createMemcachedClient,
  MEMCACHED_MAX_KEY_BYTES,
  MemcachedStore,
  type MemcachedSessionClient,
} from './memcached.store';

const isMemcachedClient = (value: unknown) =>
  hasMethods<MemcachedSessionClient>(value, ['get', 'set', 'delete', 'touch']);

/**
 * Flask-Session's `MemcachedSessionInterface`: sessions in memcached through
 * a memjs client, one item per session, `keyPrefix + id`.
 */
export class MemcachedSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client a memjs `Client` (`SESSION_MEMCACHED`)
   * @param ownsClient close the client on shutdown: only for a client opened for this
   *   interface (as {@link MemcachedSessionInterface.fromOptions} does); yours stays open
   */
  constructor(
    client: MemcachedSessionClient,
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: CommonSessionOptions & { maxItemSize?: number } = {},
    ownsClient = false,
  ) {
    super(
      new MemcachedStore(client, { maxItemSize: options.maxItemSize, ownsClient }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }

  /**
   * The interface the module options describe: your `client`, else one opened
   * for `servers` (default `127.0.0.1:11211`), closed on shutdown. Bad options
   * throw a {@link SessionConfigError}.
   */
  static async fromOptions(
    options: Omit<MemcachedSessionOptions, 'type'>,
  ): Promise<MemcachedSessionInterface> {
    const settings = resolveSessionSettings(options);
    const idChars = Math.ceil((settings.idLength * 4) / 3);
    if (Buffer.byteLength(settings.keyPrefix) + idChars > MEMCACHED_MAX_KEY_BYTES) {
      throw new SessionConfigError(
        'keyPrefix (SESSION_KEY_PREFIX)',
        `with ${idChars}-character ids, memcached keys would exceed ${MEMCACHED_MAX_KEY_BYTES} bytes`,
      );
    }
    const { maxItemSize } = options;
    if (maxItemSize !== undefined && (!Number.isSafeInteger(maxItemSize) || maxItemSize < 1024)) {
      throw new SessionConfigError(
        'maxItemSize',
        `expected an integer of at least 1024 bytes, got ${String(maxItemSize)}`,
      );
    }
    const args = [options.keyPrefix, options.useSigner, options.permanent, options] as const;
    if (options.client !== undefined) {
      if (!isMemcachedClient(options.client)) {
        throw new SessionConfigError(
          'client (SESSION_MEMCACHED)',
          'expected a memjs Client (with get, set, delete and touch)',
        );
      }
      return new MemcachedSessionInterface(options.client, ...args);
    }
    const client = await createMemcachedClient({
      servers: options.servers,
      timeoutMs: settings.storeTimeout,
    });
    return new MemcachedSessionInterface(client, ...args, true);
  }
}
