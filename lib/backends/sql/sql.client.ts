import { loadOptionalPackage } from '../../utils/optional-package.util';
import { SessionConfigError } from '../../session.errors';
import type { Logger } from 'typeorm';
import type { SqlDataSource } from '../../interfaces';
import { createSessionEntity } from './sql-session.entity';

/** What a database URL describes, as TypeORM connection options. */
export type SqlUrlOptions =
  | { type: 'postgres'; url: string }
  | {
      type: 'mysql' | 'mariadb';
      host: string;
      port?: number;
      username?: string;
      password?: string;
      database?: string;
    }
  | { type: 'better-sqlite3'; database: string };

const DRIVER_PACKAGES: Record<SqlUrlOptions['type'], string> = {
  postgres: 'pg',
  mysql: 'mysql2',
  mariadb: 'mysql2',
  'better-sqlite3': 'better-sqlite3',
};

const EXPECTED =
  'expected postgres://user:password@host:port/db, mysql://… (or mariadb://…), sqlite:path or sqlite::memory:';

/**
 * Reads a database URL as SQLAlchemy and Peewee write them: `postgres://` or
 * `postgresql://`, `mysql://` or `mariadb://` (a `+driver` suffix such as
 * `postgresql+psycopg2` is ignored), and SQLite as `sqlite:path`,
 * `sqlite:///relative/path`, `sqlite:////absolute/path`, `sqlite::memory:`
 * or `sqlite://` (in memory).
 */
export function parseSqlUrl(url: unknown, key: string): SqlUrlOptions {
  if (typeof url !== 'string' || url.trim() === '') throw new SessionConfigError(key, EXPECTED);
  const text = url.trim();
  const scheme = /^([a-z][a-z0-9]*)(?:\+[a-z0-9_]+)?:/i.exec(text);
  if (!scheme) throw new SessionConfigError(key, `${EXPECTED}, got "${text}"`);
  const kind = scheme[1].toLowerCase();
  const rest = text.slice(scheme[0].length);

  if (kind === 'sqlite') {
    let database: string;
    if (rest === '' || rest === '//' || rest === ':memory:' || rest === '///:memory:')
      database = ':memory:';
    else if (rest.startsWith('///')) database = rest.slice(3);
    else if (rest.startsWith('//'))
      throw new SessionConfigError(
        key,
        `a SQLite URL names a file as sqlite:path or sqlite:///path, got "${text}"`,
      );
    else database = rest;
    return { type: 'better-sqlite3', database };
  }

  let parsed: URL;
  try {
    parsed = new URL(`${kind}:${rest}`);
  } catch {
    throw new SessionConfigError(key, `${EXPECTED}; "${text}" is not a valid URL`);
  }
  if (kind === 'postgres' || kind === 'postgresql') {
    // pg reads the whole connection string itself (user, password, host, ssl options…).
    return { type: 'postgres', url: `${kind}:${rest}` };
  }
  if (kind === 'mysql' || kind === 'mariadb') {
    if (!parsed.hostname) throw new SessionConfigError(key, `${EXPECTED}; "${text}" has no host`);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    return {
      type: kind,
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: parsed.port ? Number(parsed.port) : undefined,
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      database: database || undefined,
    };
  }
  throw new SessionConfigError(key, `${EXPECTED}; the "${kind}" scheme is not supported`);
}

export interface SqlDataSourceOptions {
  /** The session table, registered as an entity of the DataSource. */
  table: string;
  /** Whether the table has the `user_id` column (`userKey`). */
  indexUsers?: boolean;
  /**
   * `storeTimeout` (ms): bounds connecting, waiting for a pooled connection and
   * each query, as far as the driver allows (see {@link createSqlDataSource}).
   */
  connectTimeoutMs: number;
  /** The configuration key named in errors. */
  key: string;
}

/**
 * The drivers' query timeouts fire this long after `storeTimeout`: the module
 * has answered 503 by then (with its own error), and the driver lets go of the query.
 */
const DRIVER_GRACE_MS = 1000;

/**
 * TypeORM logs a query slower than `maxQueryExecutionTime` with its parameters
 * (session keys among them) whatever `logging` says; this DataSource logs
 * nothing, its failures reach the module as 503s.
 */
const SILENT_LOGGER: Logger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

/**
 * A TypeORM `DataSource` (not yet initialized) for a database URL, with the
 * session entity registered and every wait bounded by `connectTimeoutMs`
 * (`storeTimeout`), so that a database that is down or hung fails fast:
 * - PostgreSQL (pg): connecting and waiting for a pooled connection
 *   (`connectTimeoutMS`), a statement on the server (`statement_timeout`) and
 *   the wait for its answer (`query_timeout`);
 * - MySQL / MariaDB (mysql2): connecting (`connectTimeout`) and the wait for a
 *   query's answer (`enableQueryTimeout`); mysql2's pool has no acquire timeout;
 * - SQLite (better-sqlite3): the wait for a locked database (`timeout`).
 *
 * Missing packages fail with the command to install them.
 */
export function createSqlDataSource(url: unknown, options: SqlDataSourceOptions): SqlDataSource {
  const target = parseSqlUrl(url, options.key);
  const typeorm = loadOptionalPackage<typeof import('typeorm')>('typeorm', {
    store: 'SQL',
    key: options.key,
    install: `typeorm ${DRIVER_PACKAGES[target.type]}`,
  });
  const common = {
    entities: [
      createSessionEntity({
        type: target.type,
        table: options.table,
        indexUsers: options.indexUsers,
      }),
    ],
    logger: SILENT_LOGGER,
  };
  const timeout = options.connectTimeoutMs;
  const queryTimeout = timeout + DRIVER_GRACE_MS;
  try {
    switch (target.type) {
      case 'postgres':
        return new typeorm.DataSource({
          ...target,
          ...common,
          connectTimeoutMS: timeout,
          extra: {
            statement_timeout: queryTimeout,
            // A query on a connection whose server stopped answering fails instead of holding it.
            query_timeout: queryTimeout,
            keepAlive: true,
          },
        });
      case 'mysql':
      case 'mariadb':
        // `timezone: 'Z'`: TypeORM reads the UTC `expiry` column as UTC.
        return new typeorm.DataSource({
          ...target,
          ...common,
          connectTimeout: timeout,
          maxQueryExecutionTime: queryTimeout,
          enableQueryTimeout: true,
          timezone: 'Z',
        });
      case 'better-sqlite3':
        return new typeorm.DataSource({ ...target, ...common, timeout });
    }
  } catch (error) {
    if ((error as Error).name === 'DriverPackageNotInstalledError') {
      const pkg = DRIVER_PACKAGES[target.type];
      throw new SessionConfigError(
        options.key,
        `the "${pkg}" package is not installed: npm install ${pkg}`,
      );
    }
    throw error;
  }
}
