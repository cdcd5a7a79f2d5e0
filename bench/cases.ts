/** A server process of the benchmark: a script under `bench/apps` and its settings. */
export interface BenchApp {
  id: string;
  label: string;
  script: string;
  env: Record<string, string>;
  /** The route to call once, without a cookie, to get the session cookie for the others. */
  cookieFrom?: string;
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

export const APPS: readonly BenchApp[] = [
  {
    id: 'nest-redis',
    label: 'Nest (Express) + SessionModule, Redis',
    script: 'nest.app.ts',
    env: { BENCH_STORE: 'redis', BENCH_PLATFORM: 'express' },
    cookieFrom: '/write',
  },
  {
    id: 'nest-none',
    label: 'Nest (Express) without SessionModule',
    script: 'nest.app.ts',
    env: { BENCH_STORE: 'none', BENCH_PLATFORM: 'express' },
  },
  {
    id: 'express-session',
    label: 'Express + express-session + connect-redis',
    script: 'express-session.app.ts',
    env: {},
    cookieFrom: '/write',
  },
  {
    id: 'floor',
    label: 'Express + raw ioredis (floor)',
    script: 'raw-redis.app.ts',
    env: {},
  },
  {
    id: 'nest-fastify-redis',
    label: 'Nest (Fastify) + SessionModule, Redis',
    script: 'nest.app.ts',
    env: { BENCH_STORE: 'redis', BENCH_PLATFORM: 'fastify' },
    cookieFrom: '/write',
  },
  {
    id: 'nest-filesystem',
    label: 'Nest (Express) + SessionModule, filesystem',
    script: 'nest.app.ts',
    env: { BENCH_STORE: 'filesystem', BENCH_PLATFORM: 'express' },
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

export const CASES: readonly BenchCase[] = [
  ...sessionRoutes('nest-redis'),
  { app: 'nest-none', route: '/plain', sessions: 'none' },
  ...sessionRoutes('express-session'),
  { app: 'floor', route: '/raw-get', sessions: 'none' },
  { app: 'floor', route: '/raw-getset', sessions: 'none' },
  { app: 'nest-fastify-redis', route: '/read', sessions: 'shared' },
  { app: 'nest-fastify-redis', route: '/write', sessions: 'spread' },
  { app: 'nest-filesystem', route: '/read', sessions: 'shared' },
  { app: 'nest-filesystem', route: '/write', sessions: 'spread' },
];

export const caseName = (c: BenchCase): string => `${c.app} ${c.label ?? c.route}`;
