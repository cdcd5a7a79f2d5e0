import type { Type } from '@nestjs/common';
import type { ColumnOptions } from 'typeorm';
import { SessionConfigError } from '../../session.errors';

/** The SQL families the session table is defined for. */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/** TypeORM `type` values the SQL stores support, and the SQL family of each. */
export const SQL_SESSION_DATABASE_TYPES: Readonly<Record<string, SqlDialect>> = {
  postgres: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite: 'sqlite',
  'better-sqlite3': 'sqlite',
};

/** A table name: identifier characters only, so it can never change the meaning of a statement. */
export const SQL_TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Longest key (`keyPrefix + id`) the `session_id` column holds. */
export const SQL_SESSION_ID_LENGTH = 255;

/** Longest user id the `user_id` column (`userKey`) holds. */
export const SQL_USER_ID_LENGTH = 255;

/** A row of the session table, as TypeORM reads it. */
export interface SessionRow {
  /** Surrogate key (`bigint`; TypeORM reads it as a string on PostgreSQL and MySQL). */
  id: string | number;
  /** `keyPrefix + id`, unique. */
  session_id: string;
  /** The serialized session. */
  data: Buffer;
  /** When the row expires, in UTC. */
  expiry: Date;
  /** The user the session was last written with (only with `indexUsers`), `null` for none. */
  user_id?: string | null;
}

export interface SessionEntityOptions {
  /** The TypeORM database `type` (`postgres`, `mysql`, `mariadb`, `better-sqlite3`, `sqlite`). */
  type: string;
  /** Table name, default `sessions`. */
  table?: string;
  /**
   * Add the nullable, indexed `user_id` column the module's `userKey` needs.
   * Default `false`: the table Flask-Session uses.
   */
  indexUsers?: boolean;
}

/** The SQL family of a TypeORM database type, or a {@link SessionConfigError} naming `key`. */
export function sqlDialectOf(type: unknown, key: string): SqlDialect {
  const dialect =
    typeof type === 'string' && Object.hasOwn(SQL_SESSION_DATABASE_TYPES, type)
      ? SQL_SESSION_DATABASE_TYPES[type]
      : undefined;
  if (!dialect) {
    throw new SessionConfigError(
      key,
      `the SQL session store supports ${Object.keys(SQL_SESSION_DATABASE_TYPES).join(', ')}; got "${String(type)}"`,
    );
  }
  return dialect;
}

/** The table name, or a {@link SessionConfigError} naming `key`. */
export function checkSqlTableName(table: unknown, key: string): string {
  if (typeof table !== 'string' || !SQL_TABLE_NAME.test(table)) {
    throw new SessionConfigError(
      key,
      `expected a table name of letters, digits and underscores (not starting with a digit, at most 63), got "${String(table)}"`,
    );
  }
  return table;
}

/**
 * The columns of the session table per SQL family: `id` primary key, `session_id`
 * unique, `data` bytes, `expiry` a UTC timestamp with millisecond precision.
 */
function columnsOf(dialect: SqlDialect): {
  id: 'bigint' | 'integer';
} & Record<'session_id' | 'data' | 'expiry' | 'user_id', ColumnOptions> {
  const userId: ColumnOptions = { type: 'varchar', length: SQL_USER_ID_LENGTH, nullable: true };
  switch (dialect) {
    case 'postgres':
      return {
        id: 'bigint',
        session_id: { type: 'varchar', length: SQL_SESSION_ID_LENGTH, unique: true },
        data: { type: 'bytea' },
        expiry: { type: 'timestamp with time zone', precision: 3 },
        user_id: userId,
      };
    case 'mysql':
      return {
        id: 'bigint',
        // A binary collation: session ids are case-sensitive.
        session_id: {
          type: 'varchar',
          length: SQL_SESSION_ID_LENGTH,
          unique: true,
          charset: 'utf8mb4',
          collation: 'utf8mb4_bin',
        },
        data: { type: 'longblob' },
        // DATETIME holds the UTC value as written (TIMESTAMP would convert by session time zone).
        expiry: { type: 'datetime', precision: 3 },
        // Binary too: user ids that differ in case or accents are different users.
        user_id: { ...userId, charset: 'utf8mb4', collation: 'utf8mb4_bin' },
      };
    case 'sqlite':
      return {
        // Only `integer` becomes SQLite's 64-bit rowid.
        id: 'integer',
        session_id: { type: 'varchar', length: SQL_SESSION_ID_LENGTH, unique: true },
        data: { type: 'blob' },
        // Text 'YYYY-MM-DD HH:MM:SS.SSS' in UTC, the form TypeORM itself uses on SQLite.
        expiry: { type: 'datetime' },
        user_id: userId,
      };
  }
}

/**
 * The session table as a TypeORM entity class, to list in your DataSource's
 * `entities` (so the table is part of your schema, `synchronize` and
 * `migration:generate` see it, and `getRepository()` reads it):
 *
 * ```ts
 * export const SessionEntity = createSessionEntity({ type: 'postgres' });
 * TypeOrmModule.forRoot({ type: 'postgres', url, entities: [User, SessionEntity] });
 * ```
 *
 * With the module's `userKey`, pass `indexUsers: true`: the table then has the
 * `user_id` column and its index.
 *
 * Needs the `typeorm` package (loaded when called).
 */
export function createSessionEntity(options: SessionEntityOptions): Type<SessionRow> {
  const dialect = sqlDialectOf(options.type, 'type');
  const table = checkSqlTableName(options.table ?? 'sessions', 'table');
  // Loaded here, not at the top of the file: typeorm is an optional peer dependency.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const typeorm = require('typeorm') as typeof import('typeorm');
  const columns = columnsOf(dialect);

  class SessionEntity implements SessionRow {
    id!: string | number;
    session_id!: string;
    data!: Buffer;
    expiry!: Date;
    user_id?: string | null;
  }
  typeorm.Entity(table)(SessionEntity);
  typeorm.PrimaryGeneratedColumn('increment', { type: columns.id })(SessionEntity.prototype, 'id');
  for (const name of ['session_id', 'data', 'expiry'] as const) {
    typeorm.Column(columns[name])(SessionEntity.prototype, name);
  }
  if (options.indexUsers) {
    typeorm.Column(columns.user_id)(SessionEntity.prototype, 'user_id');
    typeorm.Index()(SessionEntity.prototype, 'user_id');
  }
  return SessionEntity;
}
