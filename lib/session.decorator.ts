import { createParamDecorator, UseInterceptors, type ExecutionContext } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { appSessionsOf } from './http/app-sessions';
import type { SessionRequest, SessionResponse } from './interfaces';
import type { ServerSideSession } from './core/server-side-session';
import { saveSessionAfterHandler } from './http/session-handler';
import { openedSession } from './core/session-interface';
import { SessionInterceptor } from './session.interceptor';

/** Adds the session interceptor to a handler (once, however many decorators ask for it). */
function intercept(target: object, key: string | symbol): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (typeof descriptor?.value !== 'function') return;
  const current: unknown = Reflect.getMetadata(INTERCEPTORS_METADATA, descriptor.value);
  if (Array.isArray(current) && current.includes(SessionInterceptor)) return;
  UseInterceptors(SessionInterceptor)(target, key, descriptor);
}

function markHandler(target: object, key: string | symbol | undefined, index: number): void {
  if (key !== undefined) saveSessionAfterHandler(target, key, index);
}

/**
 * The request's {@link ServerSideSession}, loaded when the handler is called
 * (or earlier, by a guard that opened it), and saved after the handler has
 * run, also when it throws. Note: `@nestjs/common` also exports a `Session`
 * decorator (for express-session); import this one from
 * `nestjs-server-session`.
 *
 * Only handlers that take `@Session()` (or carry {@link UseSession}) do any
 * session work, so every other route costs nothing.
 *
 * @example
 * cart(@Session() session: ServerSideSession<{ items: string[] }>) { … }
 */
export const Session = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ServerSideSession | Promise<ServerSideSession> => {
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const response = http.getResponse<SessionResponse>();
    const sessions = appSessionsOf(request);
    if (!sessions) {
      throw new Error(
        '@Session() found no session: import SessionModule.forRoot() in the application module',
      );
    }
    const session = openedSession(request);
    if (session) {
      sessions.bind(session, response);
      return session;
    }
    return sessions.open(request).then((opened) => {
      sessions.bind(opened, response);
      return opened;
    });
  },
  [markHandler],
);

/**
 * Saves the session of handlers that do not take `@Session()` but whose guard,
 * pipe or handler opens it with `SessionInterface.open(request)`. On a
 * controller it covers every handler of it.
 *
 * @example
 * \@Get('account') \@UseGuards(LoggedInGuard) \@UseSession()
 * account() { … }
 */
export function UseSession(): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol) => {
    if (key === undefined) UseInterceptors(SessionInterceptor)(target as () => void);
    else intercept(target, key);
  };
}
