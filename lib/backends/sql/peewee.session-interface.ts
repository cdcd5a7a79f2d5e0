import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type { PeeweeSessionOptions, SqlSessionInterfaceOptions } from '../../interfaces';
import { createSqlDataSource } from './sql.client';
import { checkSqlTableName } from './sql-session.entity';
import { connectAtStartup } from './sql.startup';
import { SqlStore } from './sql.store';

/**
 * flask-session2's `PeeweeSessionInterface`: sessions in a SQL table of the
 * database a URL names (`postgres://…`, `mysql://…`, `sqlite:path`). It opens
 * its own TypeORM DataSource and closes it on shutdown.
 */
export class PeeweeSessionInterface extends ServerSideSessionInterface {
  declare readonly store: SqlStore;

  /**
   * @param config the database URL (`SESSION_PEEWEE_CONFIG`)
   * @param table `SESSION_PEEWEE_TABLE`, default `sessions`
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param useSigner `SESSION_USE_SIGNER`, default `false` (wins over `options`)
   * @param permanent `SESSION_PERMANENT`, default `true` (wins over `options`)
   */
  constructor(
    config: string,
    table = 'sessions',
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: SqlSessionInterfaceOptions | (SessionSettings & { createTable?: boolean }) = {},
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    const indexUsers = options.userKey !== undefined;
    const tableName = checkSqlTableName(table, 'table (SESSION_PEEWEE_TABLE)');
    const dataSource = createSqlDataSource(config, {
      table: tableName,
      indexUsers,
      connectTimeoutMs: settings.storeTimeout,
      key: 'url (SESSION_PEEWEE_CONFIG)',
    });
    const store = new SqlStore({
      dataSource,
      table: tableName,
      createTable: options.createTable,
      indexUsers,
      ownsDataSource: true,
    });
    super(store, settings, true);
  }

  /**
   * `type: 'peewee'`: a DataSource opened from `url` and closed on shutdown.
   * Connects and creates the table within `storeTimeout`, else warns and goes
   * on. Bad options throw a {@link SessionConfigError}.
   */
  static async fromOptions(
    options: Omit<PeeweeSessionOptions, 'type'>,
  ): Promise<PeeweeSessionInterface> {
    const settings = resolveSessionSettings(options);
    // A missing or unsupported URL fails in the constructor, naming SESSION_PEEWEE_CONFIG.
    const sessions = new PeeweeSessionInterface(
      options.url ?? '',
      options.table,
      undefined,
      undefined,
      undefined,
      { ...settings, createTable: options.createTable },
    );
    await connectAtStartup(sessions.store, settings.storeTimeout);
    return sessions;
  }
}
