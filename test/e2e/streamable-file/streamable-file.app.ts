import { createReadStream } from 'node:fs';
import {
  Controller,
  Get,
  Injectable,
  Module,
  StreamableFile,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { from, switchMap, tap, type Observable } from 'rxjs';
import {
  Session,
  SessionInterface,
  SessionModule,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

/** Notes the download in the session once the handler has produced the file. */
@Injectable()
export class StampInterceptor implements NestInterceptor {
  constructor(private readonly sessions: SessionInterface) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<SessionRequest>();
    return from(this.sessions.open(request)).pipe(
      switchMap((session) => next.handle().pipe(tap(() => session.set('lastFile', 'report.txt')))),
    );
  }
}

/** Counts the downloads of a route that takes no session itself. */
@Injectable()
export class CountGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.open(context.switchToHttp().getRequest<SessionRequest>());
    session.set('sources', ((session.get('sources') as number | undefined) ?? 0) + 1);
    return true;
  }
}

@Controller()
export class StreamableFileController {
  @Get('report')
  @UseInterceptors(StampInterceptor)
  report(@Session() session: ServerSideSession): StreamableFile {
    session.set('downloads', ((session.get('downloads') as number | undefined) ?? 0) + 1);
    return new StreamableFile(Buffer.from('report body'), { type: 'text/plain' });
  }

  @Get('source')
  @UseGuards(CountGuard)
  source(): StreamableFile {
    return new StreamableFile(createReadStream(__filename), { type: 'text/plain' });
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [StreamableFileController],
  providers: [StampInterceptor, CountGuard],
})
export class StreamableFileModule {}
