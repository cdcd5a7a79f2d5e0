/**
 * The anchor: express-session on plain Express, the same four routes as the
 * Nest app, `resave: false, saveUninitialized: false`, with connect-redis, or
 * with session-file-store in `BENCH_DIR` when `BENCH_STORE` is `file`.
 */
import { RedisStore } from 'connect-redis';
import express from 'express';
import session, { type Store } from 'express-session';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createClient } from 'redis';
import createFileStore from 'session-file-store';
import { benchEnv, closeOnSignal } from './bench-env';

declare module 'express-session' {
  interface SessionData {
    n: number;
    user: string;
  }
}

async function main(): Promise<void> {
  const env = benchEnv();
  const client = createClient({ url: 'redis://127.0.0.1:6379' });
  let store: Store;
  if (process.env.BENCH_STORE === 'file') {
    mkdirSync(env.dir, { recursive: true });
    const FileStore = createFileStore(session);
    store = new FileStore({ path: env.dir, retries: 0, logFn: () => undefined });
  } else {
    await client.connect();
    store = new RedisStore({ client, prefix: env.keyPrefix });
  }
  const app = express();
  app.use(
    session({
      store,
      secret: env.secret,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 31 * 24 * 3600 * 1000, httpOnly: true },
    }),
  );
  app.get('/plain', (_req, res) => {
    res.send('ok');
  });
  app.get('/read', (req, res) => {
    res.send(String(req.session.n ?? 0));
  });
  app.get('/write', (req, res) => {
    req.session.n = (req.session.n ?? 0) + 1;
    res.send(String(req.session.n));
  });
  app.get('/new', (req, res) => {
    req.session.user = 'bench';
    res.send('new');
  });
  const server: Server = app.listen(env.port, '127.0.0.1');
  closeOnSignal(async () => {
    await new Promise((resolve) => server.close(resolve));
    if (client.isOpen) await client.quit();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
