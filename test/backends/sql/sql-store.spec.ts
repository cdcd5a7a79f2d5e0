import type { ModuleRef } from '@nestjs/core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import {
  createSessionEntity,
  PeeweeSessionInterface,
  SessionConfigError,
  sessionOptionsFromConfig,
  SessionTableMigration,
  SqlAlchemySessionInterface,
  SqlStore,
  type SessionModuleOptions,
} from '../../../lib';
import { createSessionInterface } from '../../../lib/session.providers';
import { createSqlDataSource, parseSqlUrl } from '../../../lib/backends/sql/sql.client';
import { describeSessionStore } from '../../../lib/testing';
import {
  countRows,
  dropTable,
  openDataSource,
  randomTableName,
  sqlTestDatabases,
  type SqlTestDatabase,
} from '../../utils/sql-databases';

const databases = sqlTestDatabases();
const unique = () => `t${Math.random().toString(36).slice(2, 10)}:`;

/** The stored expiry of a key as epoch milliseconds, read as UTC text whatever the connection's time zone. */
async function expiryOf(dataSource: DataSource, table: string, key: string): Promise<number> {
  const t = dataSource.driver.escape(table);
  const column: Record<string, string> = {
    postgres: `to_char("expiry" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')`,
    mariadb: "DATE_FORMAT(`expiry`, '%Y-%m-%d %H:%i:%s.%f')",
    'better-sqlite3': '"expiry"',
  };
  const param = dataSource.options.type === 'postgres' ? '$1' : '?';
  const rows: { e: string }[] = await dataSource.query(
    `SELECT ${column[dataSource.options.type]} AS e FROM ${t} WHERE ${dataSource.driver.escape('session_id')} = ${param}`,
    [key],
  );
  return Date.parse(`${rows[0].e.replace(' ', 'T').slice(0, 23)}Z`);
}

