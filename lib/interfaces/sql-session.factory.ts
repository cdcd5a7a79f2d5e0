import { Logger } from '@nestjs/common';
import { SessionConfigError } from '../session.errors';
import type { SessionInterface } from '../session-interface';
import type { PeeweeSessionOptions, SqlAlchemySessionOptions } from '../session-options.interface';
import type { SqlStore } from '../stores/sql.store';
import { PeeweeSessionInterface } from './peewee-session.interface';
import { SqlAlchemySessionInterface } from './sqlalchemy-session.interface';

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
  const sessions = new SqlAlchemySessionInterface(
    db,
    options.table,
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    options,
  );
  await connectEarly(sessions.store as SqlStore, options.storeTimeout ?? 3000);
  return sessions;
}

/** `type: 'peewee'`: a database URL; the module opens and closes its own DataSource. */
export async function peeweeInterface(options: PeeweeSessionOptions): Promise<SessionInterface> {
  const sessions = new PeeweeSessionInterface(
    options.url as string,
    options.table,
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    options,
  );
  await connectEarly(sessions.store as SqlStore, options.storeTimeout ?? 3000);
  return sessions;
}
