import type { ModuleRef } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import {
  createSessionEntity,
  PeeweeSessionInterface,
  SessionConfigError,
  SqlStore,
  type SessionModuleOptions,
} from '../../../lib';
import { createSessionInterface } from '../../../lib/session.providers';
import {
  dropTable,
  openDataSource,
  randomTableName,
  sqlTestDatabases,
  type SqlTestDatabase,
} from '../../utils/sql-databases';

jest.setTimeout(60_000);

const databases = sqlTestDatabases();
const long = 60_000;
const text = (value: Uint8Array | undefined) => value && Buffer.from(value).toString();

describe.each(databases)('SQL user index on $name', (db: SqlTestDatabase) => {
  let dataSource: DataSource;
  const tables: string[] = [];
  const newTable = () => {
    const table = randomTableName('sessions_ui');
    tables.push(table);
    return table;
  };

  /** The table's columns, and the columns its indexes start with. */
  async function schemaOf(table: string) {
    const queryRunner = dataSource.createQueryRunner();
    try {
      const loaded = (await queryRunner.getTable(table))!;
      return {
        columns: loaded.columns.map((column) => column.name).sort(),
        indexed: loaded.indices.map((index) => index.columnNames[0]),
      };
    } finally {
      await queryRunner.release();
    }
  }

  /** The DDL TypeORM would still run for the entity: none when the table matches it. */
  async function pendingDdl(table: string, indexUsers: boolean): Promise<string[]> {
    const withEntity = await openDataSource(db, {
      entities: [createSessionEntity({ type: db.options.type, table, indexUsers })],
    });
    try {
      const pending = await withEntity.driver.createSchemaBuilder().log();
      return pending.upQueries.map((q) => q.query);
    } finally {
      await withEntity.destroy();
    }
  }

  /** A table as the store creates it without `userKey`, holding one session. */
  async function tableOfToday(): Promise<string> {
    const table = newTable();
    const old = new SqlStore({ dataSource, table });
    await old.set('old', Buffer.from('before users'), long);
    return table;
  }

  beforeAll(async () => {
    dataSource = await openDataSource(db);
  });

  afterAll(async () => {
    for (const table of tables) await dropTable(dataSource, table);
    await dataSource.destroy();
  });

  it('without indexUsers, creates the table of today: no user_id, no findByUser', async () => {
    const table = newTable();
    const store = new SqlStore({ dataSource, table });
    await store.connect();
    expect((await schemaOf(table)).columns).toEqual(['data', 'expiry', 'id', 'session_id']);
    expect(store.findByUser).toBeUndefined();
    // A user passed anyway is ignored.
    await store.set('k', Buffer.from('v'), long, { user: 'alice' });
    expect(text(await store.get('k'))).toBe('v');
  });

  it('creates a new table with the indexed user_id column, as TypeORM would', async () => {
    const table = newTable();
    await new SqlStore({ dataSource, table, indexUsers: true }).connect();
    const schema = await schemaOf(table);
    expect(schema.columns).toContain('user_id');
    expect(schema.indexed).toContain('user_id');
    expect(await pendingDdl(table, true)).toEqual([]);
  });

  it('adds user_id and its index to a table of today at startup, keeping its sessions', async () => {
    const table = await tableOfToday();
    expect((await schemaOf(table)).columns).not.toContain('user_id');
    const store = new SqlStore({ dataSource, table, indexUsers: true });
    await store.connect();
    const schema = await schemaOf(table);
    expect(schema.columns).toContain('user_id');
    expect(schema.indexed).toContain('user_id');
    // What synchronize or migration:generate would compare against finds nothing to change.
    expect(await pendingDdl(table, true)).toEqual([]);
    expect(text(await store.get('old'))).toBe('before users');
    expect(await store.findByUser!('alice')).toEqual([]);
    await store.set('new', Buffer.from('signed in'), long, { user: 'alice' });
    expect((await store.findByUser!('alice')).map((e) => e.key)).toEqual(['new']);
    // A store without users keeps working on the migrated table.
    const plain = new SqlStore({ dataSource, table });
    await plain.set('plain', Buffer.from('x'), long);
    expect(text(await plain.get('plain'))).toBe('x');
  });

  it('migrates a table of today once when several stores start at the same moment', async () => {
    const table = await tableOfToday();
    const stores = Array.from(
      { length: 4 },
      () => new SqlStore({ dataSource, table, indexUsers: true }),
    );
    await Promise.all(stores.map((store) => store.connect()));
    await stores[0].set('k', Buffer.from('v'), long, { user: 'alice' });
    expect((await stores[3].findByUser!('alice')).map((e) => e.key)).toEqual(['k']);
    expect((await schemaOf(table)).indexed.filter((c) => c === 'user_id')).toHaveLength(1);
  });

  it('with createTable off, fails at startup naming user_id and the SQL that adds it', async () => {
    const table = await tableOfToday();
    const off = new SqlStore({ dataSource, table, indexUsers: true, createTable: false });
    const error = await off.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionConfigError);
    const message = String((error as Error).message);
    expect(message).toMatch(/SESSION_USER_KEY/);
    expect(message).toMatch(/user_id column/);
    expect(message).toMatch(/SESSION_CREATE_TABLE/);
    expect((await schemaOf(table)).columns).not.toContain('user_id');
    // The SQL it gives is the fix.
    const statements = [...message.matchAll(/^ {2}(.+);$/gm)].map((m) => m[1]);
    expect(statements).toEqual([
      expect.stringMatching(/^ALTER TABLE .* ADD /),
      expect.stringMatching(/^CREATE INDEX /),
    ]);
    for (const statement of statements) await dataSource.query(statement);
    expect(await pendingDdl(table, true)).toEqual([]);
    const fixed = new SqlStore({ dataSource, table, indexUsers: true, createTable: false });
    await fixed.set('k', Buffer.from('v'), long, { user: 'alice' });
    expect((await fixed.findByUser!('alice')).map((e) => e.key)).toEqual(['k']);
  });

  it('with createTable off, names the missing index alone when only the index is missing', async () => {
    const table = await tableOfToday();
    const c = dataSource.driver.escape('user_id');
    const type = db.name === 'postgres' ? 'character varying(255)' : 'varchar(255)';
    await dataSource.query(`ALTER TABLE ${dataSource.driver.escape(table)} ADD ${c} ${type}`);
    const off = new SqlStore({ dataSource, table, indexUsers: true, createTable: false });
    const error = await off.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionConfigError);
    expect(String(error)).toMatch(/has no index on user_id,[^]*\n {2}CREATE INDEX /);
    expect(String(error)).not.toMatch(/ALTER TABLE/);
  });

  it('fails the module at startup (no warning and 503s) when the column is missing', async () => {
    const table = await tableOfToday();
    const error = await createSessionInterface(
      {
        type: 'sqlalchemy',
        dataSource,
        table,
        createTable: false,
        userKey: 'userId',
      } as SessionModuleOptions,
      {} as ModuleRef,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionConfigError);
    expect(String(error)).toMatch(/user_id/);
    // The DataSource it was lent stays open.
    expect(dataSource.isInitialized).toBe(true);
  });

  it('through the module with userKey, migrates the table and lists the user', async () => {
    const table = await tableOfToday();
    const sessions = await createSessionInterface(
      { type: 'peewee', url: db.url, table, userKey: 'userId' } as SessionModuleOptions,
      {} as ModuleRef,
    );
    try {
      const { store } = sessions as PeeweeSessionInterface;
      await store.set('k', Buffer.from('v'), long, { user: 'alice' });
      expect((await store.findByUser!('alice')).map((e) => e.key)).toEqual(['k']);
    } finally {
      await sessions.close();
    }
  });

  describe('with users indexed', () => {
    let store: SqlStore;
    beforeAll(async () => {
      store = new SqlStore({ dataSource, table: newTable(), indexUsers: true });
      await store.connect();
    });
    const keysOf = async (user: string) =>
      (await store.findByUser!(user)).map((entry) => entry.key).sort();

    it('every write sets user_id: a write without a user takes the session off its user', async () => {
      await store.set('s1', Buffer.from('a'), long, { user: 'alice' });
      await store.set('s1', Buffer.from('out'), long);
      expect(await keysOf('alice')).toEqual([]);

      await store.set('s2', Buffer.from('a'), long, { user: 'alice' });
      expect(await store.update('s2', Buffer.from('out'), long)).toBe(true);
      expect(await keysOf('alice')).toEqual([]);

      await store.set('s3', Buffer.from('a'), long, { user: 'alice' });
      expect(await store.compareAndSet('s3', Buffer.from('a'), Buffer.from('b'), long, {})).toBe(
        'stored',
      );
      expect(await keysOf('alice')).toEqual([]);

      await store.set('s4', Buffer.from('a'), long, { user: 'alice' });
      expect(
        await store.compareAndSet('s4', Buffer.from('a'), Buffer.from('b'), long, {
          user: 'bob',
        }),
      ).toBe('stored');
      expect(await keysOf('alice')).toEqual([]);
      expect(await keysOf('bob')).toEqual(['s4']);
    });

    it('a failed conditional write leaves user_id as it was', async () => {
      await store.set('f1', Buffer.from('a'), long, { user: 'carol' });
      expect(
        await store.compareAndSet('f1', Buffer.from('stale'), Buffer.from('b'), long, {
          user: 'dave',
        }),
      ).toBe('changed');
      expect(await keysOf('carol')).toEqual(['f1']);
      expect(await keysOf('dave')).toEqual([]);
    });

    it('touch keeps user_id', async () => {
      await store.set('t1', Buffer.from('a'), long, { user: 'erin' });
      expect(await store.touch('t1', long * 2)).toBe(true);
      expect(await keysOf('erin')).toEqual(['t1']);
    });

    it('keeps user ids apart that the database collation would compare equal', async () => {
      const users = ['frank', 'frank ', 'Frank', 'fränk'];
      for (const [i, user] of users.entries())
        await store.set(`c${i}`, Buffer.from(user), long, { user });
      for (const [i, user] of users.entries()) expect(await keysOf(user)).toEqual([`c${i}`]);
    });

    it('refuses a user id longer than the user_id column', async () => {
      await expect(
        store.set('long', Buffer.from('x'), long, { user: 'u'.repeat(256) }),
      ).rejects.toThrow(/255/);
      expect(await store.get('long')).toBeUndefined();
    });
  });
});
