import { HttpException } from '@nestjs/common';
import {
  readCookieValues,
  serializeClearedCookie,
  serializeCookie,
  type CookieAttributes,
} from './cookie';
import type { SessionRequest, SessionResponse } from '../interfaces';
import { addVary, putSessionCookie } from './http-response';
import { SESSION_STATE, ServerSideSession, type SessionState } from './server-side-session';
import { SessionStoreUnavailableError, SessionTooLargeError } from '../session.errors';
import { SessionInterface } from './session-interface';
import type { CommonSessionOptions } from '../interfaces';
import { resolveSessionSettings, type SessionSettings } from './session-settings';
import { generateSessionId, sessionIdPattern } from './session-id';
import { withTimeout } from '../utils/timeout.util';
import type { SessionStore } from '../interfaces/session-store.interface';
import { Signer } from './signer';

type Data = Record<string, unknown>;

interface StoredSession {
  permanent: boolean;
  data: Data;
}

function isStoredSession(value: unknown): value is { p: boolean; d: Data } {
  if (value === null || typeof value !== 'object') return false;
  const { p, d } = value as { p?: unknown; d?: unknown };
  return typeof p === 'boolean' && d !== null && typeof d === 'object' && !Array.isArray(d);
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
  private saves = 0;
  /** Permanent sessions refreshed on every request: what `getAndTouch` is for. */
  private readonly refreshes: boolean;

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
  }

  protected async openSession(request: SessionRequest): Promise<ServerSideSession> {
    const cookie = this.readCookie(request);
    if (!cookie) return this.newSession();
    const key = this.settings.keyPrefix + cookie.sid;
    // A session that will be refreshed after the request anyway is read and refreshed at once.
    const touch = this.refreshes && this.store.getAndTouch !== undefined;
    const bytes = touch
      ? await this.call('get', () => this.store.getAndTouch!(key, this.settings.lifetime))
      : await this.call('get', () => this.store.get(key));
    if (!bytes) return this.newSession();
    const stored = this.decode(bytes, key);
    if (!stored) return this.newSession();
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
      if (!state.isNew) await this.call('delete', () => this.store.delete(key));
      if (state.cookieSent)
        putSessionCookie(
          response,
          this.cookieName(),
          serializeClearedCookie(this.cookieName(), this.cookieAttributes()),
        );
      state.cookieSent = false;
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
    if (modified) {
      this.checkSize(bytes.byteLength);
      await this.call('set', () => this.store.set(key, bytes, this.settings.lifetime));
    } else if (state.touched) {
      // Refreshed by getAndTouch when it was loaded; only the cookie is sent again.
    } else if (this.store.touch) {
      await this.call('touch', () => this.store.touch!(key, this.settings.lifetime));
    } else {
      await this.call('set', () => this.store.set(key, bytes, this.settings.lifetime));
    }
    // Regenerated while it was written: the save queued behind this one stores the new id.
    if (state.sid !== sid) return;
    // Only once the data is safe under its new id: a failed save keeps the old session.
    if (modified) await this.deleteDeadIds(state);
    state.isNew = false;
    state.loaded = bytes;
    state.forceModified = false;
    state.cookieSent = true;
    putSessionCookie(
      response,
      this.cookieName(),
      serializeCookie(
        this.cookieName(),
        this.cookieValue(state),
        this.cookieAttributes(),
        this.expirationTime(session),
      ),
    );
    this.scheduleCleanup();
  }

  override async close(): Promise<void> {
    if (this.ownsStore) await this.store.close?.();
  }

  private readCookie(request: SessionRequest): { sid: string; value?: string } | undefined {
    for (const value of readCookieValues(request.headers.cookie, this.cookieName())) {
      if (!this.signer) {
        if (this.idPattern.test(value)) return { sid: value };
        continue;
      }
      const verified = this.signer.unsign(value);
      // A cookie signed with the current secret is sent back as is, without signing again.
      if (verified && this.idPattern.test(verified.value))
        return { sid: verified.value, value: verified.current ? value : undefined };
    }
    return undefined;
  }

  /** Deletes the entries left behind by `regenerate()` or `destroy()`. */
  private async deleteDeadIds(state: SessionState): Promise<void> {
    while (state.deadIds.length) {
      const id = state.deadIds[0];
      await this.call('delete', () => this.store.delete(this.settings.keyPrefix + id));
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

  private decode(bytes: Uint8Array, key: string): StoredSession | undefined {
    try {
      const value = this.settings.serializer.loads(bytes);
      if (isStoredSession(value)) return { permanent: value.p, data: value.d };
      throw new TypeError('not a stored session');
    } catch (error) {
      this.logger.warn(
        `Stored session ${key.slice(0, this.settings.keyPrefix.length + 6)}… could not be read (${String(error)}); starting a new session`,
      );
      return undefined;
    }
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

  private checkSize(size: number): void {
    if (this.settings.maxSize && size > this.settings.maxSize)
      throw new SessionTooLargeError(size, this.settings.maxSize);
  }

  private scheduleCleanup(): void {
    const every = this.settings.cleanupEvery;
    if (!every || !this.store.deleteExpired || ++this.saves % every !== 0) return;
    this.call('deleteExpired', () => this.store.deleteExpired!()).catch((error: unknown) =>
      this.logger.error(`Removing expired sessions failed: ${String(error)}`),
    );
  }

  /** Runs one store call within `storeTimeout`; any failure becomes a 503. */
  private call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return withTimeout(run, this.settings.storeTimeout, (error) => {
      if (error instanceof HttpException) return error;
      this.logger.error(
        `Session store ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return new SessionStoreUnavailableError(operation, error);
    });
  }
}
