import { Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import type { SqlDataSource } from '../../interfaces';
import type {
  CompareAndSetResult,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces/session-store.interface';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import {
  checkSqlTableName,
  SQL_SESSION_ID_LENGTH,
  SQL_USER_ID_LENGTH,
  sqlDialectOf,
  type SqlDialect,
} from './sql-session.entity';
import {
  countsMatchedRows,
  ensureSessionTable,
  ensureUserIndex,
  escapedTablePath,
  sessionTableMetadata,
} from './sql-session.table';
import {
  DELETE_BATCH,
  MAX_DELETE_BATCHES,
  sqlTime,
  statementsFor,
  userEntries,
  type UserRow,
} from './sql-session.statements';

export interface SqlStoreOptions {
  /** A TypeORM `DataSource` (initialized on first use when it is not yet). */
  dataSource: SqlDataSource;
  /** Table name, default `sessions`. */
  table?: string;
  /** Create the table when it is missing, default `true`. */
  createTable?: boolean;
  /** Destroy the DataSource on `close()`: only for one built for this store. Default `false`. */
  ownsDataSource?: boolean;
  /**
   * Keep each session's user in an indexed `user_id` column, for `findByUser`
   * (the module's `userKey`). An existing table without it gets it at startup
   * with `createTable`, else startup fails saying how to add it. Default `false`:
   * the table stays as Flask-Session's.
   */
  indexUsers?: boolean;
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

interface Row {
  data: Uint8Array;
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
 * in batches (the module's background sweep calls it). With `indexUsers`,
 * each of those writes also sets the indexed `user_id` column (`NULL`: no
 * user), and `findByUser` is one `SELECT … WHERE user_id = ? AND expiry > now`.
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
  /** One indexed SELECT of the user's live rows; only with `indexUsers`. */
  readonly findByUser?: (user: string) => Promise<UserSessionEntry[]>;
  private readonly indexUsers: boolean;
  private readonly prepared = new Lazy(() => this.prepare());
  private closed = false;
  private readonly logger = new Logger(SqlStore.name);

  constructor(private readonly options: SqlStoreOptions) {
    this.dialect = sqlDialectOf(options.dataSource?.options?.type, 'dataSource');
    this.table = checkSqlTableName(options.table ?? 'sessions', 'table');
    this.createTable = options.createTable ?? true;
    this.ownsDataSource = options.ownsDataSource ?? false;
    this.indexUsers = options.indexUsers ?? false;
    if (this.indexUsers) this.findByUser = (user) => this.listByUser(user);
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

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    this.checkKey(key);
    await this.run('upsert', [
      key,
      asBuffer(value),
      this.time(Date.now() + ttlMs),
      ...this.userOf(options),
    ]);
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

  async update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    const now = Date.now();
    const bytes = asBuffer(value);
    const result = await this.run('update', [
      bytes,
      this.time(now + ttlMs),
      ...this.userOf(options),
      key,
      this.time(now),
    ]);
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
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    const now = Date.now();
    const [old, bytes] = [asBuffer(expected), asBuffer(value)];
    const result = await this.run('compareAndSet', [
      bytes,
      this.time(now + ttlMs),
      ...this.userOf(options),
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

  private async listByUser(user: string): Promise<UserSessionEntry[]> {
    const { records } = await this.run<UserRow>('findByUser', [user, this.time(Date.now())]);
    return userEntries(records, user);
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
    const metadata = await sessionTableMetadata(dataSource, this.table, this.indexUsers);
    if (this.createTable || this.indexUsers) {
      const queryRunner = dataSource.createQueryRunner();
      try {
        if (this.createTable) await ensureSessionTable(queryRunner, metadata);
        if (this.indexUsers) await ensureUserIndex(queryRunner, metadata, this.createTable);
      } finally {
        await queryRunner.release();
      }
    }
    const escape = (name: string) => dataSource.driver.escape(name);
    const table = escapedTablePath(dataSource, metadata);
    return {
      dataSource,
      sql: statementsFor(this.dialect, table, escape, this.indexUsers),
      countsMatchedRows: this.dialect !== 'mysql' || (await countsMatchedRows(dataSource)),
    };
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

  private time(ms: number): string {
    return sqlTime(this.dialect, ms);
  }

  /** The `user_id` parameter of a write: none without `indexUsers`, `NULL` for no user. */
  private userOf(options: StoreCallOptions | undefined): [string | null] | [] {
    if (!this.indexUsers) return [];
    const user = options?.user;
    if (user !== undefined && user.length > SQL_USER_ID_LENGTH) {
      throw new Error(
        `user id is ${user.length} characters; the user_id column holds ${SQL_USER_ID_LENGTH}`,
      );
    }
    return [user ?? null];
  }

  private checkKey(key: string): void {
    if (key.length > SQL_SESSION_ID_LENGTH) {
      throw new Error(
        `session key is ${key.length} characters; the session_id column holds ${SQL_SESSION_ID_LENGTH} (shorten keyPrefix)`,
      );
    }
  }
}
