import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SessionRequest, SessionResponse } from './interfaces';
import { isSavedByResponse, openedSession, SessionInterface } from './core/session-interface';
import { saveBeforeEach } from './http/session-saving';

/**
 * No longer needed: the response saves every session opened on its request.
 * Kept for code that still adds it; it only saves a session whose response
 * the module could not find.
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
      if (!session || isSavedByResponse(session)) return;
      this.sessions.bind(session, response);
      await this.sessions.save(session, response);
    });
  }
}
