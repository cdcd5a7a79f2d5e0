/** The session's response headers, kept until the response sends its own. */
import type { ServerResponse } from 'node:http';
import type { FastifyReplyLike, SessionResponse } from '../interfaces';
import { addVary, putSessionCookie } from './http-response';

/**
 * Where saves put the session's `Set-Cookie` and `Vary`: kept aside and put on
 * the response just before its headers go out, because a save can end after a
 * framework copied the headers it will send (Nest's SSE, Fastify's replies).
 */
export class SessionHeaders implements FastifyReplyLike {
  readonly sent = false;
  private cookies?: string[];
  private vary?: string;

  constructor(
    readonly raw: ServerResponse,
    private readonly cookieName: string,
  ) {}

  get isEmpty(): boolean {
    return this.cookies === undefined && this.vary === undefined;
  }

  getHeader(name: string): unknown {
    return name === 'set-cookie' ? this.cookies : name === 'vary' ? this.vary : undefined;
  }

  header(name: string, value: unknown): this {
    if (name === 'set-cookie') (this.cookies ??= []).push(String(value));
    else if (name === 'vary') this.vary = String(value);
    return this;
  }

  removeHeader(name: string): this {
    if (name === 'set-cookie') this.cookies = undefined;
    else if (name === 'vary') this.vary = undefined;
    return this;
  }

  /** Puts them on `target` (the response), keeping what the application set there. */
  apply(target: SessionResponse = this.raw): void {
    for (const cookie of this.cookies ?? []) putSessionCookie(target, this.cookieName, cookie);
    if (this.vary !== undefined) addVary(target, this.vary);
  }
}

/**
 * The headers object given to `writeHead`, seen as a reply, so the session's
 * cookie and `Vary` are merged into it as into the response (cheaper than
 * moving every header onto the response, which Node then validates one by one).
 */
export class HeadersObject implements FastifyReplyLike {
  readonly sent = false;

  private constructor(
    readonly raw: ServerResponse,
    private readonly headers: Record<string, unknown>,
  ) {}

  /** The headers object of `writeHead(...args)`, unless the response itself holds headers it would hide. */
  static of(res: ServerResponse, args: unknown[]): HeadersObject | undefined {
    const given = typeof args[1] === 'string' ? args[2] : args[1];
    if (!given || typeof given !== 'object' || Array.isArray(given)) return undefined;
    if (res.hasHeader('set-cookie') || res.hasHeader('vary')) return undefined;
    return new HeadersObject(res, given as Record<string, unknown>);
  }

  getHeader(name: string): unknown {
    return this.headers[this.key(name)];
  }

  /** Repeated `set-cookie` values are appended, as Fastify's `reply.header()` does. */
  header(name: string, value: unknown): this {
    const key = this.key(name);
    const current = this.headers[key];
    this.headers[key] =
      name === 'set-cookie' && current !== undefined
        ? [...(Array.isArray(current) ? current : [current]), value]
        : value;
    return this;
  }

  removeHeader(name: string): this {
    delete this.headers[this.key(name)];
    return this;
  }

  private key(name: string): string {
    if (name in this.headers) return name;
    for (const key of Object.keys(this.headers)) if (key.toLowerCase() === name) return key;
    return name;
  }
}
