import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';

export type SqlDatabaseName = 'postgres' | 'mariadb' | 'sqlite';

export interface SqlTestDatabase {
  name: SqlDatabaseName;
  /** The database as a URL (what `PeeweeSessionInterface` and `url` take). */
  url: string;
  /** The same database as TypeORM DataSource options (what an app's own DataSource uses). */
  options: DataSourceOptions;
  /** How to get the server when it is not reachable. */
  hint: string;
}

const POSTGRES_PORT = 5432;
const MARIADB_PORT = 3306;

/**
 * The three databases the SQL stores are tested on: PostgreSQL and MariaDB on
 * their usual loopback ports, and SQLite in a temporary file of this test file.
 */
export function sqlTestDatabases(): SqlTestDatabase[] {
  const sqliteFile = path.join(tmpdir(), `session-test-${randomBytes(6).toString('hex')}.db`);
  afterAll(() => {
    for (const suffix of ['', '-wal', '-shm', '-journal'])
      rmSync(sqliteFile + suffix, { force: true });
  });
  return [
    {
      name: 'postgres',
      url: `postgres://postgres@127.0.0.1:${POSTGRES_PORT}/test`,
      options: {
        type: 'postgres',
        host: '127.0.0.1',
        port: POSTGRES_PORT,
        username: 'postgres',
        database: 'test',
      },
      hint:
        'PostgreSQL must listen on 127.0.0.1:5432 with user postgres (trust) and a database "test": ' +
        'apt-get install postgresql, then createdb -U postgres test',
    },
    {
      name: 'mariadb',
      url: `mysql://root@127.0.0.1:${MARIADB_PORT}/test`,
      options: {
        type: 'mariadb',
        host: '127.0.0.1',
        port: MARIADB_PORT,
        username: 'root',
        password: '',
        database: 'test',
      },
      hint:
        'MariaDB must listen on 127.0.0.1:3306 with user root (empty password) and a database "test": ' +
        "apt-get install mariadb-server, then mysql -uroot -e 'CREATE DATABASE test'",
    },
    {
      name: 'sqlite',
      url: `sqlite:${sqliteFile}`,
      options: { type: 'better-sqlite3', database: sqliteFile },
      hint: 'the better-sqlite3 package must be installed and built (npm ci)',
    },
  ];
}

/** A table name of its own for each test run, so runs never collide. */
export function randomTableName(prefix = 'sessions_test'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Opens a DataSource on `db`; when the server is not reachable, the error says how to get it. */
export async function openDataSource(
  db: SqlTestDatabase,
  extra: Partial<DataSourceOptions> = {},
): Promise<DataSource> {
  const dataSource = new DataSource({ ...db.options, ...extra } as DataSourceOptions);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw new Error(`${db.name} is not reachable (${String(error)}). ${db.hint}`);
  }
}

/** How many rows the session table holds (optionally only those whose key starts with `prefix`). */
export async function countRows(
  dataSource: DataSource,
  table: string,
  prefix = '',
): Promise<number> {
  const t = dataSource.driver.escape(table);
  const rows: { n: number | string }[] = await dataSource.query(
    `SELECT COUNT(*) AS n FROM ${t} WHERE ${dataSource.driver.escape('session_id')} LIKE ${
      dataSource.options.type === 'postgres' ? '$1' : '?'
    }`,
    [`${prefix}%`],
  );
  return Number(rows[0].n);
}

/** Drops a table when it exists. */
export async function dropTable(dataSource: DataSource, table: string): Promise<void> {
  await dataSource.query(`DROP TABLE IF EXISTS ${dataSource.driver.escape(table)}`);
}
