import type { DataSource } from 'typeorm';
import { PeeweeSessionInterface, SqlAlchemySessionInterface, SqlStore } from '../../../lib';
import { describeExpiredSweep } from '../../suites/expired-sweep';
import {
  countRows,
  dropTable,
  openDataSource,
  randomTableName,
  sqlTestDatabases,
  type SqlTestDatabase,
} from '../../utils/sql-databases';

jest.setTimeout(60_000);

const databases = sqlTestDatabases();

describe.each(databases)('SQL on $name', (db: SqlTestDatabase) => {
  let dataSource: DataSource;
  const tables: string[] = [];

  beforeAll(async () => {
    dataSource = await openDataSource(db);
  });

  afterAll(async () => {
    for (const table of tables) await dropTable(dataSource, table);
    await dataSource.destroy();
  });

  describeExpiredSweep(`SqlAlchemySessionInterface (${db.name})`, async () => {
    const table = randomTableName();
    tables.push(table);
    const { store } = new SqlAlchemySessionInterface(
      dataSource,
      table,
      undefined,
      undefined,
      undefined,
      {
        cleanupInterval: 0,
      },
    );
    return { store, count: () => countRows(dataSource, table) };
  });

  if (db.name === 'sqlite') {
    describeExpiredSweep(`PeeweeSessionInterface (${db.name})`, async () => {
      const table = randomTableName();
      tables.push(table);
      const sessions = new PeeweeSessionInterface(db.url, table, undefined, undefined, undefined, {
        cleanupInterval: 0,
      });
      return {
        store: sessions.store,
        count: () => countRows(dataSource, table),
        cleanup: () => sessions.close(),
      };
    });
  }

  it('deletes in batches of at most 1,000 rows a statement', async () => {
    const table = randomTableName();
    tables.push(table);
    const store = new SqlStore({ dataSource, table });
    await store.set('batch:0', Buffer.from('x'), 1);
    // Copies of one expired row, in one transaction: fast on every database.
    const [t, sid] = [table, 'session_id'].map((name) => dataSource.driver.escape(name));
    const p = dataSource.options.type === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    await dataSource.transaction(async (manager) => {
      for (let i = 1; i < 1500; i++) {
        await manager.query(
          `INSERT INTO ${t} (${sid}, data, expiry) SELECT ${p[0]}, data, expiry FROM ${t} WHERE ${sid} = ${p[1]}`,
          [`batch:${i}`, 'batch:0'],
        );
      }
    });
    await store.set('batch:live', Buffer.from('x'), 60_000);
    type Run = (statement: string, parameters: unknown[]) => Promise<{ affected: number }>;
    const inner = store as unknown as { run: Run };
    const run = inner.run.bind(store);
    const affected: number[] = [];
    inner.run = async (statement, parameters) => {
      const result = await run(statement, parameters);
      if (statement === 'deleteExpired') affected.push(result.affected);
      return result;
    };
    expect(await store.deleteExpired()).toBe(1500);
    expect(affected).toEqual([1000, 500]);
    expect(await countRows(dataSource, table)).toBe(1);
  });
});
