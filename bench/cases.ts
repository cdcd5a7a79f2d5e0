/** A server process of the benchmark: a script under `bench/apps` and its settings. */
export interface BenchApp {
  id: string;
  label: string;
  script: string;
  env: Record<string, string>;
  /** The route to call once, without a cookie, to get the session cookie for the others. */
  cookieFrom?: string;
  /** Started against a Redis Cluster of three nodes on loopback (`BENCH_CLUSTER`). */
  cluster?: boolean;
  /** A Nest app: answers `/bench/loop-delay`. */
  nest?: boolean;
}

/**
 * Which session cookies a case sends (valid, existing sessions): none; one
 * session for every request; sessions spread so that no two requests in
 * flight share one (each user writes their own session); or two connections'
 * worth of requests on each session (two tabs writing at once).
 */
export type BenchSessions = 'none' | 'shared' | 'spread' | 'pairs';

/** One measured route of one app. */
export interface BenchCase {
  app: string;
  route: string;
  sessions: BenchSessions;
  /** The case's name when it is not its route. */
  label?: string;
}

const nestApp = (
  id: string,
  label: string,
  store: string,
  platform: 'express' | 'fastify',
  more: Partial<BenchApp> = {},
): BenchApp => ({
  id,
  label,
  script: 'nest.app.ts',
  env: { BENCH_STORE: store, BENCH_PLATFORM: platform },
  cookieFrom: store === 'none' ? undefined : store === 'floor' ? '/new' : '/write',
  nest: true,
  ...more,
});

/**
 * Sessions each signed in as a user of their own, with `userKey` set or not:
 * the pair measures what indexing sessions by user costs, on the same data.
 */
const signedInApp = (id: string, label: string, store: string, userKey: boolean): BenchApp => {
  const app = nestApp(id, label, store, 'express', { cookieFrom: '/sign-in' });
  return userKey ? { ...app, env: { ...app.env, BENCH_USER_KEY: 'user' } } : app;
};

export const APPS: readonly BenchApp[] = [
  nestApp('nest-redis', 'Nest (Express) + SessionModule, Redis', 'redis', 'express'),
  nestApp('nest-none', 'Nest (Express) without SessionModule', 'none', 'express'),
  nestApp(
    'nest-floor',
    'Nest (Express), cookie parsed + one raw ioredis call by hand',
    'floor',
    'express',
  ),
  {
    id: 'express-session',
    label: 'Express + express-session + connect-redis',
    script: 'express-session.app.ts',
    env: {},
    cookieFrom: '/write',
  },
  nestApp('nest-fastify-redis', 'Nest (Fastify) + SessionModule, Redis', 'redis', 'fastify'),
  nestApp('nest-fastify-none', 'Nest (Fastify) without SessionModule', 'none', 'fastify'),
  nestApp(
    'nest-fastify-floor',
    'Nest (Fastify), cookie parsed + one raw ioredis call by hand',
    'floor',
    'fastify',
  ),
  nestApp(
    'nest-redis-cluster',
    'Nest (Express) + SessionModule, Redis Cluster (3 nodes)',
    'redis-cluster',
    'express',
    { cluster: true },
  ),
  nestApp('nest-filesystem', 'Nest (Express) + SessionModule, filesystem', 'filesystem', 'express'),
  signedInApp(
    'nest-redis-signed-in',
    'Nest (Express) + SessionModule, Redis, signed in',
    'redis',
    false,
  ),
  signedInApp(
    'nest-redis-users',
    'Nest (Express) + SessionModule, Redis, signed in, userKey',
    'redis',
    true,
  ),
  signedInApp(
    'nest-filesystem-signed-in',
    'Nest (Express) + SessionModule, filesystem, signed in',
    'filesystem',
    false,
  ),
  signedInApp(
    'nest-filesystem-users',
    'Nest (Express) + SessionModule, filesystem, signed in, userKey',
    'filesystem',
    true,
  ),
  nestApp(
    'nest-filesystem-async',
    'Nest (Express) + SessionModule, filesystem, asynchronous I/O only',
    'filesystem-async',
    'express',
  ),
  {
    id: 'express-session-file',
    label: 'Express + express-session + session-file-store',
    script: 'express-session.app.ts',
    env: { BENCH_STORE: 'file' },
    cookieFrom: '/write',
  },
];

const sessionRoutes = (app: string): BenchCase[] => [
  { app, route: '/plain', sessions: 'none' },
  { app, route: '/read', sessions: 'shared' },
  { app, route: '/write', sessions: 'spread' },
  { app, route: '/write', sessions: 'pairs', label: '/write-conflict' },
  { app, route: '/new', sessions: 'none' },
];

const readWrite = (app: string): BenchCase[] => [
  { app, route: '/read', sessions: 'shared' },
  { app, route: '/write', sessions: 'spread' },
];

export const CASES: readonly BenchCase[] = [
  ...sessionRoutes('nest-redis'),
  { app: 'nest-none', route: '/plain', sessions: 'none' },
  ...readWrite('nest-floor'),
  ...sessionRoutes('express-session'),
  { app: 'nest-fastify-redis', route: '/plain', sessions: 'none' },
  ...readWrite('nest-fastify-redis'),
  { app: 'nest-fastify-none', route: '/plain', sessions: 'none' },
  ...readWrite('nest-fastify-floor'),
  { app: 'nest-redis-cluster', route: '/read', sessions: 'shared' },
  ...readWrite('nest-filesystem'),
  ...readWrite('nest-redis-signed-in'),
  ...readWrite('nest-redis-users'),
  ...readWrite('nest-filesystem-signed-in'),
  ...readWrite('nest-filesystem-users'),
  ...readWrite('nest-filesystem-async'),
  ...readWrite('express-session-file'),
];

export const caseName = (c: BenchCase): string => `${c.app} ${c.label ?? c.route}`;
