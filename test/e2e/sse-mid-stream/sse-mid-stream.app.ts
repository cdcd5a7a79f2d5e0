import { Controller, Get, Module, Req, Sse, type MessageEvent } from '@nestjs/common';
import { defer, from, interval, map, switchMap, take, type Observable } from 'rxjs';
import {
  Session,
  SessionInterface,
  SessionModule,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

/** Three events 20 ms apart, each after `change` ran with its index. */
const ticks = (change: (tick: number) => string): Observable<MessageEvent> =>
  interval(20).pipe(
    take(3),
    map((tick) => ({ data: change(tick + 1) })),
  );

@Controller()
export class SseMidStreamController {
  constructor(private readonly sessions: SessionInterface) {}

  @Get('start')
  start(@Session() session: ServerSideSession) {
    session.set('ticks', 0);
    return { sid: session.sid };
  }

  /** Counts the events in the session while the stream runs. */
  @Sse('ticks')
  ticks(@Session() session: ServerSideSession): Observable<MessageEvent> {
    return ticks((tick) => {
      session.set('ticks', tick);
      return String(tick);
    });
  }

  /** The same without `@Session()`: the session is opened in the stream itself. */
  @Sse('ticks-opened')
  ticksOpened(@Req() request: SessionRequest): Observable<MessageEvent> {
    return defer(() => from(this.sessions.open(request))).pipe(
      switchMap((session) =>
        ticks((tick) => {
          session.set('opened', tick);
          return String(tick);
        }),
      ),
    );
  }

  /** A session the browser has no cookie for, first written once the headers are out. */
  @Sse('ticks-new')
  ticksNew(@Session() session: ServerSideSession): Observable<MessageEvent> {
    return ticks((tick) => {
      session.set('ticks', tick);
      return session.sid;
    });
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [SseMidStreamController],
})
export class SseMidStreamModule {}
