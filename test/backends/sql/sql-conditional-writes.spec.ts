import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { SqlStore } from '../../../lib';
import {
  dropTable,
  openDataSource,
  randomTableName,
  sqlTestDatabases,
  type SqlTestDatabase,
} from '../../utils/sql-databases';

const databases = sqlTestDatabases();
const unique = () => `c${Math.random().toString(36).slice(2, 10)}:`;
const text = (value: Uint8Array | undefined) => value && Buffer.from(value).toString();

/** Runs `statement` in a transaction on its own connection, left open until `commit()`. */
async function openTransaction(dataSource: DataSource, statement: string, parameters: unknown[]) {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  await runner.query(statement, parameters);
  return {
    commit: async () => {
      await runner.commitTransaction();
      await runner.release();
    },
  };
}

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return !settled;
}

describe.each(databases)('SQL conditional writes on $name', (db: SqlTestDatabase) => {
  let dataSource: DataSource;
  let store: SqlStore;
  const table = randomTableName();

  beforeAll(async () => {
    dataSource = await openDataSource(db);
    store = new SqlStore({ dataSource, table });
    await store.connect();
  });

  afterAll(async () => {
    await dropTable(dataSource, table);
    await dataSource.destroy();
  });

  afterEach(() => jest.restoreAllMocks());

  /** `?` placeholders as the dialect wants them. */
  const sql = (statement: string) => {
    let n = 0;
    return db.name === 'postgres' ? statement.replace(/\?/g, () => `$${++n}`) : statement;
  };
  const t = () => dataSource.driver.escape(table);
  const col = (name: string) => dataSource.driver.escape(name);

  it('compares every byte: a trailing space or zero byte is a change', async () => {
    const key = `${unique()}bytes`;
    await store.set(key, Buffer.from('ab'), 60_000);
    for (const expected of ['ab ', 'ab\0', 'a', 'AB']) {
      expect(await store.compareAndSet(key, Buffer.from(expected), Buffer.from('x'), 60_000)).toBe(
        'changed',
      );
    }
    await store.set(key, Buffer.from('ab '), 60_000);
    expect(await store.compareAndSet(key, Buffer.from('ab'), Buffer.from('x'), 60_000)).toBe(
      'changed',
    );
    expect(text(await store.get(key))).toBe('ab ');
  });

  it('counts a row found even when the write changes nothing (same bytes, same millisecond)', async () => {
    const key = `${unique()}same`;
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2099-01-01T00:00:00.000Z'));
    await store.set(key, Buffer.from('v'), 60_000);
    expect(await store.touch(key, 60_000)).toBe(true);
    expect(await store.update(key, Buffer.from('v'), 60_000)).toBe(true);
    expect(await store.compareAndSet(key, Buffer.from('v'), Buffer.from('v'), 60_000)).toBe(
      'stored',
    );
  });

  if (db.name === 'sqlite') return;

  // A transaction on another connection holds the row lock: the conditional
  // write waits for it, then the server re-checks its WHERE on the committed row.
  it('a compareAndSet waiting on a concurrent write loses to it', async () => {
    const key = `${unique()}race`;
    await store.set(key, Buffer.from('base'), 60_000);
    const read = (await store.get(key))!;
    const other = await openTransaction(
      dataSource,
      sql(`UPDATE ${t()} SET ${col('data')} = ? WHERE ${col('session_id')} = ?`),
      [Buffer.from('other'), key],
    );
    const mine = store.compareAndSet(key, read, Buffer.from('mine'), 60_000);
    expect(await pendingAfter(mine, 200)).toBe(true);
    await other.commit();
    expect(await mine).toBe('changed');
    expect(text(await store.get(key))).toBe('other');
  });

  it('an update or compareAndSet waiting on a concurrent delete never recreates the row', async () => {
    const key = `${unique()}logout`;
    await store.set(key, Buffer.from('base'), 60_000);
    const read = (await store.get(key))!;
    const logout = await openTransaction(
      dataSource,
      sql(`DELETE FROM ${t()} WHERE ${col('session_id')} = ?`),
      [key],
    );
    const cas = store.compareAndSet(key, read, Buffer.from('mine'), 60_000);
    const update = store.update(key, Buffer.from('mine'), 60_000);
    const touch = store.touch(key, 60_000);
    expect(await pendingAfter(Promise.all([cas, update, touch]), 200)).toBe(true);
    await logout.commit();
    expect(await cas).toBe('missing');
    expect(await update).toBe(false);
    expect(await touch).toBe(false);
    expect(await store.get(key)).toBeUndefined();
  });

  if (db.name !== 'mariadb') return;

  describe('on a connection without CLIENT_FOUND_ROWS (UPDATE counts changed rows)', () => {
    let changedRows: DataSource;
    let counting: SqlStore;

    beforeAll(async () => {
      changedRows = await openDataSource(db, { flags: ['-FOUND_ROWS'] } as never);
      counting = new SqlStore({ dataSource: changedRows, table });
    });

    afterAll(() => changedRows.destroy());

    it('the connection does count changed rows only', async () => {
      const key = `${unique()}flags`;
      await counting.set(key, Buffer.from('v'), 60_000);
      const result: { affectedRows: number } = await changedRows.query(
        sql(`UPDATE ${t()} SET ${col('data')} = ? WHERE ${col('session_id')} = ?`),
        [Buffer.from('v'), key],
      );
      expect(result.affectedRows).toBe(0);
    });

    it('still says found for a write that changes nothing, and missing or changed otherwise', async () => {
      const key = `${unique()}same`;
      jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2099-01-01T00:00:00.000Z'));
      await counting.set(key, Buffer.from('v'), 60_000);
      expect(await counting.touch(key, 60_000)).toBe(true);
      expect(await counting.update(key, Buffer.from('v'), 60_000)).toBe(true);
      expect(await counting.compareAndSet(key, Buffer.from('v'), Buffer.from('v'), 60_000)).toBe(
        'stored',
      );
      expect(await counting.compareAndSet(key, Buffer.from('w'), Buffer.from('w'), 60_000)).toBe(
        'changed',
      );
      await counting.delete(key);
      expect(await counting.touch(key, 60_000)).toBe(false);
      expect(await counting.update(key, Buffer.from('v'), 60_000)).toBe(false);
      expect(await counting.compareAndSet(key, Buffer.from('v'), Buffer.from('v'), 60_000)).toBe(
        'missing',
      );
    });
  });
});
