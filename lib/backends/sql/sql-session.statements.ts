import type { UserSessionEntry } from '../../interfaces/session-store.interface';
import type { SqlDialect } from './sql-session.entity';

/** Rows one statement of `deleteExpired()` removes, so no sweep holds long locks. */
export const DELETE_BATCH = 1000;
/** `deleteExpired()` stops after this many batches; the next sweep continues. */
export const MAX_DELETE_BATCHES = 100;

/** The store's statements, with the table name and columns escaped. */
export function statementsFor(
  dialect: SqlDialect,
  table: string,
  escape: (name: string) => string,
  indexUsers: boolean,
) {
  // Written with `?`; PostgreSQL numbers its placeholders.
  const number = (sql: string) => {
    let n = 0;
    return dialect === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
  };
  const [id, sid, data, expiry, user] = ['id', 'session_id', 'data', 'expiry', 'user_id'].map(
    escape,
  );
  // With `indexUsers`, every write of a value sets `user_id` in the same statement (its last
  // parameter before the WHERE clause).
  const columns = indexUsers ? [sid, data, expiry, user] : [sid, data, expiry];
  const replaced = columns.slice(1);
  const update =
    dialect === 'mysql'
      ? `ON DUPLICATE KEY UPDATE ${replaced.map((c) => `${c} = VALUES(${c})`).join(', ')}`
      : `ON CONFLICT (${sid}) DO UPDATE SET ${replaced.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  const replace = `UPDATE ${table} SET ${replaced.map((c) => `${c} = ?`).join(', ')}`;
  const statements = {
    get: `SELECT ${data} FROM ${table} WHERE ${sid} = ? AND ${expiry} > ?`,
    upsert: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${update}`,
    touch: `UPDATE ${table} SET ${expiry} = ? WHERE ${sid} = ? AND ${expiry} > ?`,
    update: `${replace} WHERE ${sid} = ? AND ${expiry} > ?`,
    compareAndSet: `${replace} WHERE ${sid} = ? AND ${expiry} > ? AND ${data} = ?`,
    findByUser: `SELECT ${sid} AS session_id, ${data} AS data, ${expiryText(dialect, expiry)} AS expiry, ${user} AS user_id FROM ${table} WHERE ${user} = ? AND ${expiry} > ?`,
    delete: `DELETE FROM ${table} WHERE ${sid} = ?`,
    // MySQL has no LIMIT in a subquery of IN; PostgreSQL and SQLite (as built) no DELETE … LIMIT.
    deleteExpired:
      dialect === 'mysql'
        ? `DELETE FROM ${table} WHERE ${expiry} <= ? LIMIT ${DELETE_BATCH}`
        : `DELETE FROM ${table} WHERE ${id} IN (SELECT ${id} FROM ${table} WHERE ${expiry} <= ? LIMIT ${DELETE_BATCH})`,
  };
  return Object.fromEntries(
    Object.entries(statements).map(([name, sql]) => [name, number(sql)]),
  ) as typeof statements;
}

/**
 * The expiry column as UTC text `YYYY-MM-DD HH:MM:SS.mmm…`, whatever the
 * connection's time zone and the driver's date parsing.
 */
function expiryText(dialect: SqlDialect, expiry: string): string {
  switch (dialect) {
    case 'postgres':
      return `to_char(${expiry} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')`;
    case 'mysql':
      return `DATE_FORMAT(${expiry}, '%Y-%m-%d %H:%i:%s.%f')`;
    case 'sqlite':
      return expiry;
  }
}

/**
 * An instant as a UTC parameter: ISO 8601 with `Z` for PostgreSQL's
 * `timestamptz`; `YYYY-MM-DD HH:MM:SS.mmm` for MySQL's `DATETIME(3)` and
 * SQLite's text, whose fixed width makes text order time order.
 */
export function sqlTime(dialect: SqlDialect, ms: number): string {
  const iso = new Date(ms).toISOString();
  return dialect === 'postgres' ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** A row the `findByUser` statement reads. */
export interface UserRow {
  session_id: string;
  data: Uint8Array;
  /** UTC text, see `expiryText`. */
  expiry: string;
  user_id: string;
}

/** The rows of exactly `user`, as entries. */
export function userEntries(rows: UserRow[], user: string): UserSessionEntry[] {
  return (
    rows
      // MySQL's collations ignore trailing spaces: `user_id = 'alice'` matches 'alice ' too.
      .filter((row) => row.user_id === user)
      .map((row) => ({
        key: row.session_id,
        value: row.data,
        expiresAt: new Date(`${row.expiry.replace(' ', 'T').slice(0, 23)}Z`),
      }))
  );
}
