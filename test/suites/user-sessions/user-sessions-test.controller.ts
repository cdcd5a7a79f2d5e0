import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Session, SessionInterface, type ServerSideSession } from '../../../lib';

type Data = { userId?: string; note?: string };

/** An account's sessions: sign in and out, list the user's devices, revoke them. */
@Controller()
export class UserSessionsTestController {
  constructor(private readonly sessions: SessionInterface) {}

  @Get('sign-in')
  signIn(@Session() session: ServerSideSession<Data>, @Query('user') user?: string) {
    if (!user) throw new BadRequestException('user is required');
    session.regenerate();
    session.set('userId', user);
    return { sid: session.sid };
  }

  @Get('me')
  me(@Session() session: ServerSideSession<Data>) {
    return { userId: session.get('userId') ?? null, sid: session.sid, isNew: session.isNew };
  }

  @Get('note')
  async note(
    @Session() session: ServerSideSession<Data>,
    @Query('text') text = '',
    @Query('delayMs') delayMs = '0',
  ) {
    await sleep(Number(delayMs));
    session.set('note', text);
    return { sid: session.sid };
  }

  @Get('regenerate')
  async regenerate(@Session() session: ServerSideSession<Data>, @Query('delayMs') delayMs = '0') {
    await sleep(Number(delayMs));
    session.regenerate();
    return { sid: session.sid };
  }

  @Get('forget-user')
  forgetUser(@Session() session: ServerSideSession<Data>) {
    session.delete('userId');
    session.set('note', 'signed out, session kept');
    return {};
  }

  @Get('sign-out')
  signOut(@Session() session: ServerSideSession<Data>) {
    session.destroy();
    return {};
  }

  @Get('devices')
  async devices(@Session() session: ServerSideSession<Data>, @Query('user') user?: string) {
    const listed = await this.sessions.userSessions(user ?? session.get('userId') ?? '', {
      current: session,
    });
    return listed.map((s) => ({
      ...s,
      createdAt: s.createdAt.getTime(),
      lastSeenAt: s.lastSeenAt.getTime(),
      expiresAt: s.expiresAt.getTime(),
    }));
  }

  @Get('sign-out-others')
  async signOutOthers(@Session() session: ServerSideSession<Data>) {
    const userId = session.get('userId');
    if (!userId) throw new BadRequestException('not signed in');
    return { revoked: await this.sessions.revokeUserSessions(userId, { except: session }) };
  }

  @Get('revoke')
  async revoke(@Query('sid') sid = '') {
    return { revoked: await this.sessions.revokeSession(sid) };
  }
}
