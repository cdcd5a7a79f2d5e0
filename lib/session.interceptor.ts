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
 * No longer needed: the response saves every session opened on its request.
 * Kept for code that still adds it: it saves after the handler, as
 * `@Session()` handlers do, and the response saves again only what changed since.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  constructor(private readonly sessions: SessionInterface) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const response = http.getResponse<SessionResponse>();
    return saveBeforeEach(next.handle(), async () => {
      const session = openedSession(request);
      if (!session) return;
      this.sessions.bind(session, response);
      await session.save();
    });
  }
}
