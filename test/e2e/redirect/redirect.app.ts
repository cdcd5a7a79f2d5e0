import {
  Controller,
  Get,
  Injectable,
  Module,
  Query,
  Redirect,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import {
  Session,
  SessionInterface,
  SessionModule,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

/** Logs the visitor in: a new id for the authenticated session, then the route redirects. */
@Injectable()
export class LoginGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.open(context.switchToHttp().getRequest<SessionRequest>());
    session.regenerate();
    session.set('user', 'ada');
    return true;
  }
}

@Controller()
export class RedirectController {
  @Get('login')
  @UseGuards(LoginGuard)
  @Redirect('/home', 303)
  login() {}

  /** A flash message, and the target chosen by the handler. */
  @Get('go')
  @Redirect('/default')
  go(@Session() session: ServerSideSession, @Query('to') to: string) {
    session.set('flash', `went to ${to}`);
    return { url: `/${to}` };
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [RedirectController],
  providers: [LoginGuard],
})
export class RedirectModule {}
