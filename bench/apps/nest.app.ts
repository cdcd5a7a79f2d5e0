/**
 * The Nest app of the benchmark: `/plain`, `/read`, `/write` and `/new`, with
 * SessionModule on the store `BENCH_STORE` names (`redis`, `filesystem`, or
 * `none` for the same app without the module), on `BENCH_PLATFORM`
 * (`express` or `fastify`).
 */
import 'reflect-metadata';
import { Controller, Get, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  Session,
  SessionModule,
  type ServerSideSession,
  type SessionModuleOptions,
} from '../../lib';
import { benchEnv, closeOnSignal, type BenchEnv } from './bench-env';

type Counter = ServerSideSession<{ n: number; user: string }>;

@Controller()
class PlainController {
  @Get('plain')
  plain(): string {
    return 'ok';
  }
}

@Controller()
class SessionController {
  @Get('read')
  read(@Session() session: Counter): string {
    return String(session.get('n') ?? 0);
  }

  @Get('write')
  write(@Session() session: Counter): string {
    const n = (session.get('n') ?? 0) + 1;
    session.set('n', n);
    return String(n);
  }

  @Get('new')
  create(@Session() session: Counter): string {
    session.set('user', 'bench');
    return 'new';
  }
}

function sessionOptions(store: string, env: BenchEnv): SessionModuleOptions {
  const common = { keyPrefix: env.keyPrefix, useSigner: true, secret: env.secret };
  if (store === 'redis') return { ...common, type: 'redis', host: '127.0.0.1', port: 6379 };
  if (store === 'filesystem') return { ...common, type: 'filesystem', dir: env.dir };
  throw new Error(`unknown BENCH_STORE "${store}"`);
}

@Module({})
class BenchModule {
  static with(store: string, env: BenchEnv): DynamicModule {
    if (store === 'none') return { module: BenchModule, controllers: [PlainController] };
    return {
      module: BenchModule,
      imports: [SessionModule.forRoot(sessionOptions(store, env))],
      controllers: [PlainController, SessionController],
    };
  }
}

async function main(): Promise<void> {
  const env = benchEnv();
  const store = process.env.BENCH_STORE ?? 'redis';
  const module = BenchModule.with(store, env);
  // The Express apps it is compared with parse no bodies either (all routes are GETs).
  const options = { logger: ['error' as const], bodyParser: false };
  const app: INestApplication =
    process.env.BENCH_PLATFORM === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), options)
      : await NestFactory.create(module, options);
  closeOnSignal(() => app.close());
  await app.listen(env.port, '127.0.0.1');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
