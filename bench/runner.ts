/**
 * The benchmark: `npm run bench`. Starts every app of `cases.ts` in its own
 * process on 127.0.0.1, warms each case up, then drives every case with
 * autocannon `BENCH_ROUNDS` times, interleaved, and reports medians of req/s,
 * p99 latency and the server's CPU µs per request. Writes
 * `bench/results/latest.json`; stops every process it started and removes the
 * Redis keys and files of the run.
 *
 * Settings (environment): BENCH_CONNECTIONS (32), BENCH_DURATION seconds (4),
 * BENCH_WARMUP seconds (1), BENCH_ROUNDS (3), BENCH_ONLY (comma-separated app ids).
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort, startServer, type ServerProcess } from '../lib/testing/server-process.util';
import { APPS, CASES, caseName, type BenchApp, type BenchSessions } from './cases';
import { drive, type LoadSettings } from './load';
import { processCpuMicros } from './proc-cpu';
import { formatTable, ratios, summarize, type CaseResult } from './report';
import { fetchSessionCookie } from './session-cookie';

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} expects a positive number`);
  return value;
};

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
      },
      timeoutMs: 60_000,
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
  const settings: LoadSettings = {
    connections: int('BENCH_CONNECTIONS', 32),
    durationS: int('BENCH_DURATION', 4),
  };
  const warmup: LoadSettings = { ...settings, durationS: int('BENCH_WARMUP', 1) };
  const rounds = int('BENCH_ROUNDS', 3);
  const only = process.env.BENCH_ONLY?.split(',');
  const apps = APPS.filter((a) => !only || only.includes(a.id));
  const cases = CASES.filter((c) => apps.some((a) => a.id === c.app));
  const runId = randomBytes(6).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), 'nss-bench-'));
  const started = Date.now();
  const running = new Map<string, Running>();
  try {
    const all = await Promise.allSettled(
      apps.map((app) => startApp(app, runId, dir, settings.connections)),
    );
    for (const result of all)
      if (result.status === 'fulfilled') running.set(result.value.app.id, result.value);
    const failed = all.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const runCase = async (c: (typeof cases)[number], load: LoadSettings) => {
      const target = running.get(c.app)!;
      const pid = target.server.child.pid!;
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
    console.log(`\nwritten to ${path.relative(process.cwd(), out)} in ${report.seconds} s`);
  } finally {
    await Promise.all([...running.values()].map((r) => r.server.stop()));
    await deleteRunKeys(runId);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
