import type { INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { DynamicModule } from '@nestjs/common';
import type { OutagePlatform } from '../../lib/testing';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Builds and starts a Nest app on the given HTTP platform, ready for supertest. */
export async function createApp(
  platform: Platform,
  module: Type | DynamicModule,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  if (platform === 'express') {
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** Both platforms, as the suites of `lib/testing` take them. */
export const APP_PLATFORMS: OutagePlatform[] = PLATFORMS.map((name) => ({
  name,
  create: (module) => createApp(name, module),
}));
