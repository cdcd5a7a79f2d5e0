/**
 * The floor of a session read or write in the same Nest app: the handler
 * parses the cookie itself and issues one raw ioredis `GETEX` (`/read`) or a
 * `GET` and a `SET` (`/write`) on the key it names, with no session module.
 * `/new` makes the session the others use.
 */
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const COOKIE = 'session';
const TTL_MS = 31 * 24 * 3600 * 1000;

interface Counter {
  n?: number;
}

/** The value of the `session` cookie in a `Cookie` header. */
function sessionId(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === COOKIE) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Express's `res` and Fastify's `reply` both have `header(name, value)`. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

export function floorController(redis: Redis, keyPrefix: string) {
  @Controller()
  class FloorController {
    @Get('read')
    async read(@Headers('cookie') cookie: string | undefined): Promise<string> {
      const id = sessionId(cookie);
      const raw = id ? await redis.getexBuffer(keyPrefix + id, 'PX', TTL_MS) : null;
      const data = raw ? (JSON.parse(raw.toString()) as Counter) : {};
      return String(data.n ?? 0);
    }

    @Get('write')
    async write(@Headers('cookie') cookie: string | undefined): Promise<string> {
      const key = keyPrefix + (sessionId(cookie) ?? '');
      const raw = await redis.getBuffer(key);
      const data = raw ? (JSON.parse(raw.toString()) as Counter) : {};
      data.n = (data.n ?? 0) + 1;
      await redis.set(key, JSON.stringify(data), 'PX', TTL_MS);
      return String(data.n);
    }

    @Get('new')
    async create(@Res({ passthrough: true }) res: HeaderSetter): Promise<string> {
      const id = randomBytes(32).toString('base64url');
      await redis.set(keyPrefix + id, JSON.stringify({ n: 0 }), 'PX', TTL_MS);
      res.header('Set-Cookie', `${COOKIE}=${id}; Path=/; HttpOnly`);
      return 'new';
    }
  }
  return FloorController;
}
