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
import { openedSession } from './request-sessions';
import type { ServerSideSession } from './server-side-session';
import { HeadersObject, type SessionHeaders } from './session-headers';

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

/** What a held response asks of the session interface. */
export interface ResponseSaver {
  /** The save `session` needs before the response goes on, or `undefined` when none. */
  pendingSave(session: ServerSideSession, headers: SessionHeaders): Promise<void> | undefined;
}

type Call = () => void;
type Method = (this: ServerResponse, ...args: unknown[]) => unknown;
const METHODS = ['writeHead', 'write', 'flushHeaders', 'end'] as const;
type Methods = Record<(typeof METHODS)[number], Method>;

const ORIGINALS = Symbol('methods before the session hold');
const HOLD = Symbol('session hold');
type Holdable = ServerResponse & { [ORIGINALS]?: Methods; [HOLD]?: ResponseHold };
type HeldSession = ServerSideSession & { [HOLD]?: ResponseHold };

/**
 * The hold of an Express response, kept on its request's session: a new
 * property on an Express response, or a WeakMap entry per response, costs V8
 * several microseconds (measured); the request's session is looked up anyway.
 */
function holdOf(res: ServerResponse): ResponseHold | undefined {
  const session = res.req && (openedSession(res.req) as HeldSession | undefined);
  const hold = session?.[HOLD];
  return hold?.res === res ? hold : undefined;
}
const byPrototype = new WeakMap<object, Methods>();

function originalsOf(source: ServerResponse): Methods {
  const [writeHead, write, flushHeaders, end] = METHODS.map((name) => source[name] as Method);
  return { writeHead, write, flushHeaders, end };
}

/** The methods of `res`, shared by all responses of its prototype unless it has its own. */
function methodsOf(res: ServerResponse): Methods {
  if (METHODS.some((name) => Object.hasOwn(res, name))) return originalsOf(res);
  const prototype = Object.getPrototypeOf(res) as ServerResponse;
  let methods = byPrototype.get(prototype);
  if (!methods) byPrototype.set(prototype, (methods = originalsOf(prototype)));
  return methods;
}

/**
 * Lets the responses inheriting from `prototype` (an Express app's
 * `app.response`) be held without giving each response methods of its own,
 * which costs V8 about 10 µs per Express response (measured; not so for a
 * plain Node response): the methods look up the hold of their response, and
 * do what they did when it has none.
 */
export function makeResponsesHoldable(prototype: ServerResponse): void {
  if (Object.hasOwn(prototype, ORIGINALS)) return;
  const originals = originalsOf(prototype);
  (prototype as Holdable)[ORIGINALS] = originals;
  for (const name of METHODS) {
    const original = originals[name];
    prototype[name] = function (this: ServerResponse, ...args: unknown[]) {
      const hold = holdOf(this);
      return hold ? hold[name](args) : original.apply(this, args);
    } as never;
  }
}

/** The methods a plain Node response (Fastify's) is given while held: one set for all. */
const HELD_METHODS: Methods = {
  writeHead(...args) {
    return (this as Holdable)[HOLD]!.writeHead(args);
  },
  write(...args) {
    return (this as Holdable)[HOLD]!.write(args);
  },
  flushHeaders() {
    return (this as Holdable)[HOLD]!.flushHeaders();
  },
  end(...args) {
    return (this as Holdable)[HOLD]!.end(args);
  },
};

/** Makes `res` save `session` before its headers go out and before it ends. */
export function holdResponse(
  res: ServerResponse,
  session: ServerSideSession,
  saver: ResponseSaver,
  headers: SessionHeaders,
): void {
  const inherited = (res as Holdable)[ORIGINALS];
  const hold = new ResponseHold(res, session, saver, headers, inherited ?? methodsOf(res));
  if (inherited) return void ((session as HeldSession)[HOLD] = hold);
  (res as Holdable)[HOLD] = hold;
  for (const name of METHODS) res[name] = HELD_METHODS[name] as never;
}

class ResponseHold {
  /** Calls waiting for a save. */
  private queue?: Call[];
  /** The session's headers are on the response: what follows goes straight out. */
  private ready = false;
  private drainOwed = false;
  /** Where the session's headers go: the response, or the headers object of its `writeHead`. */
  private target?: FastifyReplyLike;

