/**
 * Soak test: concurrent clients hammer a session store on loopback for a fixed
 * time, each checking that its own counter goes up by exactly one per request.
 *
 *   npm run soak -- [--clients 100] [--duration 60] [--store filesystem,redis] [--platform express]
 *                   [--overlap 1]
 *
 * With `--overlap N` (N > 1) each client keeps N requests in flight on its one
 * session, each lane setting its own key to a rising number: a lane's value
 * seen lower than one it had confirmed before a request started, or missing at
 * the end, is a lost update (what `concurrency: 'merge'` prevents).
 *
 * The module options come from the Flask keys in the environment through
 * `sessionOptionsFromConfig(process.env)`; each store of `--store` (default
 * filesystem, then redis) sets `SESSION_TYPE` for its run. Redis defaults to
 * 127.0.0.1:6379; point the usual keys elsewhere, e.g.
 * `SESSION_REDIS=redis://10.0.0.5:6379 npm run soak -- --store redis`.
 *
 * Prints the figures and exits 1 on any error, lost or crossed update, or heap
 * growth above 10 % after a forced GC; 2 when it cannot run. Needs
 * `node --expose-gc` (the npm script passes it). Stops by itself.
 */
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { INestApplication } from '@nestjs/common';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sessionOptionsFromConfig, type CommonSessionOptions } from '../lib';
import { SessionTestModule } from '../test/suites/session/session-test.module';

interface Settings {
  clients: number;
  durationS: number;
  stores: string[];
  platform: 'express' | 'fastify';
  warmupRequests: number;
  maxHeapGrowth: number;
  overlap: number;
}

function parseArgs(argv: string[]): Settings {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`unexpected argument "${argv[i]}"`);
    given.set(match[1], match[2] ?? argv[++i] ?? '');
  }
  const known = ['clients', 'duration', 'store', 'platform', 'warmup', 'overlap'];
  for (const key of given.keys())
    if (!known.includes(key))
      throw new Error(`unknown option --${key} (known: ${known.join(', ')})`);
  const int = (key: string, fallback: number, min: number) => {
    const value = given.get(key) ?? process.env[`SOAK_${key.toUpperCase()}`];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${key} expects an integer >= ${min}`);
    return n;
  };
  const platform = given.get('platform') ?? 'express';
  if (platform !== 'express' && platform !== 'fastify')
    throw new Error('--platform expects express or fastify');
  return {
    clients: int('clients', 100, 1),
    durationS: int('duration', 60, 1),
    stores: (given.get('store') ?? process.env.SESSION_TYPE ?? 'filesystem,redis')
      .split(',')
      .map((store) => store.trim())
      .filter(Boolean),
    platform,
    warmupRequests: int('warmup', 20, 1),
    maxHeapGrowth: 0.1,
    overlap: int('overlap', 1, 1),
  };
}

/** Latencies in 0.1 ms buckets up to 10 s: constant memory, however long the run. */
class Histogram {
  private readonly buckets = new Uint32Array(100_001);
  count = 0;
  max = 0;

  record(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.round(ms * 10))]++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    let seen = 0;
    const target = Math.ceil(this.count * p);
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= target) return i / 10;
    }
    return this.max;
  }
}

interface Client {
  agent: Agent;
  cookie?: string;
  sid?: string;
  /** The count the server last reported for this client's session. */
  count: number;
  /** Successful `/count` requests, each of which must have added exactly one. */
  requests: number;
  /** With --overlap: the value each lane last had confirmed. */
  lanes: number[];
}

interface Tally {
  errors: number;
  lost: number;
  crossed: number;
  samples: string[];
  latency: Histogram;
}

interface Reply {
  status: number;
  body: string;
  setCookie: string[];
}

function get(agent: Agent, port: number, urlPath: string, cookie?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        agent,
        headers: cookie ? { cookie } : {},
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

function note(tally: Tally, message: string): void {
  if (tally.samples.length < 10) tally.samples.push(message);
}

async function step(
  client: Client,
  index: number,
  port: number,
  cookieName: string,
  tally: Tally,
): Promise<void> {
  const started = performance.now();
  let reply: Reply;
  try {
    reply = await get(client.agent, port, '/count', client.cookie);
  } catch (error) {
    tally.errors++;
    note(tally, `client ${index}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  tally.latency.record(performance.now() - started);
  if (reply.status !== 200) {
    tally.errors++;
    note(tally, `client ${index}: status ${reply.status} ${reply.body.slice(0, 200)}`);
    return;
  }
  const body = JSON.parse(reply.body) as { count: number; sid: string };
  const expected = client.count + 1;
  if (client.sid !== undefined && body.sid !== client.sid) {
    tally.crossed++;
    note(tally, `client ${index}: answered for session ${body.sid}, not its own ${client.sid}`);
  } else if (body.count < expected) {
    tally.lost++;
    note(tally, `client ${index}: count ${body.count}, expected ${expected}`);
  } else if (body.count > expected) {
    tally.crossed++;
    note(tally, `client ${index}: count ${body.count}, expected ${expected}`);
  }
  client.sid = body.sid;
  client.count = body.count;
  client.requests++;
  const set = reply.setCookie.find((line) => line.startsWith(`${cookieName}=`));
  const value = set?.slice(cookieName.length + 1).split(';')[0];
  if (value) client.cookie = `${cookieName}=${value}`;
}

