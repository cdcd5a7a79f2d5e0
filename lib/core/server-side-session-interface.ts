import { serializeClearedCookie, serializeCookie, type CookieAttributes } from './cookie';
import type {
  CommonSessionOptions,
  RevokeUserSessionsOptions,
  SessionRequest,
  SessionResponse,
  SessionStore,
  SessionUserId,
  UserSession,
  UserSessionsOptions,
} from '../interfaces';
import { SessionConfigError } from '../session.errors';
import { absoluteRemaining, capExpiry } from './absolute-lifetime';
import { addVary, putSessionCookie } from './http-response';
import {
  SESSION_DATA,
  SESSION_STATE,
  ServerSideSession,
  type SessionState,
} from './server-side-session';
import { generateSessionId } from './session-id';
import { SessionInterface } from './session-interface';
import { resolveSessionSettings, type SessionSettings } from './session-settings';
import { SessionStorage } from './session-storage';
import { SessionCookies, type SessionCookie } from './session-cookies';
import { sessionUser } from './session-user';
import { UserSessions } from './user-sessions';

/**
 * The server-side session interface: the cookie holds a random id (optionally
 * signed), the data lives in a {@link SessionStore}. Every built-in backend is
 * this class with a different store.
 */
export class ServerSideSessionInterface extends SessionInterface {
  private readonly cookies: SessionCookies;
  private readonly attributes: CookieAttributes;
  /** Permanent sessions refreshed on every request: what `getAndTouch` is for. */
  private readonly refreshes: boolean;
  private readonly storage: SessionStorage;
  /** A subclass decides when sessions expire: the store follows it, not the lifetime. */
  private readonly customExpiry: boolean;
  /** Sessions keep when they began (`userKey`, `absoluteLifetime`). */
  private readonly keepsCreation: boolean;
  private readonly users: UserSessions;

  /**
   * @param store where the bytes live
   * @param options the common options (`keyPrefix`, `useSigner`, `secret`, cookie, lifetime…)
   * @param ownsStore close the store on shutdown (only for a store this interface created)
   */
  constructor(
    readonly store: SessionStore,
    options: CommonSessionOptions | SessionSettings = {},
    private readonly ownsStore = false,
  ) {
    super(resolveSessionSettings(options));
    this.cookies = new SessionCookies(this.settings);
    this.attributes = this.settings.cookie;
    this.refreshes = this.settings.refreshEachRequest && this.settings.permanent;
    if (this.settings.userKey !== undefined && !store.findByUser) {
      throw new SessionConfigError(
        'userKey (SESSION_USER_KEY)',
        `${store.constructor.name} cannot list a user's sessions (it has no findByUser()); choose a store that can, or leave userKey unset`,
      );
    }
    this.storage = new SessionStorage(store, this.settings, this.logger);
    this.customExpiry = this.expirationTime !== SessionInterface.prototype.expirationTime;
    this.keepsCreation = this.settings.userKey !== undefined || this.settings.absoluteLifetime > 0;
    this.users = new UserSessions(this.storage, this.settings, this.cookies.idPattern);
  }

  override userSessions(
    userId: SessionUserId,
    options: UserSessionsOptions = {},
  ): Promise<UserSession[]> {
    return this.users.list(userId, options.current);
  }

  override revokeUserSessions(
    userId: SessionUserId,
    options?: RevokeUserSessionsOptions,
  ): Promise<number> {
    return this.users.revokeAll(userId, options);
  }

  override revokeSession(sid: string): Promise<boolean> {
    return this.users.revoke(sid);
  }

  /**
   * A browser may send several cookies of the session's name (a stale one on
   * a narrower path comes first): each that verifies is looked up, in order,
   * until one has an entry (at most three).
   */
  protected async openSession(request: SessionRequest): Promise<ServerSideSession> {
    for (const cookie of this.cookies.read(request.headers.cookie, this.cookieName())) {
      const session = await this.loadSession(cookie);
      if (session) return session;
    }
    return this.newSession();
  }

  private async loadSession(cookie: SessionCookie): Promise<ServerSideSession | undefined> {
    const key = this.settings.keyPrefix + cookie.sid;
    // A session that will be refreshed after the request anyway is read and refreshed at once.
    // Not with a custom expiry: it needs the session, which is not read yet.
    const touch = this.refreshes && !this.customExpiry && this.store.getAndTouch !== undefined;
    const bytes = await this.storage.load(key, touch);
    if (!bytes) return undefined;
    const stored = this.storage.decode(bytes, key);
    if (!stored) return undefined;
    const state = this.state(cookie.sid, false);
    state.touched = touch;
    state.loaded = bytes;
    state.cookieSent = true;
    state.cookieValue = cookie.value;
    if (this.keepsCreation) {
      state.createdAt = stored.createdAt;
      if (state.createdAt === undefined) {
        // Stored before creation times were kept: its absolute lifetime starts now.
        state.createdAt = Date.now();
        state.mayDiffer = true;
      } else if (absoluteRemaining(this.settings, state.createdAt) <= 0) {
        await this.storage.delete(key);
        return undefined;
      }
      // Refreshed for a whole lifetime, but less of its absolute lifetime is left: refreshed again when saved.
      if (touch && absoluteRemaining(this.settings, state.createdAt) < this.settings.lifetime)
        state.touched = false;
    }
    return new ServerSideSession(state, stored.data, stored.permanent);
  }

