import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import { SessionConfigError } from '../../session.errors';
import type { CommonSessionOptions, SqlDataSource } from '../../interfaces';
import { createSqlDataSource } from './sql.client';
import { checkSqlTableName, sqlDialectOf } from './sql-session.entity';
import { SqlStore } from './sql.store';

export interface SqlSessionInterfaceOptions extends CommonSessionOptions {
  /** `SESSION_CREATE_TABLE`: create the table when missing, default `true`. */
  createTable?: boolean;
}

function isDataSource(value: unknown): value is SqlDataSource {
  const db = value as Partial<SqlDataSource> | null;
  return (
    typeof db === 'object' &&
    db !== null &&
    typeof db.options === 'object' &&
    db.options !== null &&
    typeof db.initialize === 'function' &&
    typeof db.createQueryRunner === 'function'
  );
}

/**
 * Flask-Session's `SqlAlchemySessionInterface` on TypeORM: sessions in a table
 * of your application's database. Give it your `DataSource` (for example the
 * one `@nestjs/typeorm` provides; it stays open on shutdown) or a database URL
 * (the interface opens its own DataSource and closes it on shutdown).
 */
export class SqlAlchemySessionInterface extends ServerSideSessionInterface {
  constructor(
    db: SqlDataSource | string,
    table = 'sessions',
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: SqlSessionInterfaceOptions = {},
  ) {
    const tableName = checkSqlTableName(table, 'table (SESSION_SQLALCHEMY_TABLE)');
    let dataSource: SqlDataSource;
    if (typeof db === 'string') {
      dataSource = createSqlDataSource(db, {
        table: tableName,
        connectTimeoutMs: options.storeTimeout ?? 3000,
        key: 'url (SESSION_SQLALCHEMY / SQLALCHEMY_DATABASE_URI)',
      });
    } else if (isDataSource(db)) {
      sqlDialectOf(db.options.type, 'dataSource (SESSION_SQLALCHEMY)');
      dataSource = db;
    } else {
      throw new SessionConfigError(
        'dataSource (SESSION_SQLALCHEMY)',
        'expected a TypeORM DataSource (e.g. inject getDataSourceToken() from @nestjs/typeorm) or a database URL (`url`, SQLALCHEMY_DATABASE_URI)',
      );
    }
    super(
      new SqlStore({
        dataSource,
        table: tableName,
        createTable: options.createTable,
        ownsDataSource: typeof db === 'string',
      }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