/** One request of lane `lane` of an overlapping client: sets its key to the next number. */
async function laneStep(
  client: Client,
  index: number,
  lane: number,
  port: number,
  tally: Tally,
): Promise<void> {
  const value = client.lanes[lane] + 1;
  const before = [...client.lanes];
  const started = performance.now();
  let reply: Reply;
  try {
    reply = await get(client.agent, port, `/set?key=l${lane}&value=${value}`, client.cookie);
  } catch (error) {
    tally.errors++;
    note(tally, `client ${index}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  tally.latency.record(performance.now() - started);
  if (reply.status !== 200) {
    tally.errors++;
    note(tally, `client ${index}: status ${reply.status} ${reply.body.slice(0, 200)}`);
    return;
  }
  const session = JSON.parse(reply.body) as Record<string, string | undefined>;
  before.forEach((confirmed, other) => {
    const seen = Number(session[`l${other}`] ?? 0);
    if (other !== lane && seen < confirmed) {
      tally.lost++;
      note(tally, `client ${index}: lane ${other} seen at ${seen}, confirmed ${confirmed}`);
    }
  });
  client.lanes[lane] = Math.max(client.lanes[lane], value);
  client.requests++;
}

/** Lanes of a client whose final session differs from what they had confirmed. */
async function lanesLost(client: Client, port: number): Promise<number> {
  const reply = await get(client.agent, port, '/read', client.cookie);
  const data = (JSON.parse(reply.body) as { data?: Record<string, string> }).data ?? {};
  return client.lanes.filter((value, lane) => Number(data[`l${lane}`] ?? 0) !== value).length;
}

function collectGarbage(): number {
  for (let i = 0; i < 4; i++) global.gc!();
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<number> {
  const settings = parseArgs(process.argv.slice(2));
  if (typeof global.gc !== 'function') {
    console.error('soak: run with node --expose-gc (npm run soak does)');
    return 2;
  }
  // Bounded whatever happens: a stuck run is reported and ended.
  const limitS = (settings.durationS + 120) * settings.stores.length;
  const deadline = setTimeout(() => {
    console.error(`soak: did not finish within ${limitS} s`);
    process.exit(2);
  }, limitS * 1000);
  deadline.unref();

  let exitCode = 0;
  for (const store of settings.stores) exitCode = Math.max(exitCode, await soak(settings, store));
  return exitCode;
}

/** One store's run; 0 when it passed, 1 on any violation. */
async function soak(settings: Settings, store: string): Promise<number> {
  const config: Record<string, string | undefined> = { ...process.env, SESSION_TYPE: store };
  if (store === 'redis') {
    // The local Redis by default, under keys of this run only.
    config.SESSION_REDIS ??= 'redis://127.0.0.1:6379';
    config.SESSION_KEY_PREFIX ??= `soak:${process.pid}:`;
  }
  let tempDir: string | undefined;
  if (store === 'filesystem' && !config.SESSION_FILE_DIR) {
    tempDir = mkdtempSync(path.join(tmpdir(), 'session-soak-'));
    config.SESSION_FILE_DIR = tempDir;
  }
  // Pruning must not remove live sessions: keep room for every client.
  if (store === 'filesystem')
    config.SESSION_FILE_THRESHOLD ??= String(Math.max(500, settings.clients * 2));
  const options = sessionOptionsFromConfig(config);
  const cookieName = (options as CommonSessionOptions).cookie?.name ?? 'session';

  const module = SessionTestModule.with(options);
  const app: INestApplication =
    settings.platform === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), {
          logger: ['error'],
          abortOnError: false,
        })
      : await NestFactory.create(module, { logger: ['error'], abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;

  const tally: Tally = { errors: 0, lost: 0, crossed: 0, samples: [], latency: new Histogram() };
  const overlap = settings.overlap;
  const clients: Client[] = Array.from({ length: settings.clients }, () => ({
    agent: new Agent({ keepAlive: true, maxSockets: overlap }),
    count: 0,
    requests: 0,
    lanes: Array<number>(overlap).fill(0),
  }));
  // The first request of a client makes its session; overlapping lanes share it after.
  const run = (until: (client: Client) => boolean) =>
    Promise.all(
      clients.map(async (client, i) => {
        while (!client.cookie && !until(client)) await step(client, i, port, cookieName, tally);
        if (overlap === 1) {
          while (!until(client)) await step(client, i, port, cookieName, tally);
          return;
        }
        await Promise.all(
          client.lanes.map(async (_, lane) => {
            while (!until(client)) await laneStep(client, i, lane, port, tally);
          }),
        );
      }),
    );

  console.log(
    `soak: ${store} store over ${settings.platform}, ${settings.clients} clients` +
      (overlap > 1 ? ` × ${overlap} requests in flight` : '') +
      ', ' +
      `${settings.durationS} s, 127.0.0.1:${port}`,
  );
  let exitCode = 0;
  try {
    // Warm-up: every client has its session and the code paths are compiled.
    await run((client) => client.requests + tally.errors >= settings.warmupRequests);
    const heapBefore = collectGarbage();

    const started = performance.now();
    const endAt = started + settings.durationS * 1000;
    const requestsBefore = tally.latency.count;
    const progress = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      console.log(
        `  ${elapsed.toFixed(0)} s: ${tally.latency.count - requestsBefore} requests, ` +
          `${tally.errors} errors, heap ${mb(process.memoryUsage().heapUsed)}`,
      );
    }, 10_000);
    await run(() => performance.now() >= endAt);
    clearInterval(progress);
    const elapsedS = (performance.now() - started) / 1000;
    const heapAfter = collectGarbage();

    // Each session holds exactly what its client had confirmed.
    let mismatched = 0;
    for (const [i, client] of clients.entries()) {
      if (overlap > 1) {
        const lost = await lanesLost(client, port);
        if (lost) {
          mismatched++;
          note(tally, `client ${i}: ${lost} lanes differ from what they had confirmed`);
        }
        continue;
      }
      const reply = await get(client.agent, port, '/read', client.cookie);
      const stored = (JSON.parse(reply.body) as { data?: { count?: number } }).data?.count;
      if (reply.status !== 200 || stored !== client.requests) {
        mismatched++;
        note(tally, `client ${i}: session holds ${stored}, client made ${client.requests}`);
      }
    }

    const total = clients.reduce((sum, c) => sum + c.requests, 0);
    const measured = tally.latency.count - requestsBefore;
    const growth = (heapAfter - heapBefore) / heapBefore;
    const violations = [
      tally.errors && `${tally.errors} errors`,
      tally.lost && `${tally.lost} lost updates`,
      tally.crossed && `${tally.crossed} crossed updates`,
      mismatched && `${mismatched} sessions whose final count differs`,
      growth > settings.maxHeapGrowth && `heap grew ${(growth * 100).toFixed(1)} %`,
    ].filter(Boolean);
    const l = tally.latency;
    console.log(
      [
        `requests        ${total} in total, ${measured} in ${elapsedS.toFixed(1)} s (${(measured / elapsedS).toFixed(0)}/s)`,
        `latency (ms)    p50 ${l.percentile(0.5)}  p95 ${l.percentile(0.95)}  p99 ${l.percentile(0.99)}  max ${l.max.toFixed(1)}`,
        `errors          ${tally.errors}`,
        `lost updates    ${tally.lost}`,
        `crossed         ${tally.crossed}`,
        `final counts    ${clients.length - mismatched}/${clients.length} sessions hold exactly their client's requests`,
        `heap after GC   ${mb(heapBefore)} before, ${mb(heapAfter)} after (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %, limit +${settings.maxHeapGrowth * 100} %)`,
        `rss             ${mb(process.memoryUsage().rss)}`,
        ...tally.samples.map((s) => `  ${s}`),
        `result          ${violations.length ? `FAIL: ${violations.join(', ')}` : 'PASS'}`,
      ].join('\n'),
    );
    exitCode = violations.length ? 1 : 0;
    // The run's sessions are not left in the store.
    await Promise.all(clients.map((client) => get(client.agent, port, '/logout', client.cookie)));
  } finally {
    clients.forEach((client) => client.agent.destroy());
    await app.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
