import { describeSessionStoreOutage, startTcpProxy } from '../../../lib/testing';
import { APP_PLATFORMS } from '../../utils/platforms';
import {
  dropTable,
  openDataSource,
  randomTableName,
  sqlTestDatabases,
  type SqlTestDatabase,
} from '../../utils/sql-databases';

const table = randomTableName();
const servers = sqlTestDatabases().filter((db) => db.name !== 'sqlite');

afterAll(async () => {
  for (const db of servers) {
    const admin = await openDataSource(db);
    await dropTable(admin, table);
    await admin.destroy();
  }
});

// The database itself stays up: a TCP proxy in front of it is cut, restored and paused.
describe.each(servers)('$name', (db: SqlTestDatabase) => {
  const target = Number(new URL(db.url).port);
  describeSessionStoreOutage(`peewee on ${db.name}`, {
    start: async (port) => {
      const proxy = await startTcpProxy(target, port);
      return { ...proxy, stop: () => proxy.stop() };
    },
    options: (port) => ({
      type: 'peewee',
      url: db.url.replace(`:${target}/`, `:${port}/`),
      table,
    }),
    // The pool opens a new connection on the next query.
    recoveryMs: 200,
    platforms: APP_PLATFORMS,
    keepsData: true,
  });
});
