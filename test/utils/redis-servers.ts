import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import {
  freePort,
  startServer,
  waitForPort,
  type ServerProcess,
} from '../../lib/testing/server-process.util';

const run = promisify(execFile);
const INSTALL_HINT = 'Install it with: apt-get update && apt-get install -y redis-server';

/** The Redis every test machine runs. */
export const STANDALONE_REDIS = { host: '127.0.0.1', port: 6379 };
export const STANDALONE_REDIS_URL = `redis://${STANDALONE_REDIS.host}:${STANDALONE_REDIS.port}`;

/** Fails with a clear message when the standalone Redis is not running. */
export async function requireStandaloneRedis(): Promise<void> {
  try {
    await waitForPort(STANDALONE_REDIS.port, 2000, STANDALONE_REDIS.host);
  } catch {
    throw new Error(
      `These tests need Redis at ${STANDALONE_REDIS_URL}. Start it with "redis-server --daemonize yes" ` +
        `(${INSTALL_HINT}).`,
    );
  }
}

/** Removes every key under `prefix` from the standalone Redis. */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(STANDALONE_REDIS);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export function ready(client: Redis | Cluster, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis client not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** A throw-away `redis-server` (no persistence) on `port`, a free one by default. */
export async function startRedisServer(port?: number): Promise<ServerProcess> {
  const p = port ?? (await freePort());
  return startServer(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    p,
    { installHint: INSTALL_HINT },
  );
}

export interface RedisClusterProcess {
  /** The client ports of the three masters. */
  ports: number[];
  /** A seed list for `new Cluster(nodes)`. */
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function clusterState(port: number): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      'cluster',
      'info',
    ]);
    return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  }
}

/**
 * A Redis Cluster of three masters on free loopback ports (data and
 * `nodes.conf` in a temporary directory), ready when every node says
 * `cluster_state:ok`. `stop()` stops the servers and removes the directory.
 */
export async function startRedisCluster(timeoutMs = 30_000): Promise<RedisClusterProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-cluster-'));
  const servers: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Client ports and cluster bus ports, chosen explicitly: port + 10000 may be taken or out of range.
    const [p1, p2, p3, b1, b2, b3] = await distinctFreePorts(6);
    const ports = [p1, p2, p3];
    const bus = [b1, b2, b3];
    for (const [i, port] of ports.entries()) {
      servers.push(
        await startServer(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(bus[i]),
            '--cluster-config-file',
            path.join(dir, `nodes-${port}.conf`),
            '--dir',
            dir,
            '--save',
            '',
            '--appendonly',
            'no',
          ],
          port,
          { installHint: INSTALL_HINT },
        ),
      );
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-yes'],
      { timeout: timeoutMs },
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(ports.map(clusterState));
      if (states.every((state) => state === 'ok')) break;
      if (Date.now() > deadline)
        throw new Error(`Redis Cluster not ok after ${timeoutMs} ms: ${states.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return { ports, nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
