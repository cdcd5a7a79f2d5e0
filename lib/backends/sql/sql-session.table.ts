import type { DataSource, EntityMetadata, QueryRunner } from 'typeorm';
import { createSessionEntity } from './sql-session.entity';

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
): Promise<EntityMetadata> {
  const { ConnectionMetadataBuilder } =
    await import('typeorm/connection/ConnectionMetadataBuilder');
  const entity = createSessionEntity({ type: dataSource.options.type, table });
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

/** Drops the session table when it exists. */
export async function dropSessionTable(
  queryRunner: QueryRunner,
  metadata: EntityMetadata,
): Promise<void> {
  const { Table } = await import('typeorm');
  await queryRunner.dropTable(Table.create(metadata, queryRunner.connection.driver), true);
}
