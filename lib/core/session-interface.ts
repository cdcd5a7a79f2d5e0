import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { SameSite } from './cookie';
import type {
  RevokeUserSessionsOptions,
  SessionRequest,
  SessionResponse,
  SessionUserId,
  UserSession,
  UserSessionsOptions,
} from '../interfaces';
import { describeRoute, headersSent, rawResponse } from './http-response';
import { holdResponse, responseOf } from './response-hold';
import { openingSession, rememberOpened, rememberOpening } from './request-sessions';
import { SessionHeaders } from './session-headers';
import { NullSession, SESSION_STATE, type ServerSideSession } from './server-side-session';
import type { SessionSettings } from './session-settings';

/** Sessions whose lost cookie was already reported. */
const warned = new WeakSet<ServerSideSession>();

export { openedSession } from './request-sessions';

/**
 * Flask's `SessionInterface`, and the DI token of the one in use: it opens the
 * session of a request and saves it to the response. Subclass
 * `ServerSideSessionInterface` for a new backend, or this class for a
 * different way of keeping sessions altogether.
 *
 * Inject it in a guard, pipe, interceptor or filter and
 * `await sessions.open(request)` to read the session; the result is shared
 * with `@Session()`, and the response saves it before its headers go out.
 */
export abstract class SessionInterface {
  protected readonly logger = new Logger('SessionModule');

  protected constructor(protected readonly settings: SessionSettings) {}

  /** Loads the session of `request` (Flask's `open_session`). Called once per request. */
  protected abstract openSession(request: SessionRequest): Promise<ServerSideSession>;

  /** Stores the session and sets the cookie (Flask's `save_session`). */
  protected abstract saveSession(
    session: ServerSideSession,
    response: SessionResponse,
  ): Promise<void>;

  /**
   * The session of `request`, loaded at most once however often it is asked
   * for, and saved by the request's response (found from the request, or
   * `response` when the request does not name it).
   */
  open(request: SessionRequest, response?: SessionResponse): Promise<ServerSideSession> {
    let pending = openingSession(request);
    if (!pending) {
      pending = this.openSession(request).then((session) => {
        rememberOpened(request, session);
        const res = responseOf(request) ?? (response && rawResponse(response));
        if (res && !this.isNullSession(session)) this.holdResponse(session, res);
        return session;
      });
      rememberOpening(request, pending);
    }
    return pending;
  }

  /**
   * Saves `session` unless it is a null session; once the response's headers
   * are out, only what keeps the cookie it has. Saves of one session run one
   * after the other, so an unawaited `session.save()` followed by the
   * automatic save writes each change once.
   */
  save(session: ServerSideSession, response: SessionResponse): Promise<void> {
    const state = session[SESSION_STATE];
    const run = () => this.saveOnce(session, response);
    const queued = state.saving ? state.saving.then(run, run) : run();
    state.saving = queued;
    return queued;
  }

  private async saveOnce(session: ServerSideSession, response: SessionResponse): Promise<void> {
    if (this.isNullSession(session)) return;
    if (headersSent(response)) return this.saveAfterHeaders(session, response);
    const state = session[SESSION_STATE];
    if (state.saved && !session.modified) return;
    await this.saveSession(session, response);
    state.saved = true;
  }

  /**
   * The response's headers are out: the store is still written when the
   * cookie it holds stays right; a session that would need a new one (new or
   * regenerated) is left as it was, and reported once.
   */
  private async saveAfterHeaders(
    session: ServerSideSession,
    response: SessionResponse,
  ): Promise<void> {
    if (!session.modified) return;
    const raw = rawResponse(response);
    if (session.isNew && session.size > 0) {
      if (warned.has(session)) return;
      warned.add(session);
      this.logger.warn(
        `Session changes on ${describeRoute(raw)} were not saved: they need a new session ` +
          'cookie, and the response had already sent its headers. Change the session before ' +
          'the response starts (before the first SSE event or res.write()).',
      );
      return;
    }
    await this.saveSession(session, new SessionHeaders(raw, this.cookieName()));
    session[SESSION_STATE].saved = true;
  }

