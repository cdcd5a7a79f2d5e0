import {
  Controller,
  Get,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import {
  Session,
  SessionInterface,
  UseSession,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

/** Opens the session in a guard and counts the visits in it. */
@Injectable()
export class VisitGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.open(context.switchToHttp().getRequest<SessionRequest>());
    session.set('visits', ((session.get('visits') as number | undefined) ?? 0) + 1);
    return true;
  }
}

@Controller()
@UseGuards(VisitGuard)
export class GuardOnlyController {
  @Get('with-use-session')
  @UseSession()
  withUseSession() {
    return { ok: true };
  }

  @Get('without')
  without() {
    return { ok: true };
  }
}

/** `@UseSession()` on the class covers every handler. */
@Controller('all')
@UseGuards(VisitGuard)
@UseSession()
export class UseSessionController {
  @Get()
  all() {
    return { ok: true };
  }
}

/** Reads the visits back, through @Session(), without the guard. */
@Controller('visits')
export class VisitsController {
  @Get()
  visits(@Session() session: ServerSideSession) {
    return { sid: session.sid, isNew: session.isNew, visits: session.get('visits') ?? null };
  }
}
