import { Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import type { SqlDataSource } from '../../interfaces';
import type { CompareAndSetResult, SessionStore } from '../../interfaces/session-store.interface';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import {
  checkSqlTableName,
  SQL_SESSION_ID_LENGTH,
  sqlDialectOf,
  type SqlDialect,
} from './sql-session.entity';
import { ensureSessionTable, escapedTablePath, sessionTableMetadata } from './sql-session.table';

export interface SqlStoreOptions {
  /** A TypeORM `DataSource` (initialized on first use when it is not yet). */
  dataSource: SqlDataSource;
  /** Table name, default `sessions`. */
  table?: string;
  /** Create the table when it is missing, default `true`. */
  createTable?: boolean;
  /** Destroy the DataSource on `close()`: only for one built for this store. Default `false`. */
  ownsDataSource?: boolean;
}

type Statements = ReturnType<typeof statementsFor>;

interface Prepared {
  dataSource: DataSource;
  sql: Statements;
  /**
   * Whether an UPDATE reports the rows it matched (PostgreSQL, SQLite, MySQL
   * with CLIENT_FOUND_ROWS, mysql2's default) rather than the rows it changed.
   */
  countsMatchedRows: boolean;
}

/** MySQL's CLIENT_FOUND_ROWS capability flag. */
const CLIENT_FOUND_ROWS = 2;

interface Row {
  data: Uint8Array;
}

/** Rows one statement of `deleteExpired()` removes, so no sweep holds long locks. */
const DELETE_BATCH = 1000;
/** `deleteExpired()` stops after this many batches; the next sweep continues. */
const MAX_DELETE_BATCHES = 100;

function statementsFor(dialect: SqlDialect, table: string, escape: (name: string) => string) {
  const p = dialect === 'postgres' ? (n: number) => `$${n}` : () => '?';
  const [id, sid, data, expiry] = ['id', 'session_id', 'data', 'expiry'].map(escape);
  const update =
    dialect === 'mysql'
      ? `ON DUPLICATE KEY UPDATE ${data} = VALUES(${data}), ${expiry} = VALUES(${expiry})`
      : `ON CONFLICT (${sid}) DO UPDATE SET ${data} = excluded.${data}, ${expiry} = excluded.${expiry}`;
  const replace = `UPDATE ${table} SET ${data} = ${p(1)}, ${expiry} = ${p(2)}`;
  return {
    get: `SELECT ${data} FROM ${table} WHERE ${sid} = ${p(1)} AND ${expiry} > ${p(2)}`,
    upsert: `INSERT INTO ${table} (${sid}, ${data}, ${expiry}) VALUES (${p(1)}, ${p(2)}, ${p(3)}) ${update}`,
    touch: `UPDATE ${table} SET ${expiry} = ${p(1)} WHERE ${sid} = ${p(2)} AND ${expiry} > ${p(3)}`,
    update: `${replace} WHERE ${sid} = ${p(3)} AND ${expiry} > ${p(4)}`,
    compareAndSet: `${replace} WHERE ${sid} = ${p(3)} AND ${expiry} > ${p(4)} AND ${data} = ${p(5)}`,
    delete: `DELETE FROM ${table} WHERE ${sid} = ${p(1)}`,
    // MySQL has no LIMIT in a subquery of IN; PostgreSQL and SQLite (as built) no DELETE … LIMIT.
    deleteExpired:
      dialect === 'mysql'
        ? `DELETE FROM ${table} WHERE ${expiry} <= ${p(1)} LIMIT ${DELETE_BATCH}`
        : `DELETE FROM ${table} WHERE ${id} IN (SELECT ${id} FROM ${table} WHERE ${expiry} <= ${p(1)} LIMIT ${DELETE_BATCH})`,
  };
}

/**
 * Sessions in a SQL table through a TypeORM `DataSource` (PostgreSQL, MySQL /
 * MariaDB, SQLite): one row per session (`id`, `session_id` unique, `data`,
 * `expiry`).
 *
 * A new session is one upsert statement; a loaded one is saved by one
 * `UPDATE … WHERE session_id = ? AND expiry > now` (`update`, never recreating a
 * deleted row) or the same `… AND data = ?` (`compareAndSet`: the bytes are the
 * version, the database's row lock makes it atomic). A refresh updates `expiry`
 * only, reads never return an expired row and `deleteExpired()` removes them
 * in batches (the module's background sweep calls it).
 * Expiry instants are computed here and sent as UTC parameters, so neither the
 * database's clock nor any time zone setting takes part.
 */
export class SqlStore implements SessionStore {
  /** Expired rows stay until a sweep deletes them. */
  readonly needsSweep = true;
  readonly table: string;
  private readonly dialect: SqlDialect;
  private readonly createTable: boolean;
  private readonly ownsDataSource: boolean;
  private readonly prepared = new Lazy(() => this.prepare());
  private closed = false;
  private readonly logger = new Logger(SqlStore.name);

  constructor(private readonly options: SqlStoreOptions) {
    this.dialect = sqlDialectOf(options.dataSource?.options?.type, 'dataSource');
    this.table = checkSqlTableName(options.table ?? 'sessions', 'table');
    this.createTable = options.createTable ?? true;
    this.ownsDataSource = options.ownsDataSource ?? false;
  }

  /**
   * Initializes the DataSource when needed and creates the table when missing.
   * Runs on first use anyway; call it to connect early. A failure is retried
   * by the next call.
   */
  async connect(): Promise<void> {
    await this.ready();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const rows = await this.run<Row>('get', [key, this.time(Date.now())]);
    return rows.records[0]?.data;
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.checkKey(key);
    await this.run('upsert', [key, asBuffer(value), this.time(Date.now() + ttlMs)]);
  }

  async delete(key: string): Promise<void> {
    await this.run('delete', [key]);
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const result = await this.run('touch', [this.time(now + ttlMs), key, this.time(now)]);
    if (result.affected > 0) return true;
    // Counting changed rows, a touch to the expiry the row already has reports 0.
    return !result.countsMatchedRows && (await this.get(key)) !== undefined;
  }

  async update(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const bytes = asBuffer(value);
    const result = await this.run('update', [bytes, this.time(now + ttlMs), key, this.time(now)]);
    if (result.affected > 0) return true;
    if (result.countsMatchedRows) return false;
    const current = await this.get(key);
    return current !== undefined && asBuffer(current).equals(bytes);
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    const now = Date.now();
    const [old, bytes] = [asBuffer(expected), asBuffer(value)];
    const result = await this.run('compareAndSet', [
      bytes,
      this.time(now + ttlMs),
      key,
      this.time(now),
      old,
    ]);
    if (result.affected > 0) return 'stored';
    // Only on the failure path: one read tells a changed entry from a missing one.
    const current = await this.get(key);
    if (current === undefined) return 'missing';
    const unchangedNoOp =
      !result.countsMatchedRows && old.equals(bytes) && asBuffer(current).equals(old);
    return unchangedNoOp ? 'stored' : 'changed';
  }

  async deleteExpired(): Promise<number> {
    const now = this.time(Date.now());
    let removed = 0;
    for (let batch = 0; batch < MAX_DELETE_BATCHES; batch++) {
      const { affected } = await this.run('deleteExpired', [now]);
      removed += affected;
      if (affected < DELETE_BATCH) break;
    }
    return removed;
  }

  /** Destroys the DataSource when this store owns it; one you passed in stays open. */
  async close(): Promise<void> {
    this.closed = true;
    if (!this.ownsDataSource) return;
    await this.prepared.reset();
    const dataSource = this.options.dataSource;
    if (!dataSource.isInitialized) return;
    try {
      await dataSource.destroy();
    } catch (error) {
      // A connection the server already dropped reports that error again while the pool ends.
      this.logger.warn(
        `Closing the session database connection failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private ready(): Promise<Prepared> {
    if (this.closed) return Promise.reject(new Error('the SQL session store is closed'));
    return this.prepared.get();
  }

  private async prepare(): Promise<Prepared> {
    const dataSource = this.options.dataSource as unknown as DataSource;
    if (!dataSource.isInitialized) await dataSource.initialize();
    const metadata = await sessionTableMetadata(dataSource, this.table);
    if (this.createTable) {
      const queryRunner = dataSource.createQueryRunner();
      try {
        await ensureSessionTable(queryRunner, metadata);
      } finally {
        await queryRunner.release();
      }
    }
    const escape = (name: string) => dataSource.driver.escape(name);
    return {
      dataSource,
      sql: statementsFor(this.dialect, escapedTablePath(dataSource, metadata), escape),
      countsMatchedRows: await this.countsMatchedRows(dataSource),
    };
  }

  /**
   * MySQL counts only the rows an UPDATE changed unless the connection has
   * CLIENT_FOUND_ROWS (mysql2 and mysql set it unless `flags` removes it); read
   * from a pooled connection, as the driver negotiated it.
   */
  private async countsMatchedRows(dataSource: DataSource): Promise<boolean> {
    if (this.dialect !== 'mysql') return true;
    const queryRunner = dataSource.createQueryRunner();
    try {
      const connection = (await queryRunner.connect()) as { config?: { clientFlags?: unknown } };
      const flags = connection?.config?.clientFlags;
      return typeof flags === 'number' && (flags & CLIENT_FOUND_ROWS) !== 0;
    } finally {
      await queryRunner.release();
    }
  }

  private async run<T>(
    statement: keyof Statements,
    parameters: unknown[],
  ): Promise<{ records: T[]; affected: number; countsMatchedRows: boolean }> {
    const { dataSource, sql, countsMatchedRows } = await this.ready();
    const queryRunner: QueryRunner = dataSource.createQueryRunner();
    try {
      const result = await queryRunner.query(sql[statement], parameters, true);
      return {
        records: (result.records ?? []) as T[],
        affected: result.affected ?? 0,
        countsMatchedRows,
      };
    } finally {
      await queryRunner.release();
    }
  }

  /**
   * An instant as a UTC parameter: ISO 8601 with `Z` for PostgreSQL's
   * `timestamptz`; `YYYY-MM-DD HH:MM:SS.mmm` for MySQL's `DATETIME(3)` and
   * SQLite's text, whose fixed width makes text order time order.
   */
  private time(ms: number): string {
    const iso = new Date(ms).toISOString();
    return this.dialect === 'postgres' ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }

  private checkKey(key: string): void {
    if (key.length > SQL_SESSION_ID_LENGTH) {
      throw new Error(
        `session key is ${key.length} characters; the session_id column holds ${SQL_SESSION_ID_LENGTH} (shorten keyPrefix)`,
      );
    }
  }
}
