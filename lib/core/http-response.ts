/** Writing `Set-Cookie` and `Vary` on an Express response or a Fastify reply. */
import { ServerResponse } from 'node:http';
import type { FastifyReplyLike, SessionResponse } from '../interfaces';

function isFastifyReply(response: SessionResponse): response is FastifyReplyLike {
  // instanceof first: `in` on an Express response searches its long prototype chain.
  if (response instanceof ServerResponse) return false;
  return 'raw' in response && typeof (response as FastifyReplyLike).header === 'function';
}

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** The Node response under an Express response or a Fastify reply. */
export function rawResponse(response: SessionResponse): ServerResponse {
  return isFastifyReply(response) ? response.raw : response;
}

/** `GET /path` (Express's route pattern when known), for log messages. */
export function describeRoute(response: ServerResponse): string {
  const request = response.req as
    (ServerResponse['req'] & { baseUrl?: string; route?: { path?: unknown } }) | undefined;
  if (!request) return 'a response';
  const route = request.route?.path;
  const path =
    typeof route === 'string' ? (request.baseUrl ?? '') + route : request.url?.split('?')[0];
  return `${request.method ?? ''} ${path ?? ''}`.trim();
}

export function headersSent(response: SessionResponse): boolean {
  return isFastifyReply(response)
    ? response.sent || response.raw.headersSent
    : response.headersSent;
}

/**
 * Sets the session cookie `name`: other `Set-Cookie` headers the handler set
 * are kept, and one the session set earlier in the response (a save before this
 * one) is replaced, so a response carries at most one session cookie.
 */
export function putSessionCookie(response: SessionResponse, name: string, cookie: string): void {
  const fastify = isFastifyReply(response);
  const current = fastify ? response.getHeader('set-cookie') : response.getHeader('Set-Cookie');
  if (current === undefined) {
    if (fastify) response.header('set-cookie', cookie);
    else response.setHeader('Set-Cookie', cookie);
    return;
  }
  const prefix = `${name}=`;
  const kept = [...asList(current).filter((value) => !value.startsWith(prefix)), cookie];
  if (!fastify) return void response.setHeader('Set-Cookie', kept);
  // Fastify appends repeated set-cookie headers, so the list is written anew.
  response.removeHeader('set-cookie');
  for (const value of kept) response.header('set-cookie', value);
}

/** Adds `field` to `Vary`, keeping what the handler set. */
export function addVary(response: SessionResponse, field: string): void {
  const fastify = isFastifyReply(response);
  const header = fastify ? response.getHeader('vary') : response.getHeader('Vary');
  if (header === undefined) {
    if (fastify) response.header('vary', field);
    else response.setHeader('Vary', field);
    return;
  }
  const fields = asList(header)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (fields.some((v) => v === '*' || v.toLowerCase() === field.toLowerCase())) return;
  const value = [...fields, field].join(', ');
  if (fastify) response.header('vary', value);
  else response.setHeader('Vary', value);
}
