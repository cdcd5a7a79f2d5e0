import {
  BadRequestException,
  Controller,
  Get,
  Injectable,
  Module,
  createParamDecorator,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { SessionInterface, SessionModule, type SessionRequest } from '../../../lib';

/** Remembers where the visitor wanted to go, then answers 401: the common login redirect pattern. */
@Injectable()
export class RememberGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SessionRequest & { url: string }>();
    const session = await this.sessions.open(request);
    session.set('wanted', request.url);
    throw new UnauthorizedException('log in first');
  }
}

/** Counts the denials in the session and denies (403). */
@Injectable()
export class DenyGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.open(context.switchToHttp().getRequest<SessionRequest>());
    session.set('denied', ((session.get('denied') as number | undefined) ?? 0) + 1);
    return false;
  }
}

/** A pipe on the request that notes the rejected value in the session and fails validation. */
@Injectable()
export class RejectPipe implements PipeTransform {
  constructor(private readonly sessions: SessionInterface) {}

  async transform(request: SessionRequest & { url: string }): Promise<never> {
    const session = await this.sessions.open(request);
    session.set('rejected', request.url);
    throw new BadRequestException('bad item');
  }
}

/** The request itself as a parameter, so a pipe can be given it (`@Req()` takes no pipes). */
const Request = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  context.switchToHttp().getRequest<unknown>(),
);

@Controller()
export class GuardDenialController {
  @Get('account')
  @UseGuards(RememberGuard)
  account() {
    return { ok: true };
  }

  @Get('admin')
  @UseGuards(DenyGuard)
  admin() {
    return { ok: true };
  }

  @Get('item')
  item(@Request(RejectPipe) _request: unknown) {
    return { ok: true };
  }
}

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [GuardDenialController],
  providers: [RememberGuard, DenyGuard, RejectPipe],
})
export class GuardDenialModule {}