  protected async saveSession(
    session: ServerSideSession,
    response: SessionResponse,
  ): Promise<void> {
    const state = session[SESSION_STATE];
    if (session.accessed) addVary(response, 'Cookie');
    const sid = state.sid;
    const key = this.settings.keyPrefix + sid;
    if (session.size === 0) {
      await this.deleteDeadIds(state);
      if (!state.isNew) await this.storage.delete(key);
      this.clearCookie(state, response);
      state.isNew = true;
      state.loaded = undefined;
      return;
    }
    // Nothing written and no value handed out that could have been changed in place: as loaded.
    const unchanged = state.loaded !== undefined && !state.forceModified && !state.mayDiffer;
    const bytes = unchanged ? state.loaded! : session.serialize();
    const modified =
      !unchanged &&
      (state.forceModified || !state.loaded || !Buffer.from(state.loaded).equals(bytes));
    state.knownModified = modified;
    let setCookie: boolean;
    try {
      setCookie = modified || this.shouldSetCookie(session);
    } finally {
      state.knownModified = undefined;
    }
    if (!setCookie) return;
    const remaining = absoluteRemaining(this.settings, state.createdAt);
    const expires = capExpiry(this.expirationTime(session), remaining);
    const ttl = Math.min(this.storeTtl(expires), Math.max(1, remaining));
    const user =
      this.settings.userKey && sessionUser(session[SESSION_DATA].data, this.settings.userKey);
    let written: Uint8Array | undefined = bytes;
    if (modified) {
      written = state.isNew
        ? await this.storage.create(key, bytes, ttl, user)
        : await this.storage.update(session, key, bytes, ttl, user);
      if (state.isNew && !(await this.users.keepsRegenerated(state, key))) written = undefined;
    } else if (!state.touched) {
      // A session loaded with getAndTouch was refreshed then; only its cookie is sent again.
      if (!(await this.storage.refresh(session, key, bytes, ttl, user))) written = undefined;
    }
    if (!written) return this.forgetGone(session, response);
    // Regenerated while it was written: the save queued behind this one stores the new id.
    if (state.sid !== sid) return;
    // Only once the data is safe under its new id: a failed save keeps the old session.
    if (modified) await this.deleteDeadIds(state);
    state.isNew = false;
    state.loaded = written;
    state.forceModified = false;
    state.cleared = false;
    state.cookieSent = true;
    putSessionCookie(
      response,
      this.cookieName(),
      serializeCookie(
        this.cookieName(),
        this.cookies.valueOf(state),
        this.cookieAttributes(),
        expires,
      ),
    );
    this.storage.countSave();
  }

  /** How long the store keeps the entry: until the cookie expires, or the lifetime for a browser-session cookie. */
  private storeTtl(expires: Date | undefined): number {
    if (!this.customExpiry || !expires) return this.settings.lifetime;
    return Math.max(1, expires.getTime() - Date.now());
  }

  /** The entry went while this request ran: nothing is written back and the cookie is cleared. */
  private forgetGone(session: ServerSideSession, response: SessionResponse): void {
    const state = session[SESSION_STATE];
    this.clearCookie(state, response);
    session[SESSION_DATA] = { permanent: this.settings.permanent, data: {} };
    Object.assign(state, {
      sid: this.generateId(),
      createdAt: this.keepsCreation ? Date.now() : undefined,
      isNew: true,
      loaded: undefined,
      cookieValue: undefined,
      forceModified: false,
      cleared: false,
    });
  }

  /** Clears the cookie the browser holds, with the attributes it was set with. */
  private clearCookie(state: SessionState, response: SessionResponse): void {
    if (state.cookieSent) {
      putSessionCookie(
        response,
        this.cookieName(),
        serializeClearedCookie(this.cookieName(), this.cookieAttributes()),
      );
    }
    state.cookieSent = false;
  }

  /** A read of a random id, through the same bounded path as a request's. */
  override async checkStore(): Promise<void> {
    await this.storage.load(this.settings.keyPrefix + this.generateId(), false);
  }

  /** Stops the background sweep, then closes the store if this interface created it. */
  override async close(): Promise<void> {
    await this.storage.sweeper.stop();
    if (this.ownsStore) await this.store.close?.();
  }

  /** Deletes the entries left behind by `regenerate()` or `destroy()`. */
  private async deleteDeadIds(state: SessionState): Promise<void> {
    while (state.deadIds.length) {
      const id = state.deadIds[0];
      await this.storage.delete(this.settings.keyPrefix + id);
      state.deadIds.shift();
    }
  }

  private cookieAttributes(): CookieAttributes {
    return {
      domain: this.cookieDomain(),
      path: this.cookiePath(),
      httpOnly: this.cookieHttpOnly(),
      secure: this.cookieSecure(),
      sameSite: this.cookieSameSite(),
      partitioned: this.cookiePartitioned(),
    };
  }

  private newSession(): ServerSideSession {
    const state = this.state(this.generateId(), true);
    if (this.keepsCreation) state.createdAt = Date.now();
    return new ServerSideSession(state, undefined, this.settings.permanent);
  }

  private state(sid: string, isNew: boolean): SessionState {
    return {
      sid,
      isNew,
      deadIds: [],
      cookieSent: false,
      forceModified: false,
      saved: false,
      serializer: this.settings.serializer,
      newId: () => this.generateId(),
    };
  }

  private generateId(): string {
    return generateSessionId(this.settings.idLength);
  }
}
