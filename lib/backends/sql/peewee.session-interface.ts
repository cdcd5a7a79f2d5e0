import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import { createSqlDataSource } from './sql.client';
import { checkSqlTableName } from './sql-session.entity';
import { SqlStore } from './sql.store';
import type { SqlSessionInterfaceOptions } from './sqlalchemy.session-interface';

/**
 * flask-session2's `PeeweeSessionInterface`: sessions in a SQL table of the
 * database a URL names (`postgres://…`, `mysql://…`, `sqlite:path`). It opens
 * its own TypeORM DataSource and closes it on shutdown.
 */
export class PeeweeSessionInterface extends ServerSideSessionInterface {
  constructor(
    config: string,
    table = 'sessions',
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: SqlSessionInterfaceOptions = {},
  ) {
    const tableName = checkSqlTableName(table, 'table (SESSION_PEEWEE_TABLE)');
    const dataSource = createSqlDataSource(config, {
      table: tableName,
      connectTimeoutMs: options.storeTimeout ?? 3000,
      key: 'url (SESSION_PEEWEE_CONFIG)',
    });
    super(
      new SqlStore({
        dataSource,
        table: tableName,
        createTable: options.createTable,
        ownsDataSource: true,
      }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
