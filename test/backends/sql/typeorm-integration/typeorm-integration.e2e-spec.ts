import type { INestApplication } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { TypeOrmIntegrationModule } from './typeorm-integration.module';
import { sessionCookie } from '../../../utils/cookies';
import { createApp, PLATFORMS, type Platform } from '../../../utils/platforms';
import {
  dropTable,
  openDataSource,
  randomTableName,
  sqlTestDatabases,
  type SqlTestDatabase,
} from '../../../utils/sql-databases';

const databases = sqlTestDatabases();

describe.each(databases)('@nestjs/typeorm app on $name', (db: SqlTestDatabase) => {
  const tables: string[] = [];

  afterAll(async () => {
    const admin = await openDataSource(db);
    for (const table of tables) await dropTable(admin, table);
    await admin.destroy();
  });

  describe.each(
    PLATFORMS.flatMap((platform) => [
      { platform, synchronize: false },
      { platform, synchronize: true },
    ]),
  )('over $platform, table by synchronize: $synchronize', ({ platform, synchronize }) => {
    let app: INestApplication;
    let dataSource: DataSource;
    const table = randomTableName();
    const keyPrefix = `cart${Math.random().toString(36).slice(2, 8)}:`;
    tables.push(table);

    beforeAll(async () => {
      // MySQL/MariaDB: `timezone: 'Z'` so TypeORM reads the UTC expiry column as UTC.
      const database = db.name === 'mariadb' ? { ...db.options, timezone: 'Z' } : db.options;
      app = await createApp(
        platform as Platform,
        TypeOrmIntegrationModule.with({ database, table, synchronize, keyPrefix }),
      );
      dataSource = app.get<DataSource>(getDataSourceToken());
    });

    afterAll(async () => {
      await app?.close();
    });

    it('keeps a cart in the session, stored in the app database', async () => {
      const http = request(app.getHttpServer());
      const first = await http.get('/cart/add?item=apple').expect(200);
      const c = sessionCookie(first.headers);
      const cookie = `${c.name}=${c.value}`;
      await http.get('/cart/add?item=pear').set('Cookie', cookie).expect(200);
      const cart = await http.get('/cart').set('Cookie', cookie).expect(200);
      expect(cart.body).toEqual({ sid: first.body.sid, items: ['apple', 'pear'] });

      const before = Date.now();
      const rows = await http.get(`/admin/sessions?prefix=${keyPrefix}`).expect(200);
      expect(rows.body).toHaveLength(1);
      expect(rows.body[0].sessionId).toBe(`${keyPrefix}${first.body.sid}`);
      expect(rows.body[0].bytes).toBeGreaterThan(0);
      // Through TypeORM's own mapping the expiry is the default lifetime (31 days) ahead.
      const ahead = Date.parse(rows.body[0].expiry) - before;
      expect(Math.abs(ahead - 31 * 24 * 3600 * 1000)).toBeLessThan(60_000);
    });

    it('shares the DataSource TypeOrmModule made and leaves its closing to TypeOrmModule', async () => {
      expect(dataSource.isInitialized).toBe(true);
      const queryRunner = dataSource.createQueryRunner();
      expect(await queryRunner.hasTable(table)).toBe(true);
      await queryRunner.release();
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries).toEqual([]);
      await app.close();
      // TypeOrmModule destroyed it once, without the session module having destroyed it first.
      expect(dataSource.isInitialized).toBe(false);
    });
  });
});
