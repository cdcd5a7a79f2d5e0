import type { QueryRunner } from 'typeorm';
import { checkSqlTableName } from './sql-session.entity';
import { dropSessionTable, ensureSessionTable, sessionTableMetadata } from './sql-session.table';

/** The timestamp TypeORM orders this migration by (2026-01-01T00:00:00Z). */
const DEFAULT_TIMESTAMP = 1767225600000;

/**
 * A TypeORM migration that creates the session table (and drops it on
 * revert), for apps that manage their schema with migrations and set
 * `createTable: false` (`SESSION_CREATE_TABLE=false`). The DDL is the one
 * TypeORM generates for {@link createSessionEntity}.
 *
 * ```ts
 * // the default table, `sessions`
 * TypeOrmModule.forRoot({ …, migrations: [SessionTableMigration], migrationsRun: true });
 * // another table (the timestamp orders it among your migrations)
 * migrations: [SessionTableMigration.forTable('app_sessions', 1767225600000)]
 * ```
 */
export class SessionTableMigration {
  /** TypeORM's migration name: it must end with a 13-digit timestamp. */
  readonly name: string;

  constructor(
    readonly table = 'sessions',
    timestamp = DEFAULT_TIMESTAMP,
  ) {
    checkSqlTableName(table, 'table');
    if (!Number.isSafeInteger(timestamp) || String(timestamp).length !== 13) {
      throw new TypeError(`expected a 13-digit millisecond timestamp, got ${String(timestamp)}`);
    }
    this.name = `SessionTable${table === 'sessions' ? '' : `_${table}_`}${timestamp}`;
  }

  /** A migration class for another table, to list in `migrations` (TypeORM builds it without arguments). */
  static forTable(table: string, timestamp = DEFAULT_TIMESTAMP): new () => SessionTableMigration {
    checkSqlTableName(table, 'table');
    return class extends SessionTableMigration {
      constructor() {
        super(table, timestamp);
      }
    };
  }

  /** Creates the table when it is missing. */
  async up(queryRunner: { readonly connection: object }): Promise<void> {
    const runner = queryRunner as QueryRunner;
    await ensureSessionTable(runner, await sessionTableMetadata(runner.connection, this.table));
  }

  /** Drops the table. */
  async down(queryRunner: { readonly connection: object }): Promise<void> {
    const runner = queryRunner as QueryRunner;
    await dropSessionTable(runner, await sessionTableMetadata(runner.connection, this.table));
  }
}
