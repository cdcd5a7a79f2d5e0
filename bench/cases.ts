/** A server process of the benchmark: a script under `bench/apps` and its settings. */
export interface BenchApp {
  id: string;
  label: string;
  script: string;
  env: Record<string, string>;
  /** The route to call once, without a cookie, to get the session cookie for the others. */
  cookieFrom?: string;
}

/** One measured route of one app. */
export interface BenchCase {
  app: string;
  route: string;
  /** Send the app's session cookie (a valid, existing session). */
  withCookie: boolean;
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
  { app, route: '/plain', withCookie: false },
  { app, route: '/read', withCookie: true },
  { app, route: '/write', withCookie: true },
  { app, route: '/new', withCookie: false },
];

export const CASES: readonly BenchCase[] = [
  ...sessionRoutes('nest-redis'),
  { app: 'nest-none', route: '/plain', withCookie: false },
  ...sessionRoutes('express-session'),
  { app: 'floor', route: '/raw-get', withCookie: false },
  { app: 'floor', route: '/raw-getset', withCookie: false },
  { app: 'nest-fastify-redis', route: '/read', withCookie: true },
  { app: 'nest-fastify-redis', route: '/write', withCookie: true },
  { app: 'nest-filesystem', route: '/read', withCookie: true },
  { app: 'nest-filesystem', route: '/write', withCookie: true },
];

export const caseName = (c: BenchCase): string => `${c.app} ${c.route}`;
