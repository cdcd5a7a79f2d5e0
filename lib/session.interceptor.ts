import {
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, type Subscription } from 'rxjs';
import type { SessionRequest, SessionResponse } from './http-adapter';
import { openedSession, SessionInterface } from './session-interface';
import { SESSION_PARAM_METADATA } from './session.constants';

/**
 * Opens the session before handlers that take `@Session()`, and saves any
 * opened session after the handler, also when it throws. `@Session()` and
 * `@UseSession()` add it to their handlers; it is not global, because any
 * interceptor at all costs every route a good part of its time.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  private readonly logger = new Logger('SessionModule');

  constructor(
    private readonly sessions: SessionInterface,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const response = http.getResponse<SessionResponse>();
    const openedByGuard = openedSession(request);
    if (openedByGuard) this.sessions.bind(openedByGuard, response);
    const wanted = this.reflector.get<boolean | undefined>(
      SESSION_PARAM_METADATA,
      context.getHandler(),
    );
    // One hand-written Observable instead of an operator chain: this runs on every session request.
    return new Observable<unknown>((subscriber) => {
      let inner: Subscription | undefined;
      // Values are saved and passed on in order, each after the save before it (like concatMap).
      let chain: Promise<unknown> = wanted
        ? this.sessions.open(request).then((session) => this.sessions.bind(session, response))
        : Promise.resolve();
      const fail = (error: unknown) =>
        this.saveAfterError(request, response).then(() => subscriber.error(error));
      chain = chain
        .then(() => {
          if (subscriber.closed) return;
          inner = next.handle().subscribe({
            next: (value) => {
              chain = chain
                .then(() => this.save(request, response))
                .then(
                  () => subscriber.next(value),
                  (error: unknown) => subscriber.error(error),
                );
            },
            error: (error: unknown) => {
              chain = chain.then(() => fail(error));
            },
            complete: () => {
              chain = chain.then(() => subscriber.complete());
            },
          });
        })
        .catch(fail);
      return () => inner?.unsubscribe();
    });
  }

  private async save(request: SessionRequest, response: SessionResponse): Promise<void> {
    const session = openedSession(request);
    if (session) await this.sessions.save(session, response);
  }

  /** The handler's error wins; a failed save after it is only logged. */
  private async saveAfterError(request: SessionRequest, response: SessionResponse): Promise<void> {
    try {
      await this.save(request, response);
    } catch (error) {
      this.logger.error(`Saving the session after a failed request failed too: ${String(error)}`);
    }
  }
}
