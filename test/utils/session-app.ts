import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SessionModule, type SessionModuleOptions } from '../../lib';

/** An app of `SessionModule.forRoot(options)` alone, initialised but not listening. */
export async function initSessionApp(options: SessionModuleOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot(options)],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
