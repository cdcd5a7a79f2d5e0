import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SessionRequest, SessionResponse } from './interfaces';
import { openedSession, SessionInterface } from './core/session-interface';
import { saveBeforeEach } from './http/session-saving';

/**
 * Saves the session a guard or pipe opened with `SessionInterface.open(request)`
 * after the handler, also when it throws. `@UseSession()` adds it to handlers
 * that do not take `@Session()` (which saves by itself); it is not global,
 * because any interceptor at all costs every route a good part of its time.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  constructor(private readonly sessions: SessionInterface) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const response = http.getResponse<SessionResponse>();
    const openedByGuard = openedSession(request);
    if (openedByGuard) this.sessions.bind(openedByGuard, response);
    return saveBeforeEach(next.handle(), async () => {
      // Opened by the guard, or later by a pipe or `@Session()`.
      const session = openedSession(request);
      if (session) await this.sessions.save(session, response);
    });
  }
}