describe.each(databases)('SQL store on $name', (db: SqlTestDatabase) => {
  let dataSource: DataSource;
  const table = randomTableName();
  const extraTables: string[] = [];

  beforeAll(async () => {
    dataSource = await openDataSource(db);
  });

  afterAll(async () => {
    for (const t of [table, ...extraTables]) await dropTable(dataSource, t);
    await dataSource.destroy();
  });

  describeSessionStore(`SqlAlchemySessionInterface (${db.name})`, async () => {
    const sessions = new SqlAlchemySessionInterface(dataSource, table);
    return { store: sessions.store, cleanup: () => sessions.close() };
  });

  describeSessionStore(`PeeweeSessionInterface (${db.name})`, async () => {
    const sessions = new PeeweeSessionInterface(db.url, table);
    return { store: sessions.store, cleanup: () => sessions.close() };
  });

  // With `userKey`, the interfaces build their store with users indexed (the `user_id` column).
  const usersTable = randomTableName('sessions_users');
  extraTables.push(usersTable);
  const withUsers = { userKey: 'userId' };

  describeSessionStore(
    `SqlAlchemySessionInterface with userKey (${db.name})`,
    async () => {
      const sessions = new SqlAlchemySessionInterface(
        dataSource,
        usersTable,
        undefined,
        undefined,
        undefined,
        withUsers,
      );
      return { store: sessions.store, cleanup: () => sessions.close() };
    },
    { findByUser: true },
  );

  describeSessionStore(
    `PeeweeSessionInterface with userKey (${db.name})`,
    async () => {
      const sessions = new PeeweeSessionInterface(
        db.url,
        usersTable,
        undefined,
        undefined,
        undefined,
        withUsers,
      );
      return { store: sessions.store, cleanup: () => sessions.close() };
    },
    { findByUser: true },
  );

  describe('SqlStore', () => {
    let store: SqlStore;
    beforeEach(() => {
      store = new SqlStore({ dataSource, table });
    });

    it('saves one session concurrently without a duplicate-key error: one row', async () => {
      const prefix = unique();
      const key = `${prefix}same`;
      const writes = Array.from({ length: 50 }, (_, i) =>
        store.set(key, Buffer.from(`v${i}`), 60_000),
      );
      await expect(Promise.all(writes)).resolves.toHaveLength(50);
      expect(await countRows(dataSource, table, prefix)).toBe(1);
      expect(Buffer.from((await store.get(key))!).toString()).toMatch(/^v\d+$/);
    });

    it('writes 50 different sessions concurrently as 50 rows', async () => {
      const prefix = unique();
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.set(`${prefix}${i}`, Buffer.from('x'), 60_000)),
      );
      expect(await countRows(dataSource, table, prefix)).toBe(50);
    });

    it('stores the expiry as the UTC instant it was computed for', async () => {
      const key = `${unique()}utc`;
      const before = Date.now();
      await store.set(key, Buffer.from('x'), 3_600_000);
      const after = Date.now();
      const expiry = await expiryOf(dataSource, table, key);
      expect(expiry).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(expiry).toBeLessThanOrEqual(after + 3_600_000);
    });

    it('touch moves the expiry only: same row, same data', async () => {
      const key = `${unique()}touch`;
      await store.set(key, Buffer.from('kept'), 60_000);
      const idOf = async () => {
        const p = dataSource.options.type === 'postgres' ? '$1' : '?';
        const rows: { id: string | number }[] = await dataSource.query(
          `SELECT ${dataSource.driver.escape('id')} AS id FROM ${dataSource.driver.escape(table)} WHERE ${dataSource.driver.escape('session_id')} = ${p}`,
          [key],
        );
        return String(rows[0].id);
      };
      const id = await idOf();
      const first = await expiryOf(dataSource, table, key);
      await store.touch(key, 600_000);
      expect(await expiryOf(dataSource, table, key)).toBeGreaterThan(first + 500_000);
      expect(await idOf()).toBe(id);
      expect(Buffer.from((await store.get(key))!).toString()).toBe('kept');
    });

    it('keeps session ids that differ only in case apart', async () => {
      const prefix = unique();
      await store.set(`${prefix}abcDEF`, Buffer.from('lower'), 60_000);
      await store.set(`${prefix}ABCdef`, Buffer.from('upper'), 60_000);
      expect(Buffer.from((await store.get(`${prefix}abcDEF`))!).toString()).toBe('lower');
      expect(Buffer.from((await store.get(`${prefix}ABCdef`))!).toString()).toBe('upper');
      expect(await store.get(`${prefix}abcdef`)).toBeUndefined();
    });

    it('deleteExpired removes the expired rows, counts them, and leaves live ones', async () => {
      const prefix = unique();
      await Promise.all([1, 2, 3].map((i) => store.set(`${prefix}dead${i}`, Buffer.from('d'), 50)));
      await Promise.all(
        [1, 2].map((i) => store.set(`${prefix}live${i}`, Buffer.from('l'), 60_000)),
      );
      await sleep(200);
      expect(await countRows(dataSource, table, prefix)).toBe(5);
      expect(await store.deleteExpired()).toBeGreaterThanOrEqual(3);
      expect(await countRows(dataSource, table, `${prefix}dead`)).toBe(0);
      expect(await countRows(dataSource, table, `${prefix}live`)).toBe(2);
      expect(await store.deleteExpired()).toBe(0);
    });

    it('refuses a key longer than the session_id column', async () => {
      await expect(store.set('k'.repeat(256), Buffer.from('x'), 1000)).rejects.toThrow(/255/);
    });

    it('creates the table exactly as TypeORM would from the entity', async () => {
      const own = randomTableName();
      extraTables.push(own);
      await new SqlStore({ dataSource, table: own }).connect();
      const withEntity = await openDataSource(db, {
        entities: [createSessionEntity({ type: db.options.type, table: own })],
      });
      try {
        const pending = await withEntity.driver.createSchemaBuilder().log();
        expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      } finally {
        await withEntity.destroy();
      }
    });

    it('creates a missing table once when several stores start at the same moment', async () => {
      const own = randomTableName();
      extraTables.push(own);
      const owned = Array.from({ length: 4 }, () =>
        createSqlDataSource(db.url, { table: own, connectTimeoutMs: 3000, key: 'url' }),
      );
      const stores = [
        ...owned.map((ds) => new SqlStore({ dataSource: ds, table: own, ownsDataSource: true })),
        new SqlStore({ dataSource, table: own }),
      ];
      try {
        await Promise.all(stores.map((s) => s.connect()));
        await stores[0].set('k', Buffer.from('v'), 60_000);
        expect(Buffer.from((await stores[4].get('k'))!).toString()).toBe('v');
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('with createTable off, uses the table the exported migration creates', async () => {
      const own = randomTableName();
      const migrationsTable = randomTableName('migrations');
      extraTables.push(own, migrationsTable);
      const migrating = await openDataSource(db, {
        migrations: [SessionTableMigration.forTable(own)],
        migrationsTableName: migrationsTable,
      });
      try {
        const off = new SqlStore({ dataSource: migrating, table: own, createTable: false });
        await expect(off.get('missing-table')).rejects.toThrow();
        const ran = await migrating.runMigrations();
        expect(ran.map((m) => m.name)).toEqual([`SessionTable_${own}_1767225600000`]);
        const store2 = new SqlStore({ dataSource: migrating, table: own, createTable: false });
        await store2.set('k', Buffer.from('migrated'), 60_000);
        expect(Buffer.from((await store2.get('k'))!).toString()).toBe('migrated');
        await migrating.undoLastMigration();
        const queryRunner = migrating.createQueryRunner();
        expect(await queryRunner.hasTable(own)).toBe(false);
        await queryRunner.release();
      } finally {
        await migrating.destroy();
      }
    });

    it('destroys a DataSource it was given to own, never one it was lent', async () => {
      const owned = createSqlDataSource(db.url, { table, connectTimeoutMs: 3000, key: 'url' });
      const ownStore = new SqlStore({ dataSource: owned, table, ownsDataSource: true });
      await ownStore.set(`${unique()}own`, Buffer.from('x'), 60_000);
      expect(owned.isInitialized).toBe(true);
      await ownStore.close();
      expect(owned.isInitialized).toBe(false);

      await store.set(`${unique()}lent`, Buffer.from('x'), 60_000);
      await store.close();
      expect(dataSource.isInitialized).toBe(true);
    });
  });
});

describe('SQL store expiry under a non-UTC database time zone', () => {
  const [postgres] = databases;
  const table = randomTableName();
  let dataSource: DataSource;

  beforeAll(async () => {
    // UTC+14: a store mixing the server's local time with JavaScript's UTC would be 14 hours off.
    dataSource = await openDataSource(postgres, {
      extra: { options: '-c TimeZone=Pacific/Kiritimati' },
    });
  });

  afterAll(async () => {
    await dropTable(dataSource, table);
    await dataSource.destroy();
  });

  it('keeps live sessions, expires short ones and stores the right instant', async () => {
    const store = new SqlStore({ dataSource, table });
    const before = Date.now();
    await store.set('live', Buffer.from('live'), 60_000);
    await store.set('short', Buffer.from('short'), 300);
    expect(Math.abs((await expiryOf(dataSource, table, 'live')) - (before + 60_000))).toBeLessThan(
      2000,
    );
    expect(await store.get('short')).toBeDefined();
    await sleep(500);
    expect(await store.get('short')).toBeUndefined();
    expect(Buffer.from((await store.get('live'))!).toString()).toBe('live');
  });
});

describe('SQL store configuration', () => {
  const moduleRef = {} as ModuleRef;
  const build = (options: object) =>
    createSessionInterface(options as SessionModuleOptions, moduleRef);
  const fakeDataSource = (type: string) => ({
    options: { type },
    isInitialized: false,
    initialize: async () => undefined,
    destroy: async () => undefined,
    createQueryRunner: () => ({}),
  });

  it('names SESSION_SQLALCHEMY_TABLE for a bad table name', async () => {
    const error = await build({
      type: 'sqlalchemy',
      dataSource: fakeDataSource('postgres'),
      table: 'sessions; DROP TABLE users',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionConfigError);
    expect(String(error)).toMatch(/SESSION_SQLALCHEMY_TABLE/);
  });

  it('names SESSION_PEEWEE_TABLE for a bad table name', async () => {
    const error = await build({ type: 'peewee', url: 'sqlite::memory:', table: 'a-b' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionConfigError);
    expect(String(error)).toMatch(/SESSION_PEEWEE_TABLE/);
  });

  it('names SESSION_PEEWEE_CONFIG for a missing or unsupported URL', async () => {
    await expect(build({ type: 'peewee' })).rejects.toThrow(/SESSION_PEEWEE_CONFIG/);
    await expect(build({ type: 'peewee', url: 'oracle://db/x' })).rejects.toThrow(
      /SESSION_PEEWEE_CONFIG.*oracle/,
    );
  });

  it('names SESSION_SQLALCHEMY without a DataSource or URL, or with an unsupported one', async () => {
    await expect(build({ type: 'sqlalchemy' })).rejects.toThrow(/SESSION_SQLALCHEMY/);
    await expect(build({ type: 'typeorm', dataSource: {} })).rejects.toThrow(
      /SESSION_SQLALCHEMY.*DataSource/,
    );
    await expect(
      build({ type: 'sqlalchemy', dataSource: fakeDataSource('oracle') }),
    ).rejects.toThrow(/SESSION_SQLALCHEMY.*"oracle"/);
  });

  it('reads the Flask keys, SQLALCHEMY_DATABASE_URI included', async () => {
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'sqlalchemy',
      SQLALCHEMY_DATABASE_URI: 'sqlite::memory:',
      SESSION_SQLALCHEMY_TABLE: 'web_sessions',
      SESSION_CREATE_TABLE: 'false',
      SESSION_CLEANUP_N_REQUESTS: '10',
    });
    expect(options).toMatchObject({
      type: 'sqlalchemy',
      url: 'sqlite::memory:',
      table: 'web_sessions',
      createTable: false,
      cleanupEvery: 10,
    });
    const sessions = await build({ ...options, createTable: true });
    expect(sessions).toBeInstanceOf(SqlAlchemySessionInterface);
    await sessions.close();
  });

  it.each([
    ['typeorm', 'postgres://u@127.0.0.1/db', /SESSION_PEEWEE_CONFIG.*npm install typeorm pg/],
    ['pg', 'postgres://u@127.0.0.1/db', /SESSION_PEEWEE_CONFIG.*npm install pg/],
    ['mysql2', 'mysql://u@127.0.0.1/db', /SESSION_PEEWEE_CONFIG.*npm install mysql2/],
    ['better-sqlite3', 'sqlite::memory:', /SESSION_PEEWEE_CONFIG.*npm install better-sqlite3/],
  ])('without the %s package, says what to install', async (missing, url, message) => {
    let isolated!: typeof import('../../../lib/session.providers');
    jest.isolateModules(() => {
      jest.doMock(missing, () => {
        throw new Error(`Cannot find module '${missing}'`);
      });
      isolated = jest.requireActual('../../../lib/session.providers');
    });
    const error = await isolated
      .createSessionInterface({ type: 'peewee', url }, moduleRef)
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('SessionConfigError');
    expect(String(error)).toMatch(message);
    jest.dontMock(missing);
  });

  it('reads database URLs as SQLAlchemy and Peewee write them', () => {
    const key = 'url';
    expect(parseSqlUrl('postgresql+psycopg2://u:p@db:5433/app?sslmode=disable', key)).toEqual({
      type: 'postgres',
      url: 'postgresql://u:p@db:5433/app?sslmode=disable',
    });
    expect(parseSqlUrl('mysql+pymysql://root:p%40ss@127.0.0.1:3307/app', key)).toEqual({
      type: 'mysql',
      host: '127.0.0.1',
      port: 3307,
      username: 'root',
      password: 'p@ss',
      database: 'app',
    });
    expect(parseSqlUrl('mariadb://db/app', key)).toMatchObject({ type: 'mariadb', host: 'db' });
    expect(parseSqlUrl('sqlite::memory:', key)).toEqual({
      type: 'better-sqlite3',
      database: ':memory:',
    });
    expect(parseSqlUrl('sqlite://', key)).toMatchObject({ database: ':memory:' });
    expect(parseSqlUrl('sqlite:data/s.db', key)).toMatchObject({ database: 'data/s.db' });
    expect(parseSqlUrl('sqlite:///data/s.db', key)).toMatchObject({ database: 'data/s.db' });
    expect(parseSqlUrl('sqlite:////var/s.db', key)).toMatchObject({ database: '/var/s.db' });
    expect(() => parseSqlUrl('sqlite://host/s.db', key)).toThrow(SessionConfigError);
    expect(() => parseSqlUrl('redis://x', key)).toThrow(/url: .*redis/);
  });
});
