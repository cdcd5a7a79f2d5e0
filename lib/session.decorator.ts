import { createParamDecorator, UseInterceptors, type ExecutionContext } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { openedSession } from './session-interface';
import { SessionInterceptor } from './session.interceptor';
import { SESSION_PARAM_METADATA } from './session.constants';

/** Adds the session interceptor to a handler (once, however many decorators ask for it). */
function intercept(target: object, key: string | symbol): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (typeof descriptor?.value !== 'function') return;
  const current: unknown = Reflect.getMetadata(INTERCEPTORS_METADATA, descriptor.value);
  if (Array.isArray(current) && current.includes(SessionInterceptor)) return;
  UseInterceptors(SessionInterceptor)(target, key, descriptor);
}

function markHandler(target: object, key: string | symbol | undefined): void {
  if (key === undefined) return;
  const handler = (target as Record<string | symbol, unknown>)[key];
  if (typeof handler !== 'function') return;
  Reflect.defineMetadata(SESSION_PARAM_METADATA, true, handler);
  intercept(target, key);
}

/**
 * The request's {@link ServerSideSession}. Note: `@nestjs/common` also exports a
 * `Session` decorator (for express-session); import this one from
 * `nestjs-server-session`.
 *
 * Only handlers that take `@Session()` (or carry {@link UseSession}) run the
 * session interceptor, so every other route costs nothing.
 *
 * @example
 * cart(@Session() session: ServerSideSession<{ items: string[] }>) { … }
 */
export const Session = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => {
    const session = openedSession(context.switchToHttp().getRequest<object>());
    if (!session) {
      throw new Error(
        '@Session() found no session: import SessionModule.forRoot() in the application module',
      );
    }
    return session;
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
