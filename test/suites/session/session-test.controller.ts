import {
  BadRequestException,
  Controller,
  Get,
  Injectable,
  Query,
  Res,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  Session,
  SessionInterface,
  type ServerSideSession,
  type SessionRequest,
} from '../../../lib';

type Data = { count?: number; user?: string; items?: string[]; [key: string]: unknown };

/** Lets a request through only when its session has a user; it reads the session before the handler. */
@Injectable()
export class LoggedInGuard implements CanActivate {
  constructor(private readonly sessions: SessionInterface) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.open(context.switchToHttp().getRequest<SessionRequest>());
    return session.get('user') !== undefined;
  }
}

@Controller()
export class SessionTestController {
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Get('read')
  read(@Session() session: ServerSideSession<Data>) {
    return {
      sid: session.sid,
      isNew: session.isNew,
      data: session.toJSON(),
      permanent: session.permanent,
    };
  }

  @Get('untouched')
  untouched(@Session() session: ServerSideSession<Data>) {
    return { isNew: session.isNew };
  }

  @Get('count')
  count(@Session() session: ServerSideSession<Data>) {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return { count, sid: session.sid };
  }

  @Get('set')
  set(
    @Session() session: ServerSideSession<Data>,
    @Query('key') key: string,
    @Query('value') value: string,
  ) {
    session.set(key, value);
    return session.toJSON();
  }

  @Get('delete')
  delete(@Session() session: ServerSideSession<Data>, @Query('key') key: string) {
    return { deleted: session.delete(key) };
  }

  @Get('push')
  push(@Session() session: ServerSideSession<Data>, @Query('item') item: string) {
    const items = session.get('items');
    if (items) items.push(item);
    else session.set('items', [item]);
    return session.get('items');
  }

  @Get('permanent')
  permanent(@Session() session: ServerSideSession<Data>, @Query('value') value: string) {
    session.permanent = value === 'true';
    session.set('touched', true);
    return { permanent: session.permanent };
  }

  @Get('login')
  login(@Session() session: ServerSideSession<Data>, @Query('user') user: string) {
    session.regenerate();
    session.set('user', user);
    return { sid: session.sid };
  }

  @Get('logout')
  logout(@Session() session: ServerSideSession<Data>) {
    session.destroy();
    return { ok: true };
  }

  @Get('destroy-then-set')
  destroyThenSet(@Session() session: ServerSideSession<Data>) {
    const old = session.sid;
    session.destroy();
    session.set('fresh', true);
    return { old, sid: session.sid };
  }

  /** Stores `size` copies of `char` under `blob`, after `regenerate()` or before throwing when asked. */
  @Get('fill')
  fill(
    @Session() session: ServerSideSession<Data>,
    @Query('size') size: string,
    @Query('char') char = 'x',
    @Query('regenerate') regenerate?: string,
    @Query('fail') fail?: string,
  ) {
    if (regenerate === 'true') session.regenerate();
    session.set('blob', char.repeat(Number(size)));
    if (fail === 'true') throw new BadRequestException('handler failed');
    return { sid: session.sid };
  }

  @Get('clear')
  clear(@Session() session: ServerSideSession<Data>) {
    session.clear();
    return { ok: true };
  }

  @Get('fail')
  fail(@Session() session: ServerSideSession<Data>) {
    session.set('failed', 'yes');
    throw new BadRequestException('handler failed');
  }

  @Get('own-headers')
  ownHeaders(
    @Session() session: ServerSideSession<Data>,
    @Res({ passthrough: true }) response: unknown,
  ) {
    const headers: [string, string][] = [
      ['Vary', 'Accept-Encoding'],
      ['Set-Cookie', 'theme=dark; Path=/'],
    ];
    for (const [name, value] of headers) {
      const reply = response as {
        header?: (n: string, v: string) => void;
        setHeader?: (n: string, v: string) => void;
      };
      if (reply.header && 'raw' in (response as object)) reply.header(name, value);
      else reply.setHeader!(name, value);
    }
    session.set('own', true);
    return { ok: true };
  }

  @Get('manual')
  async manual(@Session() session: ServerSideSession<Data>, @Res() response: unknown) {
    session.set('manual', 'saved');
    await session.save();
    const reply = response as {
      raw?: ServerResponse;
      send?: (b: string) => void;
      end?: (b: string) => void;
    };
    if (reply.raw && reply.send) reply.send('{"ok":true}');
    else (response as ServerResponse).end('{"ok":true}');
  }

  @Get('manual-unsaved')
  manualUnsaved(@Session() session: ServerSideSession<Data>, @Res() response: unknown) {
    session.set('lost', true);
    const reply = response as { raw?: ServerResponse; send?: (b: string) => void };
    if (reply.raw && reply.send) reply.send('{"ok":true}');
    else (response as ServerResponse).end('{"ok":true}');
  }

  @Get('guarded')
  @UseGuards(LoggedInGuard)
  guarded() {
    return { ok: true };
  }
}
