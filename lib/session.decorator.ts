import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { appSessionsOf } from './http/app-sessions';
import type { SessionRequest, SessionResponse } from './interfaces';
import type { ServerSideSession } from './core/server-side-session';
import { saveSessionAfterHandler } from './http/session-handler';
import { openedSession } from './core/session-interface';
import { rawResponse } from './core/http-response';
import { SessionConfigError } from './session.errors';

function markHandler(target: object, key: string | symbol | undefined, index: number): void {
  if (key !== undefined) saveSessionAfterHandler(target, key, index);
}

interface GraphqlContext {
  req?: SessionRequest;
  res?: SessionResponse;
  request?: SessionRequest;
  reply?: SessionResponse & { request?: SessionRequest };
}

/** The HTTP request and response behind `context`: a route's, or a GraphQL resolver's. */
function httpOf(context: ExecutionContext): {
  request?: SessionRequest;
  response?: SessionResponse;
} {
  const type = context.getType<string>();
  if (type === 'http') {
    const http = context.switchToHttp();
    return { request: http.getRequest<SessionRequest>(), response: http.getResponse() };
  }
  if (type === 'graphql') {
    // Apollo's context holds `req` and `res`, Mercurius's the Fastify `reply`.
    const graphql = (context.getArgByIndex(2) ?? {}) as GraphqlContext;
    return {
      request: graphql.req ?? graphql.request ?? graphql.reply?.request,
      response: graphql.res ?? graphql.reply,
    };
  }
  throw new SessionConfigError(
    '@Session()',
    `sessions need an HTTP request, and this handler runs in a "${type}" context ` +
      '(a WebSocket gateway or a microservice); read what you need from the HTTP ' +
      'request that opened the connection instead',
  );
}

/**
 * The request's {@link ServerSideSession}, loaded when the handler is called
 * (or earlier, by a guard that opened it), and saved before the response's
 * headers go out, whatever writes the response. Note: `@nestjs/common` also
 * exports a `Session` decorator (for express-session); import this one from
 * `nestjs-server-session`.
 *
 * Works in HTTP handlers and GraphQL resolvers; routes that open no session
 * cost nothing.
 *
 * @example
 * cart(@Session() session: ServerSideSession<{ items: string[] }>) { … }
 */
export const Session = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ServerSideSession | Promise<ServerSideSession> => {
    const { request, response } = httpOf(context);
    if (!request) {
      throw new SessionConfigError(
        '@Session()',
        'found no HTTP request in the GraphQL context: keep `req` (Apollo) or `reply` (Mercurius) in it',
      );
    }
    const sessions = appSessionsOf(request);
    if (!sessions) {
      throw new Error(
        '@Session() found no session: import SessionModule.forRoot() in the application module',
      );
    }
    const session = openedSession(request);
    if (session) {
      if (response) sessions.bind(session, rawResponse(response));
      return session;
    }
    return sessions.open(request, response).then((opened) => {
      if (response) sessions.bind(opened, rawResponse(response));
      return opened;
    });
  },
  [markHandler],
);

/**
 * No longer needed: every session opened on a request, by `@Session()`, a
 * guard, a pipe, an interceptor or a filter, is saved by the response.
 * Kept so code that uses it still compiles; it does nothing.
 */
export function UseSession(): MethodDecorator & ClassDecorator {
  return () => undefined;
}
