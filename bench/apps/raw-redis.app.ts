/**
 * The floor: plain Express routes doing one raw Redis `GET` (`/raw-get`) or a
 * `GET` and a `SET` (`/raw-getset`) per request through ioredis, with no
 * session logic at all.
 */
import express from 'express';
import { Redis } from 'ioredis';
import type { Server } from 'node:http';
import { benchEnv, closeOnSignal } from './bench-env';

const env = benchEnv();
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const key = `${env.keyPrefix}raw`;
const app = express();

app.get('/plain', (_req, res) => {
  res.send('ok');
});

app.get('/raw-get', (_req, res, next) => {
  redis.getBuffer(key).then((value) => res.send(String(value?.length ?? 0)), next);
});

app.get('/raw-getset', (_req, res, next) => {
  redis
    .getBuffer(key)
    .then((value) => redis.set(key, value ?? Buffer.from('{"n":0}'), 'PX', 60_000))
    .then(() => res.send('ok'), next);
});

const server: Server = app.listen(env.port, '127.0.0.1');
closeOnSignal(async () => {
  await new Promise((resolve) => server.close(resolve));
  await redis.del(key);
  await redis.quit();
});
