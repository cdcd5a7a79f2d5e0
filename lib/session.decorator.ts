import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { openedSession } from './session-interface';
import { SESSION_PARAM_METADATA } from './session.constants';

function markHandler(target: object, key: string | symbol | undefined): void {
  if (key === undefined) return;
  const handler = (target as Record<string | symbol, unknown>)[key];
  if (typeof handler === 'function') Reflect.defineMetadata(SESSION_PARAM_METADATA, true, handler);
}

/**
 * The request's {@link ServerSideSession}. Note: `@nestjs/common` also exports a
 * `Session` decorator (for express-session); import this one from
 * `nestjs-server-session`.
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
