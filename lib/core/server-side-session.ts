import type { SessionSerializer } from '../interfaces/session-serializer.interface';
import { SessionNotConfiguredError } from '../session.errors';
import { encodeSession, type SessionData, type StoredSession } from './session-codec';

/** What a session keeps for its interface; not part of the public surface. */
export interface SessionState {
  sid: string;
  isNew: boolean;
  /** The signed cookie value the request arrived with, when it can be sent back as is. */
  cookieValue?: string;
  /** The store already moved the expiry while loading (`getAndTouch`): no refresh needed. */
  touched?: boolean;
  /** Set by the interface while it saves, so `modified` is not serialized a second time. */
  knownModified?: boolean;
  /** Serialized form as loaded, to tell whether anything changed. */
  loaded?: Uint8Array;
  /**
   * The data may differ from `loaded`: something was written, or a value that
   * can be changed in place was handed out. Until then, nothing needs serializing.
   */
  mayDiffer?: boolean;
  /** `clear()` ran: a merge with a concurrent save keeps none of the keys it wrote. */
  cleared?: boolean;
  /**
   * When the session began (epoch ms), kept with it when `userKey` or
   * `absoluteLifetime` is set; `regenerate()` starts it again.
   */
  createdAt?: number;
  /** Ids whose stored entries must be deleted when saved (after regenerate or destroy). */
  deadIds: string[];
  /** The browser holds a cookie that has to be cleared if nothing replaces it. */
  cookieSent: boolean;
  forceModified: boolean;
  /** Saved once already in this request (by an explicit `save()`). */
  saved: boolean;
  serializer: SessionSerializer;
  newId: () => string;
  commit?: () => Promise<void>;
  /** The save in progress: the next one waits for it. */
  saving?: Promise<void>;
}

export const SESSION_STATE = Symbol('session state');
/** The session's data and `permanent` in their stored form, read or replaced by its interface. */
export const SESSION_DATA = Symbol('session data');

/**
 * The session of one request: a small map of values plus Flask's
 * `sid`, `isNew`, `permanent`, `modified` and `accessed`.
 *
 * Changes are detected by comparing the serialized data with what was loaded,
 * so mutating a nested value counts (Flask needs `session.modified = True`).
 */
export class ServerSideSession<T extends object = Record<string, unknown>> {
  /** @internal */
  readonly [SESSION_STATE]: SessionState;
  private data: SessionData;
  private isPermanent: boolean;
  private wasAccessed = false;

  /** @internal Sessions are made by a {@link SessionInterface}. */
  constructor(state: SessionState, data: SessionData | undefined, permanent: boolean) {
    this[SESSION_STATE] = state;
    this.data = Object.assign(Object.create(null) as SessionData, data);
    this.isPermanent = permanent;
  }

  /** The session id (the random part of the cookie). */
  get sid(): string {
    return this[SESSION_STATE].sid;
  }

  /** True until the session has been stored. */
  get isNew(): boolean {
    return this[SESSION_STATE].isNew;
  }

  /** True when any value was read or written; such responses get `Vary: Cookie`. */
  get accessed(): boolean {
    return this.wasAccessed;
  }

  /** A permanent session's cookie has an expiry; otherwise it ends with the browser session. */
  get permanent(): boolean {
    return this.isPermanent;
  }

  set permanent(value: boolean) {
    this.beforeWrite();
    this.isPermanent = value;
  }

  /** True when the data (or `permanent`) differs from what was loaded. Set it to force a save. */
  get modified(): boolean {
    const state = this[SESSION_STATE];
    if (state.forceModified) return true;
    if (state.knownModified !== undefined) return state.knownModified;
    if (!state.loaded) return this.size > 0 || state.deadIds.length > 0;
    if (!state.mayDiffer) return false;
    return !Buffer.from(state.loaded).equals(this.serialize());
  }

  set modified(value: boolean) {
    this[SESSION_STATE].forceModified = value;
  }

  get size(): number {
    return Object.keys(this.data).length;
  }

  get<K extends keyof T & string>(key: K): T[K] | undefined {
    this.wasAccessed = true;
    const value = Object.hasOwn(this.data, key) ? (this.data[key] as T[K]) : undefined;
    if (typeof value === 'object' && value !== null) this[SESSION_STATE].mayDiffer = true;
    return value;
  }

  set<K extends keyof T & string>(key: K, value: T[K]): this {
    this.beforeWrite();
    this.data[key] = value;
    return this;
  }

  has(key: keyof T & string): boolean {
    this.wasAccessed = true;
    return Object.hasOwn(this.data, key);
  }

  delete(key: keyof T & string): boolean {
    this.beforeWrite();
    if (!Object.hasOwn(this.data, key)) return false;
    delete this.data[key];
    return true;
  }

  clear(): void {
    this.beforeWrite();
    this[SESSION_STATE].cleared = true;
    this.data = Object.create(null) as SessionData;
  }

  keys(): (keyof T & string)[] {
    this.wasAccessed = true;
    return Object.keys(this.data) as (keyof T & string)[];
  }

  /** A plain copy of the data (without `permanent` or other metadata). */
  toJSON(): Partial<T> {
    this.wasAccessed = true;
    this[SESSION_STATE].mayDiffer = true; // the copy is shallow
    return Object.fromEntries(Object.entries(this.data)) as Partial<T>;
  }

  /**
   * Moves the data to a new id and deletes the old entry when saved; call it
   * after login so an id known before authentication is worthless after it.
   */
  regenerate(): void {
    this.beforeWrite();
    const state = this[SESSION_STATE];
    if (!state.isNew) state.deadIds.push(state.sid);
    if (state.createdAt !== undefined) state.createdAt = Date.now();
    state.sid = state.newId();
    state.isNew = true;
    state.cookieValue = undefined;
    state.loaded = undefined;
  }

  /** Deletes the stored entry and the cookie when saved. Setting a value afterwards starts a new session. */
  destroy(): void {
    this.regenerate();
    this.data = Object.create(null) as SessionData;
  }

  /**
   * Saves now and sets the cookie on the response. Needed only when the
   * handler writes the response itself (`@Res()`); otherwise saving is automatic.
   */
  async save(): Promise<void> {
    const commit = this[SESSION_STATE].commit;
    if (!commit)
      throw new Error(
        'This session is not bound to a response; save() works inside a request handled by SessionModule',
      );
    await commit();
  }

  /** @internal The stored form: data and metadata side by side. */
  serialize(): Uint8Array {
    return encodeSession(this[SESSION_STATE].serializer, this[SESSION_DATA]);
  }

  /** @internal */
  get [SESSION_DATA](): StoredSession {
    return {
      permanent: this.isPermanent,
      data: this.data,
      createdAt: this[SESSION_STATE].createdAt,
    };
  }

  /** @internal After a merge: what the store now holds. */
  set [SESSION_DATA](stored: StoredSession) {
    this.data = Object.assign(Object.create(null) as SessionData, stored.data);
    this.isPermanent = stored.permanent;
    if (stored.createdAt !== undefined) this[SESSION_STATE].createdAt = stored.createdAt;
  }

  protected beforeWrite(): void {
    this.wasAccessed = true;
    this[SESSION_STATE].mayDiffer = true;
  }
}

/**
 * The session used when no store is configured (`SESSION_TYPE=null`): it reads
 * as empty and every write fails with an error that says how to configure a store.
 */
export class NullSession<T extends object = Record<string, unknown>> extends ServerSideSession<T> {
  protected override beforeWrite(): never {
    throw new SessionNotConfiguredError();
  }

  override async save(): Promise<void> {}
}