  /** Lets `res` save `session` before its headers go out and before it ends. */
  private holdResponse(session: ServerSideSession, res: ServerResponse): void {
    const headers = new SessionHeaders(res, this.cookieName());
    session[SESSION_STATE].commit ??= () => this.save(session, headers);
    holdResponse(res, session, this, headers);
  }

  /** @internal What the response of `session` waits for: a save, unless saved and unchanged. */
  pendingSave(session: ServerSideSession, headers: SessionHeaders): Promise<void> | undefined {
    return session[SESSION_STATE].saved && !session.modified
      ? undefined
      : this.save(session, headers);
  }

  /** Binds `session.save()` to the response of its request. */
  bind(session: ServerSideSession, response: SessionResponse): void {
    session[SESSION_STATE].commit ??= () => this.save(session, response);
  }

  cookieName(): string {
    return this.settings.cookieName;
  }

  cookieDomain(): string | undefined {
    return this.settings.cookie.domain;
  }

  cookiePath(): string {
    return this.settings.cookie.path;
  }

  cookieHttpOnly(): boolean {
    return this.settings.cookie.httpOnly;
  }

  cookieSecure(): boolean {
    return this.settings.cookie.secure;
  }

  cookieSameSite(): SameSite | undefined {
    return this.settings.cookie.sameSite;
  }

  cookiePartitioned(): boolean {
    return this.settings.cookie.partitioned;
  }

  /** When the cookie expires: `undefined` for a browser-session (non-permanent) session. */
  expirationTime(session: ServerSideSession): Date | undefined {
    return session.permanent ? new Date(Date.now() + this.settings.lifetime) : undefined;
  }

  /** Flask's rule: set the cookie when modified, or on every request for a permanent session. */
  shouldSetCookie(session: ServerSideSession): boolean {
    return session.modified || (session.permanent && this.settings.refreshEachRequest);
  }

  isNullSession(session: ServerSideSession): boolean {
    return session instanceof NullSession;
  }

  makeNullSession(): NullSession {
    return new NullSession(
      {
        sid: '',
        isNew: true,
        deadIds: [],
        cookieSent: false,
        forceModified: false,
        saved: false,
        serializer: this.settings.serializer,
        newId: () => '',
      },
      undefined,
      false,
    );
  }

  /**
   * The sessions of a user (`userKey`), most recently seen first; pass
   * `{ current: session }` to mark the request's own. Only sessions that exist
   * now are listed.
   */
  userSessions(userId: SessionUserId, options?: UserSessionsOptions): Promise<UserSession[]>;
  async userSessions(): Promise<UserSession[]> {
    throw this.noUserSessions();
  }

  /**
   * Deletes every session of a user (`userKey`) but `except`, and says how
   * many went: "sign out everywhere else", or everywhere after a password
   * change. Each revoked cookie opens a new, empty session from then on, even
   * in requests already running.
   */
  revokeUserSessions(userId: SessionUserId, options?: RevokeUserSessionsOptions): Promise<number>;
  async revokeUserSessions(): Promise<number> {
    throw this.noUserSessions();
  }

  /** Deletes the session `sid` (an id `userSessions()` listed); whether it existed. */
  revokeSession(sid: string): Promise<boolean>;
  async revokeSession(): Promise<boolean> {
    throw this.noUserSessions();
  }

  private noUserSessions(): Error {
    return new Error(
      `${this.constructor.name} keeps no sessions of its own to list or revoke; user sessions need a session store`,
    );
  }

  /**
   * Rejects when the sessions' store does not answer within `storeTimeout`,
   * with the store's error as `cause`: what `SessionHealthIndicator` calls.
   * An interface without a store has nothing to check.
   */
  async checkStore(): Promise<void> {}

  /** Releases what this interface opened itself. */
  async close(): Promise<void> {}
}
