import { Controller, Get, Header, Inject, Param, Post, Redirect } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Session, SessionInterface, type UserSession } from '../lib';
import { renderAccountPage } from './account-page';
import { layout } from './pages';
import { SAMPLE_USERS } from './sample.constants';
import { signedInUser, type SampleSession, type SampleUsers } from './sample-session';

/**
 * The account page: the signed-in user's sessions (one per device), and
 * "sign out everywhere else". A session id is what its cookie holds, so none
 * is ever rendered: each device is named by an HMAC of its id under a key
 * that never leaves this process.
 */
@Controller('account')
export class AccountController {
  private readonly handleKey = randomBytes(32);

  constructor(
    private readonly sessions: SessionInterface,
    @Inject(SAMPLE_USERS) private readonly users: SampleUsers,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async account(@Session() session: SampleSession): Promise<string> {
    const user = signedInUser(session, this.users.key);
    if (!user || !this.users.listed) {
      const why = user
        ? 'This session store cannot list a user&#39;s sessions (no <code>userKey</code>).'
        : 'You are not signed in.';
      return layout(`<h1>Your devices</h1>
<p id="signed-out">${why} <a href="/">Back to the shop</a></p>`);
    }
    const notice = session.get('notice');
    if (notice !== undefined) session.delete('notice');
    const listed = await this.sessions.userSessions(user, { current: session });
    return renderAccountPage({
      user,
      notice: typeof notice === 'string' ? notice : undefined,
      devices: listed.map((s) => ({
        handle: this.handle(s.sid),
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        current: s.current === true,
      })),
    });
  }

  @Post('sign-out-others')
  @Redirect('/account', 303)
  async signOutOthers(@Session() session: SampleSession): Promise<void> {
    const user = this.userOf(session);
    if (!user) return;
    const revoked = await this.sessions.revokeUserSessions(user, { except: session });
    session.set('notice', `Signed out ${revoked} other device${revoked === 1 ? '' : 's'}.`);
  }

  @Post('sign-out/:device')
  @Redirect('/account', 303)
  async signOutDevice(
    @Session() session: SampleSession,
    @Param('device') device: string,
  ): Promise<void> {
    const user = this.userOf(session);
    if (!user) return;
    // Only the user's own sessions are candidates, and never this one (that is "Log out").
    const target = (await this.sessions.userSessions(user, { current: session })).find(
      (s: UserSession) => !s.current && this.matches(s.sid, device),
    );
    const gone = target !== undefined && (await this.sessions.revokeSession(target.sid));
    session.set('notice', gone ? 'Signed out that device.' : 'That device was already signed out.');
  }

  /** The signed-in user, when the store lists users' sessions. */
  private userOf(session: SampleSession): string | undefined {
    return this.users.listed ? signedInUser(session, this.users.key) : undefined;
  }

  /** The opaque name of a session on the page. */
  private handle(sid: string): string {
    return createHmac('sha256', this.handleKey).update(sid).digest('base64url').slice(0, 22);
  }

  private matches(sid: string, handle: string): boolean {
    const expected = Buffer.from(this.handle(sid));
    const given = Buffer.from(String(handle));
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
