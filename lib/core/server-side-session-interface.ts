import {
  readCookieValues,
  serializeClearedCookie,
  serializeCookie,
  type CookieAttributes,
} from './cookie';
import type {
  CommonSessionOptions,
  SessionRequest,
  SessionResponse,
  SessionStore,
} from '../interfaces';
import { addVary, putSessionCookie } from './http-response';
import {
  SESSION_DATA,
  SESSION_STATE,
  ServerSideSession,
  type SessionState,
} from './server-side-session';
import { generateSessionId, sessionIdPattern } from './session-id';
import { SessionInterface } from './session-interface';
import { resolveSessionSettings, type SessionSettings } from './session-settings';
import { SessionStorage } from './session-storage';
import { Signer } from './signer';

/** Store lookups for the session cookies of one request, however many it sends. */
const MAX_COOKIE_LOOKUPS = 3;

/** A session id from a cookie; `value` is the cookie to send back as is, when it can be. */
interface SessionCookie {
  sid: string;
  value?: string;
}

/**
 * The server-side session interface: the cookie holds a random id (optionally
 * signed), the data lives in a {@link SessionStore}. Every built-in backend is
 * this class with a different store.
 */
export class ServerSideSessionInterface extends SessionInterface {
  private readonly signer?: Signer;
  private readonly idPattern: RegExp;
  private readonly attributes: CookieAttributes;
  /** Permanent sessions refreshed on every request: what `getAndTouch` is for. */
  private readonly refreshes: boolean;
  private readonly storage: SessionStorage;
  /** A subclass decides when sessions expire: the store follows it, not the lifetime. */
  private readonly customExpiry: boolean;

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
    if (this.settings.useSigner) this.signer = new Signer(this.settings.secrets);
    this.idPattern = sessionIdPattern(this.settings.idLength);
    this.attributes = this.settings.cookie;
    this.refreshes = this.settings.refreshEachRequest && this.settings.permanent;
    this.storage = new SessionStorage(store, this.settings, this.logger);
    this.customExpiry = this.expirationTime !== SessionInterface.prototype.expirationTime;
  }

  /**
   * A browser may send several cookies of the session's name (a stale one on
   * a narrower path comes first): each that verifies is looked up, in order,
   * until one has an entry, at most {@link MAX_COOKIE_LOOKUPS} of them.
   */
  protected async openSession(request: SessionRequest): Promise<ServerSideSession> {
    for (const cookie of this.readCookies(request)) {
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
    const expires = this.expirationTime(session);
    const ttl = this.storeTtl(expires);
    let written: Uint8Array | undefined = bytes;
    if (modified) {
      written = state.isNew
        ? await this.storage.create(key, bytes, ttl)
        : await this.storage.update(session, key, bytes, ttl);
    } else if (!state.touched) {
      // A session loaded with getAndTouch was refreshed then; only its cookie is sent again.
      if (!(await this.storage.refresh(session, key, bytes, ttl))) written = undefined;
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
      serializeCookie(this.cookieName(), this.cookieValue(state), this.cookieAttributes(), expires),
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

  /** The distinct session ids the request's cookies carry, that verify, first ones first. */
  private readCookies(request: SessionRequest): SessionCookie[] {
    const found: SessionCookie[] = [];
    for (const value of readCookieValues(request.headers.cookie, this.cookieName())) {
      const cookie = this.verify(value);
      if (cookie && !found.some(({ sid }) => sid === cookie.sid)) found.push(cookie);
      if (found.length === MAX_COOKIE_LOOKUPS) break;
    }
    return found;
  }

  private verify(value: string): SessionCookie | undefined {
    if (!this.signer) return this.idPattern.test(value) ? { sid: value } : undefined;
    const verified = this.signer.unsign(value);
    // A cookie signed with the current secret is sent back as is, without signing again.
    if (verified && this.idPattern.test(verified.value))
      return { sid: verified.value, value: verified.current ? value : undefined };
    return undefined;
  }

  /** Deletes the entries left behind by `regenerate()` or `destroy()`. */
  private async deleteDeadIds(state: SessionState): Promise<void> {
    while (state.deadIds.length) {
      const id = state.deadIds[0];
      await this.storage.delete(this.settings.keyPrefix + id);
      state.deadIds.shift();
    }
  }

  private cookieValue(state: SessionState): string {
    if (!this.signer) return state.sid;
    state.cookieValue ??= this.signer.sign(state.sid);
    return state.cookieValue;
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
    return new ServerSideSession(
      this.state(this.generateId(), true),
      undefined,
      this.settings.permanent,
    );
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
