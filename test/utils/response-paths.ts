import type { INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { SessionStore, TaggedJsonSerializer } from '../../lib';
import { setCookies, type ParsedSetCookie } from './cookies';
import type { Platform } from './platforms';

const json = new TaggedJsonSerializer();

export interface PathApp {
  app: INestApplication;
  /** The stored session of `sid` (`{ p, d }`), or undefined. */
  stored(sid: string): Promise<{ p: boolean; d: Record<string, unknown> } | undefined>;
}

/**
 * Builds and starts `module` on `platform`, letting `configure` set the app up
 * first (a view engine, say).
 */
export async function startApp(
  platform: Platform,
  module: Type,
  configure?: (app: NestExpressApplication | NestFastifyApplication) => void,
): Promise<PathApp> {
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication<NestExpressApplication>({ logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
          logger: false,
        });
  configure?.(app);
  await app.init();
  if (platform === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  const store = app.get<SessionStore>(SessionStore);
  return {
    app,
    stored: async (sid) => {
      const bytes = await store.get(`session:${sid}`);
      return bytes ? (json.loads(bytes) as { p: boolean; d: Record<string, unknown> }) : undefined;
    },
  };
}

/**
 * The one `Set-Cookie` header of a response, which must be the session's with
 * the module's default attributes (a permanent session of 31 days).
 */
export function onlySessionCookie(headers: Record<string, unknown>): ParsedSetCookie {
  const cookies = setCookies(headers);
  expect(cookies).toHaveLength(1);
  const [cookie] = cookies;
  expect(cookie.name).toBe('session');
  expect(cookie.value).toMatch(/^[\w-]{43}$/);
  expect(cookie.attributes).toEqual({
    path: '/',
    httponly: true,
    // 31 days, less a second when a millisecond passed between the expiry and the header
    'max-age': expect.stringMatching(/^(2678400|2678399)$/),
    expires: expect.any(String),
  });
  expect(Date.parse(cookie.attributes.expires as string) - Date.now()).toBeGreaterThan(2678300_000);
  return cookie;
}
