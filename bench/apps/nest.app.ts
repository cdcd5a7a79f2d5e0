/**
 * The Nest app of the benchmark: `/plain`, `/read`, `/write` and `/new`, with
 * SessionModule on the store `BENCH_STORE` names (`redis`, `redis-cluster` on
 * the nodes of `BENCH_CLUSTER`, `filesystem`, `filesystem-async` with
 * asynchronous I/O only), `floor` (the same routes written by hand over one raw
 * Redis call each, no module) or `none` (`/plain` only, no module), on
 * `BENCH_PLATFORM` (`express` or `fastify`); `BENCH_USER_KEY` sets `userKey`
 * (`/sign-in` makes a session of its own user). `/bench/loop-delay` answers the
 * p99 event-loop delay since its last call.
 */
import 'reflect-metadata';
import { Controller, Get, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Cluster, Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  FileSystemStore,
  Session,
  SessionModule,
  type ServerSideSession,
  type SessionModuleOptions,
} from '../../lib';
import { benchEnv, closeOnSignal, type BenchEnv } from './bench-env';
import { floorController } from './floor.controller';

type Counter = ServerSideSession<{ n: number; user: string }>;

const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

@Controller()
class PlainController {
  @Get('plain')
  plain(): string {
    return 'ok';
  }

  @Get('bench/loop-delay')
  loopDelay(): string {
    const p99Ms = loopDelay.percentile(99) / 1e6;
    loopDelay.reset();
    return String(p99Ms);
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

  /** A signed-in session of its own user: what the `userKey` cases read and write. */
  @Get('sign-in')
  signIn(@Session() session: Counter): string {
    session.set('user', randomBytes(8).toString('hex'));
    session.set('n', 0);
    return 'signed in';
  }
}

function clusterNodes(): { host: string; port: number }[] {
  const ports = (process.env.BENCH_CLUSTER ?? '').split(',').filter(Boolean);
  if (!ports.length) throw new Error('BENCH_CLUSTER is not set');
  return ports.map((port) => ({ host: '127.0.0.1', port: Number(port) }));
}

function sessionOptions(store: string, env: BenchEnv): SessionModuleOptions {
  const common = {
    keyPrefix: env.keyPrefix,
    useSigner: true,
    secret: env.secret,
    userKey: process.env.BENCH_USER_KEY || undefined,
  };
  if (store === 'redis') return { ...common, type: 'redis', host: '127.0.0.1', port: 6379 };
  // Auto-pipelining, as on the client the module opens itself for `host`/`url`.
  if (store === 'redis-cluster')
    return {
      ...common,
      type: 'redis',
      client: new Cluster(clusterNodes(), { enableAutoPipelining: true }),
    };
  if (store === 'filesystem') return { ...common, type: 'filesystem', dir: env.dir };
  if (store === 'filesystem-async')
    return { ...common, store: new FileSystemStore({ dir: env.dir, syncMaxBytes: 0 }) };
  throw new Error(`unknown BENCH_STORE "${store}"`);
}

@Module({})
class BenchModule {
  static with(store: string, env: BenchEnv, closing: (() => Promise<unknown>)[]): DynamicModule {
    if (store === 'none') return { module: BenchModule, controllers: [PlainController] };
    if (store === 'floor') {
      const redis = new Redis({ host: '127.0.0.1', port: 6379 });
      closing.push(() => redis.quit());
      return {
        module: BenchModule,
        controllers: [PlainController, floorController(redis, env.keyPrefix)],
      };
    }
    const options = sessionOptions(store, env);
    if ('client' in options && options.client instanceof Cluster) {
      const client = options.client;
      closing.push(() => client.quit());
    }
    return {
      module: BenchModule,
      imports: [SessionModule.forRoot(options)],
      controllers: [PlainController, SessionController],
    };
  }
}

async function main(): Promise<void> {
  const env = benchEnv();
  const store = process.env.BENCH_STORE ?? 'redis';
  const closing: (() => Promise<unknown>)[] = [];
  const module = BenchModule.with(store, env, closing);
  // The Express apps it is compared with parse no bodies either (all routes are GETs).
  const options = { logger: ['error' as const], bodyParser: false };
  const app: INestApplication =
    process.env.BENCH_PLATFORM === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), options)
      : await NestFactory.create(module, options);
  closeOnSignal(async () => {
    await app.close();
    await Promise.all(closing.map((close) => close()));
  });
  await app.listen(env.port, '127.0.0.1');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
