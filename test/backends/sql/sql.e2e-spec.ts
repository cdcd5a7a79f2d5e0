import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { sessionOptionsFromConfig, SqlStore, type SessionModuleOptions } from '../../../lib';
import { describeConcurrency } from '../../suites/concurrency';
import { describeUserSessions } from '../../suites/user-sessions';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { sessionCookie } from '../../utils/cookies';
import { createApp } from '../../utils/platforms';
import { freePort, startTcpProxy, type TcpProxy } from '../../../lib/testing';
import {
  countRows,
  dropTable,
  openDataSource,
  randomTableName,
  sqlTestDatabases,
  type SqlTestDatabase,
} from '../../utils/sql-databases';

const databases = sqlTestDatabases();
const uniquePrefix = () => `p${Math.random().toString(36).slice(2, 10)}:`;
const cookieOf = (res: request.Response) => {
  const c = sessionCookie(res.headers);
  return `${c.name}=${c.value}`;
};

/** Polls `check` until it holds or `timeoutMs` passes. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

describe.each(databases)('SQL sessions on $name', (db: SqlTestDatabase) => {
  let dataSource: DataSource;
  const table = randomTableName();
  // With a user_id column: the table of the other suites stays as Flask-Session has it.
  const usersTable = randomTableName();

  beforeAll(async () => {
    dataSource = await openDataSource(db);
  });

  afterAll(async () => {
    await dropTable(dataSource, table);
    await dropTable(dataSource, usersTable);
    await dataSource.destroy();
  });

  describeSessionE2E(`sqlalchemy (${db.name})`, () => ({ type: 'sqlalchemy', dataSource, table }), {
    shortLifetimeMs: 500,
  });
  describeSessionE2E(`peewee (${db.name})`, () => ({ type: 'peewee', url: db.url, table }), {
    shortLifetimeMs: 500,
  });
  describeConcurrency(`sqlalchemy (${db.name})`, () => ({ type: 'sqlalchemy', dataSource, table }));
  describeConcurrency(`peewee (${db.name})`, () => ({ type: 'peewee', url: db.url, table }));
  describeUserSessions(`sqlalchemy (${db.name})`, () => ({
    type: 'sqlalchemy',
    dataSource,
    table: usersTable,
  }));
  describeUserSessions(`peewee (${db.name})`, () => ({
    type: 'peewee',
    url: db.url,
    table: usersTable,
  }));
  describeSessionFixation(
    `sqlalchemy (${db.name})`,
    () => ({ type: 'sqlalchemy', dataSource, table }),
    { shortLifetimeMs: 500, numRuns: 10 },
  );

  describe.each(['sqlalchemy', 'peewee'] as const)('%s', (type) => {
    let app: INestApplication | undefined;
    const optionsFor = (extra: object): SessionModuleOptions =>
      (type === 'sqlalchemy'
        ? { type, dataSource, table, ...extra }
        : { type, url: db.url, table, ...extra }) as SessionModuleOptions;
    const open = async (options: SessionModuleOptions) => {
      app = await createApp('express', SessionTestModule.with(options));
      return request(app.getHttpServer());
    };

    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it('50 concurrent first requests create 50 distinct rows', async () => {
      const keyPrefix = uniquePrefix();
      const http = await open(optionsFor({ keyPrefix }));
      const responses = await Promise.all(Array.from({ length: 50 }, () => http.get('/count')));
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(new Set(responses.map((r) => r.body.sid)).size).toBe(50);
      expect(await countRows(dataSource, table, keyPrefix)).toBe(50);
    });

    it('concurrent saves of one session never fail with a duplicate key', async () => {
      const keyPrefix = uniquePrefix();
      const http = await open(optionsFor({ keyPrefix }));
      const cookie = cookieOf(await http.get('/count').expect(200));
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          http.get(`/set?key=k${i}&value=${i}`).set('Cookie', cookie),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
      expect(await countRows(dataSource, table, keyPrefix)).toBe(1);
      const read = await http.get('/read').set('Cookie', cookie).expect(200);
      expect(read.body.data.count).toBe(1);
    });

    it('cleanupEvery removes expired rows and only them', async () => {
      const keyPrefix = uniquePrefix();
      const store = new SqlStore({ dataSource, table });
      await Promise.all(
        [1, 2, 3].map((i) => store.set(`${keyPrefix}old${i}`, Buffer.from('{}'), 50)),
      );
      await store.set(`${keyPrefix}kept`, Buffer.from('{}'), 60_000);
      await sleep(150);
      const http = await open(optionsFor({ keyPrefix, cleanupEvery: 2 }));
      await http.get('/count').expect(200);
      expect(await countRows(dataSource, table, `${keyPrefix}old`)).toBe(3);
      await http.get('/count').expect(200);
      expect(
        await eventually(async () => (await countRows(dataSource, table, `${keyPrefix}old`)) === 0),
      ).toBe(true);
      expect(await countRows(dataSource, table, keyPrefix)).toBe(3);
      expect(await store.get(`${keyPrefix}kept`)).toBeDefined();
    });
  });

  it('SESSION_CLEANUP_N_REQUESTS from the Flask keys runs the cleanup', async () => {
    const keyPrefix = uniquePrefix();
    const store = new SqlStore({ dataSource, table });
    await store.set(`${keyPrefix}old`, Buffer.from('{}'), 50);
    await store.set(`${keyPrefix}kept`, Buffer.from('{}'), 60_000);
    await sleep(150);
    const app = await createApp(
      'express',
      SessionTestModule.with(
        sessionOptionsFromConfig({
          SESSION_TYPE: 'peewee',
          SESSION_PEEWEE_CONFIG: db.url,
          SESSION_PEEWEE_TABLE: table,
          SESSION_KEY_PREFIX: keyPrefix,
          SESSION_CLEANUP_N_REQUESTS: '1',
        }),
      ),
    );
    try {
      await request(app.getHttpServer()).get('/count').expect(200);
      expect(
        await eventually(async () => (await countRows(dataSource, table, `${keyPrefix}old`)) === 0),
      ).toBe(true);
      expect(await countRows(dataSource, table, `${keyPrefix}kept`)).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe.each(databases.filter((db) => db.name !== 'sqlite'))(
  'database outage on $name',
  (db: SqlTestDatabase) => {
    const table = randomTableName();
    const storeTimeout = 1000;
    /** Bound of a 503: the store timeout plus time for the request itself. */
    const bound = storeTimeout + 1500;
    const target = Number(new URL(db.url).port);
    const urlOn = (port: number) => db.url.replace(`:${target}/`, `:${port}/`);
    let app: INestApplication | undefined;
    let proxy: TcpProxy | undefined;
    let userDataSource: DataSource | undefined;

    afterEach(async () => {
      // The proxy goes first: it releases any query still waiting on a paused connection.
      await proxy?.stop();
      proxy = undefined;
      await app?.close();
      app = undefined;
      // Ending a pool whose connection the proxy cut reports that error again: not this test's subject.
      if (userDataSource?.isInitialized) await userDataSource.destroy().catch(() => undefined);
      userDataSource = undefined;
    });

    afterAll(async () => {
      const admin = await openDataSource(db);
      await dropTable(admin, table);
      await admin.destroy();
    });

    const timed = async (run: () => Promise<request.Response>) => {
      const started = Date.now();
      const res = await run();
      return { res, ms: Date.now() - started };
    };

    it('a wrong port: the app starts, session routes answer 503 in bounded time', async () => {
      const url = urlOn(await freePort());
      app = await createApp(
        'express',
        SessionTestModule.with({ type: 'peewee', url, table, storeTimeout }),
      );
      const http = request(app.getHttpServer());
      const { res, ms } = await timed(() => http.get('/count'));
      expect(res.status).toBe(503);
      expect(res.body.message).toBe('Session store unavailable');
      expect(ms).toBeLessThan(bound);
      await http.get('/plain').expect(200);
    });

    /**
     * An app on a DataSource of the user's, connected through a fresh proxy, and a
     * session cookie. (peewee's own DataSource goes through test/sql-outage.e2e-spec.ts.)
     */
    async function appThroughProxy() {
      const started = await startTcpProxy(target);
      proxy = started;
      userDataSource = await openDataSource(db, { port: started.port, url: undefined });
      const options: SessionModuleOptions = {
        type: 'sqlalchemy',
        dataSource: userDataSource,
        table,
        storeTimeout,
      };
      app = await createApp('express', SessionTestModule.with(options));
      const http = request(app.getHttpServer());
      return { http, proxy: started, cookie: cookieOf(await http.get('/count').expect(200)) };
    }

    it('sqlalchemy: a connection that is cut answers 503, then recovers without a restart', async () => {
      const { http, cookie, proxy } = await appThroughProxy();

      await proxy.stop();
      const { res, ms } = await timed(() => http.get('/count').set('Cookie', cookie));
      expect(res.status).toBe(503);
      expect(ms).toBeLessThan(bound);
      await http.get('/plain').expect(200);

      await proxy.start();
      let status = 0;
      for (let attempt = 0; attempt < 5 && status !== 200; attempt++) {
        const again = await http.get('/count').set('Cookie', cookie);
        status = again.status;
        if (status === 200) expect(again.body.count).toBe(2);
        else await sleep(200);
      }
      expect(status).toBe(200);
    });

    it('sqlalchemy: a server that stops answering gives 503 within storeTimeout, not a hang', async () => {
      const { http, cookie, proxy } = await appThroughProxy();

      proxy.pause();
      const { res, ms } = await timed(() => http.get('/count').set('Cookie', cookie));
      expect(res.status).toBe(503);
      expect(ms).toBeGreaterThanOrEqual(storeTimeout - 50);
      expect(ms).toBeLessThan(bound);
    });
  },
);
