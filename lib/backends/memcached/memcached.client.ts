import { Logger } from '@nestjs/common';
import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type { MemcachedSessionClient } from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { loadOptionalPackage } from '../../utils/optional-package.util';

export interface MemcachedConnectionOptions {
  /** `host:port` entries (optionally `user:password@host:port`), default `127.0.0.1:11211`. */
  servers?: string | readonly string[];
}

/** The `host:port` list of a `servers` option, as memjs takes it. */
export function memcachedServerList(servers: string | readonly string[] | undefined): string {
  const list =
    servers === undefined
      ? ['127.0.0.1:11211']
      : typeof servers === 'string'
        ? servers.split(',').map((s) => s.trim())
        : [...servers];
  const server = /^(?:[^@\s,]+@)?[^:@\s,/]+(?::(\d{1,5}))?$/;
  for (const entry of list) {
    const match = typeof entry === 'string' ? server.exec(entry) : null;
    if (!match || (match[1] !== undefined && (+match[1] < 1 || +match[1] > 65535))) {
      throw new SessionConfigError(
        'servers (SESSION_MEMCACHED)',
        `expected host:port entries such as 127.0.0.1:11211, got "${String(entry)}"`,
      );
    }
  }
  if (list.length === 0) {
    throw new SessionConfigError('servers (SESSION_MEMCACHED)', 'expected at least one server');
  }
  return list.join(',');
}

/**
 * Opens a memjs client that fails fast while a server is unreachable: a
 * command times out after `timeoutMs / 2` and is retried once. memjs connects
 * on demand, so a recovered server is used again without a restart.
 */
export async function createMemcachedClient(
  options: MemcachedConnectionOptions = {},
  timeoutMs = DEFAULT_STORE_TIMEOUT_MS,
): Promise<MemcachedSessionClient> {
  const servers = memcachedServerList(options.servers);
  const memjs = loadOptionalPackage<typeof import('memjs')>('memjs', { store: 'memcached' });
  const logger = new Logger('MemcachedStore');
  const seconds = Math.max(0.1, timeoutMs / 2000);
  return memjs.Client.create(servers, {
    timeout: seconds,
    conntimeout: seconds,
    retries: 2,
    retry_delay: 0.1,
    logger: { log: (...args: unknown[]) => logger.debug(args.map(String).join(' ')) },
  });
}