  constructor(
    readonly res: ServerResponse,
    private readonly session: ServerSideSession,
    private readonly saver: ResponseSaver,
    private readonly headers: SessionHeaders,
    private readonly original: Methods,
  ) {}

  private pending(): Promise<void> | undefined {
    return this.saver.pendingSave(this.session, this.headers);
  }

  writeHead(args: unknown[]): unknown {
    const { res, original } = this;
    if (!this.queue && !this.beforeHeaders()) return original.writeHead.apply(res, args);
    const saving = this.queue ? undefined : this.pending();
    if (!this.queue && !saving && this.headers.isEmpty) {
      this.ready = true;
      return original.writeHead.apply(res, args);
    }
    // Its headers object would win over the response's: the session's go into it, or it is
    // moved onto the response when both have some.
    const into = this.queue ? undefined : HeadersObject.of(res, args);
    const rest = into ? args : moveHeaders(res, args);
    this.target = into;
    const call = () => void original.writeHead.apply(res, rest);
    if (this.queue) this.queue.push(call);
    else if (saving) this.hold(saving, call);
    else {
      this.putHeaders();
      return original.writeHead.apply(res, rest);
    }
    return res;
  }

  write(args: unknown[]): unknown {
    const { res, original } = this;
    const call = () => void original.write.apply(res, args);
    if (this.queue) this.queue.push(call);
    else if (!this.beforeHeaders() || !this.held(call)) return original.write.apply(res, args);
    this.drainOwed = true;
    return false;
  }

  flushHeaders(): unknown {
    const { res, original } = this;
    const call = () => void original.flushHeaders.call(res);
    if (this.queue) this.queue.push(call);
    else if (!this.beforeHeaders() || !this.held(call)) original.flushHeaders.call(res);
    return undefined;
  }

  end(args: unknown[]): unknown {
    const { res, original } = this;
    const call = () => void original.end.apply(res, args);
    if (this.queue) {
      this.queue.push(call);
      return res;
    }
    if (this.beforeHeaders()) return this.held(call) ? res : original.end.apply(res, args);
    // Headers are out: changes made since are stored before the response ends.
    const saving = this.pending();
    if (!saving) return original.end.apply(res, args);
    this.queue = [call];
    saving.then(
      () => this.release(),
      (error: unknown) => {
        logger.error(`Saving the session at the end of the response failed: ${String(error)}`);
        this.release();
      },
    );
    return res;
  }

  private beforeHeaders(): boolean {
    return !this.ready && !this.res.headersSent;
  }

  /** Holds `call` behind a save when one is needed; otherwise puts the session's headers. */
  private held(call: Call): boolean {
    const saving = this.pending();
    if (saving) this.hold(saving, call);
    else this.putHeaders();
    return saving !== undefined;
  }

  private hold(saving: Promise<void>, call: Call): void {
    this.queue = [call];
    saving.then(
      () => this.release(),
      (error: unknown) => this.fail(error),
    );
  }

  private putHeaders(): void {
    this.ready = true;
    if (!this.headers.isEmpty && !this.res.headersSent) this.headers.apply(this.target ?? this.res);
  }

  private release(): void {
    const { res } = this;
    const calls = this.queue ?? [];
    this.queue = undefined;
    try {
      if (!this.ready) this.putHeaders();
      for (const call of calls) call();
    } catch (error) {
      logger.error(`Writing a response held for its session failed: ${String(error)}`);
      res.destroy();
      return;
    }
    if (this.drainOwed && !res.writableNeedDrain) res.emit('drain');
    this.drainOwed = false;
  }

  private fail(error: unknown): void {
    const { res } = this;
    // The store layer logged its own failure; a response that is an error already stays one.
    if (!(error instanceof HttpException))
      logger.error(`Saving the session failed: ${String(error)}`);
    if (res.headersSent || res.statusCode >= 400) return this.release();
    this.queue = undefined;
    this.ready = true;
    answerError(res, error, this.original);
  }
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
function answerError(res: ServerResponse, error: unknown, original: Methods): void {
  const status = error instanceof HttpException ? error.getStatus() : 500;
  const answer = error instanceof HttpException ? error.getResponse() : undefined;
  const body = JSON.stringify(
    typeof answer === 'object' && answer !== null
      ? answer
      : { statusCode: status, message: answer ?? 'Internal server error' },
  );
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  original.writeHead.call(res, status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  original.end.call(res, body);
}
