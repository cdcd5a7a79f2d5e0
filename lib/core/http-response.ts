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

export function headersSent(response: SessionResponse): boolean {
  return isFastifyReply(response)
    ? response.sent || response.raw.headersSent
    : response.headersSent;
}

/** Adds a `Set-Cookie` header, keeping any the handler set. */
export function appendSetCookie(response: SessionResponse, cookie: string): void {
  if (isFastifyReply(response)) {
    // Fastify appends repeated set-cookie headers by itself.
    response.header('set-cookie', cookie);
    return;
  }
  const current = response.getHeader('Set-Cookie');
  response.setHeader('Set-Cookie', current === undefined ? cookie : [...asList(current), cookie]);
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
