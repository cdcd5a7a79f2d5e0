import { Logger } from '@nestjs/common';
import type { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import { SessionConfigError } from '../../session.errors';
import type { SessionInterface } from '../../core/session-interface';
import type { PeeweeSessionOptions, SqlAlchemySessionOptions } from '../../interfaces';
import type { SqlStore } from './sql.store';
import { PeeweeSessionInterface } from './peewee.session-interface';
import { SqlAlchemySessionInterface } from './sqlalchemy.session-interface';

const logger = new Logger('SessionModule');

/**
 * Connects and creates the table at startup when the database is reachable; when
 * it is not, the app still starts, session requests answer 503 and the next one
 * after the database is back connects.
 */
async function connectEarly(store: SqlStore, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    logger.warn(
      `The session database is not reachable yet (${error instanceof Error ? error.message : String(error)}); ` +
        'session requests answer 503 until it is.',
    );
  } finally {
    clearTimeout(timer);
  }
}

/** The constructor arguments both SQL interfaces take after the database. */
function interfaceArgs(options: SqlAlchemySessionOptions | PeeweeSessionOptions) {
  const { table, keyPrefix, useSigner, permanent } = options;
  return [table, keyPrefix, useSigner, permanent, options] as const;
}

async function connectedEarly<T extends ServerSideSessionInterface>(
  sessions: T,
  options: SqlAlchemySessionOptions | PeeweeSessionOptions,
): Promise<T> {
  await connectEarly(sessions.store as SqlStore, options.storeTimeout ?? 3000);
  return sessions;
}

/** `type: 'sqlalchemy'` (alias `'typeorm'`): a TypeORM DataSource you own, or a URL. */
export async function sqlAlchemyInterface(
  options: SqlAlchemySessionOptions,
): Promise<SessionInterface> {
  if (options.dataSource !== undefined && options.url !== undefined) {
    throw new SessionConfigError(
      'dataSource (SESSION_SQLALCHEMY)',
      'give either a DataSource or a URL (`url`, SQLALCHEMY_DATABASE_URI), not both',
    );
  }
  const db = options.dataSource ?? options.url;
  if (db === undefined) {
    throw new SessionConfigError(
      'dataSource (SESSION_SQLALCHEMY)',
      'expected a TypeORM DataSource (e.g. inject getDataSourceToken() from @nestjs/typeorm) or a database URL (`url`, SQLALCHEMY_DATABASE_URI)',
    );
  }
  return connectedEarly(new SqlAlchemySessionInterface(db, ...interfaceArgs(options)), options);
}

/** `type: 'peewee'`: a database URL; the module opens and closes its own DataSource. */
export async function peeweeInterface(options: PeeweeSessionOptions): Promise<SessionInterface> {
  return connectedEarly(
    new PeeweeSessionInterface(options.url as string, ...interfaceArgs(options)),
    options,
  );
}
