/**
 * The benchmark: `npm run bench`. Starts every app of `cases.ts` in its own
 * process on 127.0.0.1 (and a Redis Cluster of three nodes for the cluster
 * case), warms each case up, then drives every case with autocannon once per
 * round, cases interleaved, and reports medians of req/s, p99 latency, the
 * server's CPU µs per request and (Nest apps) its p99 event-loop delay; each
 * ratio is computed round by round and printed as median (min–max), and a
 * target is met when its median meets it. Writes `bench/results/latest.json`
 * and the chart `docs/performance.svg`; stops every process it started and
 * removes the Redis keys and files of the run.
 *
 * Options: `--rounds N` (default 5), `--quick` (2 rounds of 2 s: a smoke run,
 * not for figures). Environment: BENCH_CONNECTIONS (32), BENCH_DURATION seconds
 * (4), BENCH_WARMUP seconds (1), BENCH_ROUNDS, BENCH_ONLY (comma-separated app ids).
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { eachLimited } from '../lib/utils/concurrency.util';
import { freePort, startServer, type ServerProcess } from '../lib/testing/server-process.util';
import { startRedisCluster, type RedisClusterProcess } from '../test/utils/redis-servers';
import { APPS, CASES, caseName, type BenchApp, type BenchSessions } from './cases';
import { cpuChart } from './chart';
import { drive, type LoadSettings } from './load';
import { processCpuMicros } from './proc-cpu';
import { formatTable, ratios, summarize, type CaseResult, type CaseRun } from './report';
import { fetchSessionCookie } from './session-cookie';

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} expects a positive number`);
  return value;
};

/** `--rounds N` and `--quick` from the command line (`npm run bench -- --quick`). */
function cliOptions(): { rounds?: number; quick: boolean } {
  const args = process.argv.slice(2);
  const at = args.indexOf('--rounds');
  const rounds = at >= 0 ? Number(args[at + 1]) : undefined;
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
    throw new Error('--rounds expects a positive integer');
  return { rounds, quick: args.includes('--quick') };
}

/** The p99 event-loop delay a Nest app saw since the last call (which resets it). */
async function loopDelay(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/bench/loop-delay`);
  return Number(await response.text());
}

interface Running {
  app: BenchApp;
  server: ServerProcess;
  cookies: Record<BenchSessions, string[]>;
}

/** Sessions made for each kind of case: spread wide enough that requests in flight never share one. */
async function sessionCookies(
  port: number,
  route: string | undefined,
  connections: number,
): Promise<Record<BenchSessions, string[]>> {
  const make = (count: number) =>
    route
      ? Promise.all(Array.from({ length: count }, () => fetchSessionCookie(port, route)))
      : Promise.resolve([]);
  const [shared, spread, pairs] = await Promise.all([
    make(1),
    make(connections * 4),
    make(Math.max(1, connections / 2)),
  ]);
  return { none: [], shared, spread, pairs };
}

async function startApp(
  app: BenchApp,
  runId: string,
  dir: string,
  connections: number,
  cluster: RedisClusterProcess | undefined,
): Promise<Running> {
  const port = await freePort();
  const server = await startServer(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'apps', app.script)],
    port,
    {
      env: {
        ...process.env,
        ...app.env,
        NODE_ENV: 'production',
        BENCH_PORT: String(port),
        BENCH_KEY_PREFIX: `nss-bench:${runId}:${app.id}:`,
        BENCH_DIR: path.join(dir, app.id),
        BENCH_CLUSTER: cluster?.ports.join(',') ?? '',
      },
      timeoutMs: 180_000,
    },
  );
  return { app, server, cookies: await sessionCookies(port, app.cookieFrom, connections) };
}

async function deleteRunKeys(runId: string): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `nss-bench:${runId}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const cli = cliOptions();
  const settings: LoadSettings = {
    connections: int('BENCH_CONNECTIONS', 32),
    durationS: cli.quick ? 2 : int('BENCH_DURATION', 4),
  };
  const warmup: LoadSettings = { ...settings, durationS: int('BENCH_WARMUP', 1) };
  const rounds = cli.rounds ?? (cli.quick ? 2 : int('BENCH_ROUNDS', 5));
  const only = process.env.BENCH_ONLY?.split(',');
  const apps = APPS.filter((a) => !only || only.includes(a.id));
  const cases = CASES.filter((c) => apps.some((a) => a.id === c.app));
  const runId = randomBytes(6).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), 'nss-bench-'));
  const started = Date.now();
  const running = new Map<string, Running>();
  let cluster: RedisClusterProcess | undefined;
  try {
    if (apps.some((app) => app.cluster)) cluster = await startRedisCluster();
    // A few at a time: ts-node compiling eleven apps at once on two cores times out.
    await eachLimited(apps, 3, async (app) => {
      const started = await startApp(app, runId, dir, settings.connections, cluster);
      running.set(app.id, started);
    });
    const runCase = async (c: (typeof cases)[number], load: LoadSettings): Promise<CaseRun> => {
      const target = running.get(c.app)!;
      const { port } = target.server;
      const pid = target.server.child.pid!;
      if (target.app.nest) await loopDelay(port);
      const before = processCpuMicros(pid);
      const result = await drive(
        `http://127.0.0.1:${target.server.port}${c.route}`,
        load,
        target.cookies[c.sessions],
      );
      const cpu = processCpuMicros(pid) - before;
      if (result.failures) throw new Error(`${caseName(c)}: ${result.failures} failed requests`);
      return {
        reqPerSec: result.reqPerSec,
        p99Ms: result.p99Ms,
        cpuUsPerReq: cpu / result.requests,
        loopDelayP99Ms: target.app.nest ? await loopDelay(port) : undefined,
      };
    };
    for (const c of cases) await runCase(c, warmup);
    const runs = new Map(cases.map((c) => [c, [] as CaseResult['runs']]));
    for (let round = 1; round <= rounds; round++) {
      for (const c of cases) {
        const run = await runCase(c, settings);
        runs.get(c)!.push(run);
        console.log(
          `round ${round} ${caseName(c)}: ${run.reqPerSec.toFixed(0)} req/s, ${run.cpuUsPerReq.toFixed(0)} µs/req`,
        );
      }
    }
    const results = cases.map((c) => summarize(c, runs.get(c)!));
    const rows = ratios(results);
    console.log(`\n${formatTable(results, rows)}`);
    const out = path.join(__dirname, 'results', 'latest.json');
    mkdirSync(path.dirname(out), { recursive: true });
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      command: 'npm run bench',
      settings: {
        ...settings,
        warmupS: warmup.durationS,
        rounds,
        cpus: cpus().length,
      },
      apps: apps.map(({ id, label }) => ({ id, label })),
      results,
      ratios: rows,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    const chart = path.join(__dirname, '..', 'docs', 'performance.svg');
    mkdirSync(path.dirname(chart), { recursive: true });
    const title = `npm run bench, ${report.date.slice(0, 10)}: ${rounds} rounds of ${settings.durationS} s, ${settings.connections} connections, Node ${process.version}, ${report.settings.cpus} CPUs`;
    writeFileSync(chart, cpuChart(results, title));
    console.log(
      `\nwritten to ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), chart)} in ${report.seconds} s`,
    );
  } finally {
    await Promise.all([...running.values()].map((r) => r.server.stop()));
    await cluster?.stop();
    await deleteRunKeys(runId);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
