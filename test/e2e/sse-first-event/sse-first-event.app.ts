import {
  Controller,
  Injectable,
  Module,
  Sse,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type MessageEvent,
} from '@nestjs/common';
import { EMPTY, map, timer, type Observable } from 'rxjs';
import {
  Session,
  SessionInterface,
  SessionModule,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

/** Records the subscription in the session before the stream starts. */
@Injectable()
export class WatchGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.open(context.switchToHttp().getRequest<SessionRequest>());
    session.set('watching', 'prices');
    return true;
  }
}

/** The first event comes after Nest has sent the SSE headers. */
const later = (data: string): Observable<MessageEvent> => timer(30).pipe(map(() => ({ data })));

@Controller()
export class SseFirstEventController {
  @Sse('events')
  events(@Session() session: ServerSideSession): Observable<MessageEvent> {
    session.set('subscribed', true);
    return later('hello');
  }

  /** Completes without a value. */
  @Sse('empty')
  empty(@Session() session: ServerSideSession): Observable<MessageEvent> {
    session.set('empty', true);
    return EMPTY;
  }

  @Sse('watched')
  @UseGuards(WatchGuard)
  watched(): Observable<MessageEvent> {
    return later('price');
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [SseFirstEventController],
  providers: [WatchGuard],
})
export class SseFirstEventModule {}
