import type { DataSource, EntityMetadata, QueryRunner } from 'typeorm';
import { SessionConfigError } from '../../session.errors';
import { createSessionEntity, sqlDialectOf, SQL_USER_ID_LENGTH } from './sql-session.entity';

/*
 * Internal: typeorm's types appear here only, in a file the public surface
 * does not re-export, and typeorm itself is loaded on first use.
 */

/**
 * TypeORM's own metadata for the session entity on `dataSource` (its naming
 * strategy, schema and entity prefix applied), whether or not the entity is
 * listed in the DataSource's `entities`.
 */
export async function sessionTableMetadata(
  dataSource: DataSource,
  table: string,
  indexUsers = false,
): Promise<EntityMetadata> {
  const { ConnectionMetadataBuilder } =
    await import('typeorm/connection/ConnectionMetadataBuilder');
  const entity = createSessionEntity({ type: dataSource.options.type, table, indexUsers });
  const [metadata] = await new ConnectionMetadataBuilder(dataSource).buildEntityMetadatas([entity]);
  return metadata;
}

/** The escaped table path for hand-written statements (schema-qualified when TypeORM would). */
export function escapedTablePath(dataSource: DataSource, metadata: EntityMetadata): string {
  return metadata.tablePath
    .split('.')
    .map((part) => dataSource.driver.escape(part))
    .join('.');
}

/**
 * Creates the session table when it is missing, with exactly the DDL TypeORM
 * generates for the entity, so `synchronize` and `migration:generate` find
 * nothing to change. Another process creating it at the same moment is fine.
 */
export async function ensureSessionTable(
  queryRunner: QueryRunner,
  metadata: EntityMetadata,
): Promise<void> {
  const { Table } = await import('typeorm');
  const table = Table.create(metadata, queryRunner.connection.driver);
  if (await queryRunner.hasTable(table)) return;
  try {
    await queryRunner.createTable(table, true, true, true);
  } catch (error) {
    if (!(await queryRunner.hasTable(table))) throw error;
  }
}

/** MySQL's CLIENT_FOUND_ROWS capability flag. */
const CLIENT_FOUND_ROWS = 2;

/**
 * MySQL counts only the rows an UPDATE changed unless the connection has
 * CLIENT_FOUND_ROWS (mysql2 and mysql set it unless `flags` removes it); read
 * from a pooled connection, as the driver negotiated it.
 */
export async function countsMatchedRows(dataSource: DataSource): Promise<boolean> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    const connection = (await queryRunner.connect()) as { config?: { clientFlags?: unknown } };
    const flags = connection?.config?.clientFlags;
    return typeof flags === 'number' && (flags & CLIENT_FOUND_ROWS) !== 0;
  } finally {
    await queryRunner.release();
  }
}

/** Drops the session table when it exists. */
export async function dropSessionTable(
  queryRunner: QueryRunner,
  metadata: EntityMetadata,
): Promise<void> {
  const { Table } = await import('typeorm');
  await queryRunner.dropTable(Table.create(metadata, queryRunner.connection.driver), true);
}

/**
 * What `userKey` needs and an existing session table lacks (made before
 * `user_id` existed): the statements adding the nullable `user_id` column and
 * its index, as TypeORM names them for the entity. None when the table is
 * missing (creating it creates both) or complete.
 */
async function missingUserIndex(
  queryRunner: QueryRunner,
  metadata: EntityMetadata,
): Promise<{ what: string; sql: string }[]> {
  const { Table } = await import('typeorm');
  const driver = queryRunner.connection.driver;
  const existing = await queryRunner.getTable(metadata.tablePath);
  if (!existing) return [];
  const table = escapedTablePath(queryRunner.connection, metadata);
  const column = driver.escape('user_id');
  const statements: { what: string; sql: string }[] = [];
  if (!existing.findColumnByName('user_id')) {
    const type = `varchar(${SQL_USER_ID_LENGTH})`;
    const definition = {
      postgres: `ADD ${column} character varying(${SQL_USER_ID_LENGTH})`,
      mysql: `ADD ${column} ${type} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL`,
      // TypeORM's addColumn copies the whole table on SQLite; ADD COLUMN adds a nullable one in place.
      sqlite: `ADD COLUMN ${column} ${type}`,
    }[sqlDialectOf(driver.options.type, 'dataSource')];
    statements.push({ what: 'user_id column', sql: `ALTER TABLE ${table} ${definition}` });
  }
  if (!existing.indices.some((index) => index.columnNames[0] === 'user_id')) {
    const wanted = Table.create(metadata, driver).indices.find((index) =>
      index.columnNames.includes('user_id'),
    );
    statements.push({
      what: 'index on user_id',
      sql: `CREATE INDEX ${driver.escape(wanted!.name!)} ON ${table} (${column})`,
    });
  }
  return statements;
}

/**
 * Gives an existing session table the `user_id` column and index `userKey`
 * needs, when they are missing: adds them when the store creates its table
 * (`createTable`), else fails with a {@link SessionConfigError} giving the SQL
 * to run. Another process adding them at the same moment is fine.
 */
export async function ensureUserIndex(
  queryRunner: QueryRunner,
  metadata: EntityMetadata,
  createTable: boolean,
): Promise<void> {
  const missing = await missingUserIndex(queryRunner, metadata);
  if (missing.length === 0) return;
  if (!createTable) {
    throw new SessionConfigError(
      'userKey (SESSION_USER_KEY)',
      `the session table ${metadata.tablePath} has no ${missing.map((m) => m.what).join(' and no ')}, ` +
        "which listing a user's sessions needs. Let the store add what is missing at startup " +
        `(createTable, SESSION_CREATE_TABLE=true), or run:${missing.map((m) => `\n  ${m.sql};`).join('')}`,
    );
  }
  for (const { what, sql } of missing) {
    try {
      await queryRunner.query(sql);
    } catch (error) {
      const still = await missingUserIndex(queryRunner, metadata);
      if (still.some((m) => m.what === what)) throw error;
    }
  }
}
