import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  SqlAlchemySessionOptions,
  SqlDataSource,
  SqlSessionInterfaceOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { hasMethods } from '../../utils/validation.util';
import { createSqlDataSource } from './sql.client';
import { checkSqlTableName, sqlDialectOf } from './sql-session.entity';
import { connectAtStartup } from './sql.startup';
import { SqlStore } from './sql.store';

const DATA_SOURCE_KEY = 'dataSource (SESSION_SQLALCHEMY)';
const NO_DATA_SOURCE =
  'expected a TypeORM DataSource (e.g. inject getDataSourceToken() from @nestjs/typeorm) or a database URL (`url`, SQLALCHEMY_DATABASE_URI)';

const isDataSource = (value: unknown): value is SqlDataSource =>
  hasMethods<SqlDataSource>(value, ['initialize', 'createQueryRunner']) &&
  typeof value.options === 'object' &&
  value.options !== null;

/** Your DataSource, checked, or one opened for a URL with `storeTimeout` as its timeouts. */
function dataSourceFor(
  db: unknown,
  table: string,
  storeTimeout: number,
  indexUsers: boolean,
): SqlDataSource {
  if (typeof db === 'string') {
    return createSqlDataSource(db, {
      table,
      indexUsers,
      connectTimeoutMs: storeTimeout,
      key: 'url (SESSION_SQLALCHEMY / SQLALCHEMY_DATABASE_URI)',
    });
  }
  if (!isDataSource(db)) throw new SessionConfigError(DATA_SOURCE_KEY, NO_DATA_SOURCE);
  sqlDialectOf(db.options.type, DATA_SOURCE_KEY);
  return db;
}

/**
 * Flask-Session's `SqlAlchemySessionInterface` on TypeORM: sessions in a table
 * of your application's database. Give it your `DataSource` (for example the
 * one `@nestjs/typeorm` provides; it stays open on shutdown) or a database URL
 * (the interface opens its own DataSource and closes it on shutdown).
 */
export class SqlAlchemySessionInterface extends ServerSideSessionInterface {
  declare readonly store: SqlStore;

  /**
   * @param db your TypeORM `DataSource` (`SESSION_SQLALCHEMY`), or a database URL (`SQLALCHEMY_DATABASE_URI`)
   * @param table `SESSION_SQLALCHEMY_TABLE`, default `sessions`
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param useSigner `SESSION_USE_SIGNER`, default `false` (wins over `options`)
   * @param permanent `SESSION_PERMANENT`, default `true` (wins over `options`)
   */
  constructor(
    db: SqlDataSource | string,
    table = 'sessions',
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: SqlSessionInterfaceOptions | (SessionSettings & { createTable?: boolean }) = {},
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    const indexUsers = options.userKey !== undefined;
    const tableName = checkSqlTableName(table, 'table (SESSION_SQLALCHEMY_TABLE)');
    const store = new SqlStore({
      dataSource: dataSourceFor(db, tableName, settings.storeTimeout, indexUsers),
      table: tableName,
      createTable: options.createTable,
      indexUsers,
      ownsDataSource: typeof db === 'string',
    });
    super(store, settings, true);
  }

  /**
   * `type: 'sqlalchemy'` (alias `'typeorm'`): your `dataSource` (left open on
   * shutdown), or one opened from `url` (closed on shutdown). Connects and
   * creates the table within `storeTimeout`, else warns and goes on. Bad
   * options throw a {@link SessionConfigError}.
   */
  static async fromOptions(
    options: Omit<SqlAlchemySessionOptions, 'type'>,
  ): Promise<SqlAlchemySessionInterface> {
    const settings = resolveSessionSettings(options);
    if (options.dataSource !== undefined && options.url !== undefined) {
      throw new SessionConfigError(
        DATA_SOURCE_KEY,
        'give either a DataSource or a URL (`url`, SQLALCHEMY_DATABASE_URI), not both',
      );
    }
    const db = options.dataSource ?? options.url;
    if (db === undefined) throw new SessionConfigError(DATA_SOURCE_KEY, NO_DATA_SOURCE);
    const sessions = new SqlAlchemySessionInterface(
      db,
      options.table,
      undefined,
      undefined,
      undefined,
      {
        ...settings,
        createTable: options.createTable,
      },
    );
    await connectAtStartup(sessions.store, settings.storeTimeout);
    return sessions;
  }
}
