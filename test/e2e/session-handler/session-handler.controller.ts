import {
  CallHandler,
  Controller,
  Get,
  Injectable,
  Query,
  SetMetadata,
  UseGuards,
  UseInterceptors,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, of, type Observable } from 'rxjs';
import { Session, UseSession, type ServerSideSession } from '../../../lib';

type Visits = ServerSideSession<{ visits: number; seen: string[] }>;

export const REQUIRED = 'required-header';

/** Lets a request through only with the header its handler names in metadata. */
@Injectable()
export class HeaderGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const header = this.reflector.get<string | undefined>(REQUIRED, context.getHandler());
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    return header === undefined || request.headers[header] !== undefined;
  }
}

/** Wraps the handler's result, as a response-shaping interceptor does. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((data: unknown) => ({ data })));
  }
}

const visit = (session: Visits) => {
  const visits = (session.get('visits') ?? 0) + 1;
  session.set('visits', visits);
  return visits;
};

@Controller()
@UseGuards(HeaderGuard)
export class SessionHandlerController {
  @Get('observable')
  observable(@Session() session: Visits): Observable<{ visits: number }> {
    return of(null).pipe(map(() => ({ visits: visit(session) })));
  }

  @Get('async-observable')
  async asyncObservable(@Session() session: Visits): Promise<Observable<{ visits: number }>> {
    await Promise.resolve();
    return of(null).pipe(map(() => ({ visits: visit(session) })));
  }

  @Get('metadata')
  @SetMetadata(REQUIRED, 'x-token')
  metadata(@Session() session: Visits) {
    return { visits: visit(session) };
  }

  @Get('enveloped')
  @UseInterceptors(EnvelopeInterceptor)
  enveloped(@Session() session: Visits) {
    return { visits: visit(session) };
  }

  @Get('sync-throw')
  syncThrow(@Session() session: Visits): never {
    visit(session);
    throw new Error('handler failed');
  }

  @Get('peek')
  peek(@Session() session: Visits) {
    return { visits: session.get('visits') ?? 0 };
  }

  @Get('peek-seen')
  peekSeen(@Session() session: Visits) {
    return { seen: session.get('seen') ?? [] };
  }

  @Get('see')
  see(@Session() session: Visits, @Query('page') page: string) {
    const seen = session.get('seen');
    if (seen) seen.push(page);
    else session.set('seen', [page]);
    return { seen: session.get('seen') };
  }

  @Get('both')
  @UseSession()
  both(@Session() session: Visits, @Session() again: Visits) {
    return { same: session === again, visits: visit(session) };
  }
}
