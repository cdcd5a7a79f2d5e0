/**
 * Saving a session from its response, the way express-session does: the Node
 * response of a request that opened a session holds back its headers (the
 * first `writeHead`, `write`, `flushHeaders` or `end`) until the session is
 * saved, and its `end` until changes made after the headers are stored. So
 * every path out (handler, guard, pipe, filter, redirect, view, stream, SSE,
 * `@Res()`) is covered, and routes that open no session are never touched.
 */
import { HttpException, Logger } from '@nestjs/common';
import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import type { FastifyReplyLike } from '../interfaces';
import { addVary, putSessionCookie } from './http-response';

const RESPONSE = Symbol('session response');
const logger = new Logger('SessionModule');

type Linked = { res?: unknown; [RESPONSE]?: ServerResponse };

/** Links a request to its Node response where the framework does not (Fastify). */
export function linkResponse(request: object, response: ServerResponse): void {
  (request as Linked)[RESPONSE] = response;
}

/** The Node response of `request`: Express keeps it as `req.res`, Fastify through {@link linkResponse}. */
export function responseOf(request: object): ServerResponse | undefined {
  const { res, [RESPONSE]: linked } = request as Linked;
  return res instanceof ServerResponse ? res : linked;
}

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

  /** Puts them on the response, keeping what the application set there. */
  apply(): void {
    for (const cookie of this.cookies ?? []) putSessionCookie(this.raw, this.cookieName, cookie);
    if (this.vary !== undefined) addVary(this.raw, this.vary);
  }
}

/** What a held response asks of the session it waits for. */
export interface ResponseSaver {
  /** The save the response waits for, or `undefined` when nothing needs saving. */
  pending(): Promise<void> | undefined;
  readonly headers: SessionHeaders;
}

type Call = () => void;
type Method = (this: ServerResponse, ...args: unknown[]) => unknown;

/** Makes `res` wait for `saver` before its headers go out and before it ends. */
export function holdResponse(res: ServerResponse, saver: ResponseSaver): void {
  const writeHead = res.writeHead as Method;
  const write = res.write as Method;
  const end = res.end as Method;
  const flushHeaders = res.flushHeaders as Method;
  const { headers } = saver;
  let queue: Call[] | undefined;
  let ready = false;
  let drainOwed = false;

  const putHeaders = () => {
    ready = true;
    if (!headers.isEmpty && !res.headersSent) headers.apply();
  };
  const release = () => {
    const calls = queue ?? [];
    queue = undefined;
    try {
      if (!ready) putHeaders();
      for (const call of calls) call();
    } catch (error) {
      logger.error(`Writing a response held for its session failed: ${String(error)}`);
      res.destroy();
      return;
    }
    if (drainOwed && !res.writableNeedDrain) res.emit('drain');
    drainOwed = false;
  };
  const fail = (error: unknown) => {
    // The store layer logged its own failure; a response that is an error already stays one.
    if (!(error instanceof HttpException))
      logger.error(`Saving the session failed: ${String(error)}`);
    if (res.headersSent || res.statusCode >= 400) return release();
    queue = undefined;
    ready = true;
    answerError(res, error, writeHead, end);
  };
  const hold = (saving: Promise<void>, call: Call) => {
    queue = [call];
    saving.then(release, fail);
  };
  /** Holds `call` behind a save when one is needed; otherwise puts the session's headers. */
  const held = (call: Call): boolean => {
    const saving = saver.pending();
    if (saving) hold(saving, call);
    else putHeaders();
    return saving !== undefined;
  };
  const beforeHeaders = () => !ready && !res.headersSent;

  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!queue && !beforeHeaders()) return writeHead.apply(res, args);
    const saving = queue ? undefined : saver.pending();
    if (!queue && !saving && headers.isEmpty) {
      ready = true;
      return writeHead.apply(res, args);
    }
    // Its headers object would win over the session's: it is moved onto the response first.
    const rest = moveHeaders(res, args);
    const call = () => void writeHead.apply(res, rest);
    if (queue) queue.push(call);
    else if (saving) hold(saving, call);
    else {
      putHeaders();
      return writeHead.apply(res, rest);
    }
    return res;
  } as ServerResponse['writeHead'];

  res.write = function (this: ServerResponse, ...args: unknown[]) {
    const call = () => void write.apply(res, args);
    if (queue) queue.push(call);
    else if (!beforeHeaders() || !held(call)) return write.apply(res, args);
    drainOwed = true;
    return false;
  } as ServerResponse['write'];

  res.flushHeaders = function (this: ServerResponse) {
    const call = () => void flushHeaders.call(res);
    if (queue) queue.push(call);
    else if (!beforeHeaders() || !held(call)) flushHeaders.call(res);
  };

  res.end = function (this: ServerResponse, ...args: unknown[]) {
    const call = () => void end.apply(res, args);
    if (queue) {
      queue.push(call);
      return res;
    }
    if (beforeHeaders()) return held(call) ? res : end.apply(res, args);
    // Headers are out: changes made since are stored before the response ends.
    const saving = saver.pending();
    if (!saving) return end.apply(res, args);
    queue = [call];
    saving.then(release, (error: unknown) => {
      logger.error(`Saving the session at the end of the response failed: ${String(error)}`);
      release();
    });
    return res;
  } as ServerResponse['end'];
}

/** `writeHead`'s headers object copied onto the response (as Node does); returns the rest of its arguments. */
function moveHeaders(res: ServerResponse, args: unknown[]): unknown[] {
  const [status, second, third] = args;
  const reason = typeof second === 'string' ? second : undefined;
  const given = (reason === undefined ? second : third) as OutgoingHttpHeaders | unknown[] | null;
  if (Array.isArray(given)) {
    for (let i = 0; i + 1 < given.length; i += 2)
      res.setHeader(String(given[i]), given[i + 1] as string);
  } else if (given) {
    for (const name of Object.keys(given)) res.setHeader(name, given[name]!);
  }
  return reason === undefined ? [status] : [status, reason];
}

/** Answers in place of a response whose session could not be saved, as Nest's exception filter would. */
function answerError(res: ServerResponse, error: unknown, writeHead: Method, end: Method): void {
  const status = error instanceof HttpException ? error.getStatus() : 500;
  const answer = error instanceof HttpException ? error.getResponse() : undefined;
  const body = JSON.stringify(
    typeof answer === 'object' && answer !== null
      ? answer
      : { statusCode: status, message: answer ?? 'Internal server error' },
  );
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  writeHead.call(res, status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  end.call(res, body);
}
