import { HttpException, type Logger } from '@nestjs/common';
import type { SessionStore, StoreCallOptions, UserSessionEntry } from '../interfaces';
import { SessionStoreUnavailableError, SessionTooLargeError } from '../session.errors';
import { backoff } from '../utils/backoff.util';
import { withTimeout } from '../utils/timeout.util';
import { SESSION_DATA, SESSION_STATE, type ServerSideSession } from './server-side-session';
import { decodeSession, encodeSession, type StoredSession } from './session-codec';
import { applyChanges, changesBetween, type SessionChanges } from './session-merge';
import type { SessionSettings } from './session-settings';
import { SessionSweeper } from './session-sweeper';
import { sessionUser } from './session-user';

/** Compare-and-set rounds before a save under constant concurrent change gives up with a 503. */
const MAX_MERGE_ATTEMPTS = 50;
/** Longest random pause before a retry, so saves that keep colliding spread out. */
const MAX_RETRY_PAUSE_MS = 20;
const EMPTY: StoredSession = { permanent: true, data: {} };

/** The call's options, naming the session's user when there is one. */
function withUser(options: StoreCallOptions, user: string | undefined): StoreCallOptions {
  return user === undefined ? options : { signal: options.signal, user };
}

/**
 * Every call a session interface makes to its store, each bounded by
 * `storeTimeout` (a failure is a 503), and the rules of concurrent saves: a
 * loaded session is never written back once its entry is gone, and with
 * `concurrency: 'merge'` its changes are applied onto the entry as it is now.
 */
export class SessionStorage {
  /** `concurrency: 'merge'` on a store that can compare-and-set. */
  private readonly merges: boolean;
  private saves = 0;
  /** Background removal of expired entries, for stores that keep them. */
  readonly sweeper: SessionSweeper;

  constructor(
    readonly store: SessionStore,
    private readonly settings: SessionSettings,
    private readonly logger: Logger,
  ) {
    this.merges = settings.concurrency === 'merge' && store.compareAndSet !== undefined;
    this.warnOfWeakerConcurrency();
    this.sweeper = new SessionSweeper(store, settings.cleanupInterval, logger);
    this.sweeper.start();
  }

  /** The entry of `key`, refreshed at once when `touch` (with `getAndTouch`). */
  load(key: string, touch: boolean): Promise<Uint8Array | undefined> {
    return touch
      ? this.call('get', (o) => this.store.getAndTouch!(key, this.settings.lifetime, o))
      : this.call('get', (o) => this.store.get(key, o));
  }

  /** The session in `bytes`, or `undefined` (and a warning) when they cannot be read. */
  decode(bytes: Uint8Array, key: string): StoredSession | undefined {
    try {
      return decodeSession(this.settings.serializer, bytes);
    } catch (error) {
      this.logger.warn(
        `Stored session ${key.slice(0, this.settings.keyPrefix.length + 6)}… could not be read (${String(error)}); starting a new session`,
      );
      return undefined;
    }
  }

  /** Stores a session of `user` under a new id, to expire `ttl` ms from now. */
  async create(key: string, bytes: Uint8Array, ttl: number, user?: string): Promise<Uint8Array> {
    this.checkSize(bytes.byteLength);
    await this.call('set', (o) => this.store.set(key, bytes, ttl, withUser(o, user)));
    return bytes;
  }

  /**
   * Writes a loaded session without ever recreating its entry: the bytes now
   * stored, or `undefined` when the entry is gone (destroyed, regenerated away,
   * revoked or expired by another request meanwhile).
   */
  async update(
    session: ServerSideSession,
    key: string,
    bytes: Uint8Array,
    ttl: number,
    user?: string,
  ): Promise<Uint8Array | undefined> {
    this.checkSize(bytes.byteLength);
    if (this.merges) return this.merge(session, key, bytes, ttl, user);
    if (!this.store.update) {
      await this.call('set', (o) => this.store.set(key, bytes, ttl, withUser(o, user)));
      return bytes;
    }
    return (await this.call('update', (o) =>
      this.store.update!(key, bytes, ttl, withUser(o, user)),
    ))
      ? bytes
      : undefined;
  }

  /** Moves the expiry of an unchanged session; `false` when its entry is gone. */
  async refresh(
    session: ServerSideSession,
    key: string,
    bytes: Uint8Array,
    ttl: number,
    user?: string,
  ): Promise<boolean> {
    if (!this.store.touch) return (await this.update(session, key, bytes, ttl, user)) !== undefined;
    const found = await this.call('touch', (o) => this.store.touch!(key, ttl, o));
    return found !== false;
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', (o) => this.store.delete(key, o));
  }

  /** The entries the store lists for `user` (a store without `findByUser` was refused at startup). */
  findByUser(user: string): Promise<UserSessionEntry[]> {
    return this.call('findByUser', (o) => this.store.findByUser!(user, o));
  }

  /** Starts a sweep every `cleanupEvery` saves, in the background. */
  countSave(): void {
    const every = this.settings.cleanupEvery;
    if (!every || !this.store.deleteExpired || ++this.saves % every !== 0) return;
    void this.sweeper.sweep();
  }

  /**
   * Compare-and-set against the entry as loaded; when another save came first,
   * this request's changes are applied onto the entry as it is now, and again.
   */
  private async merge(
    session: ServerSideSession,
    key: string,
    bytes: Uint8Array,
    ttl: number,
    user: string | undefined,
  ): Promise<Uint8Array | undefined> {
    const state = session[SESSION_STATE];
    const { serializer } = this.settings;
    let expected = state.loaded!;
    let next = bytes;
    let changes: SessionChanges | undefined;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.call('compareAndSet', (o) =>
        this.store.compareAndSet!(key, expected, next, ttl, withUser(o, user)),
      );
      if (outcome === 'stored') return next;
      if (outcome === 'missing') return undefined;
      if (attempt === MAX_MERGE_ATTEMPTS) {
        throw new SessionStoreUnavailableError(
          'compareAndSet',
          new Error(
            `the session changed under ${MAX_MERGE_ATTEMPTS} saves in a row; nothing saved`,
          ),
        );
      }
      await backoff(attempt, MAX_RETRY_PAUSE_MS);
      const fresh = await this.call('get', (o) => this.store.get(key, o));
      if (!fresh) return undefined;
      changes ??= changesBetween(
        decodeSession(serializer, state.loaded!),
        session[SESSION_DATA],
        state.cleared === true,
        serializer,
      );
      const merged = applyChanges(this.decode(fresh, key) ?? EMPTY, changes);
      session[SESSION_DATA] = merged;
      user = sessionUser(merged.data, this.settings.userKey);
      expected = fresh;
      next = encodeSession(serializer, merged);
      this.checkSize(next.byteLength);
    }
  }

  private checkSize(size: number): void {
    if (this.settings.maxSize && size > this.settings.maxSize)
      throw new SessionTooLargeError(size, this.settings.maxSize);
  }

  private warnOfWeakerConcurrency(): void {
    const name = this.store.constructor.name;
    if (!this.store.update && !this.store.compareAndSet) {
      this.logger.warn(
        `${name} has no update() or compareAndSet(): a session another request destroyed or regenerated meanwhile can be written back by a concurrent save`,
      );
    } else if (this.settings.concurrency === 'merge' && !this.merges) {
      this.logger.warn(
        `${name} has no compareAndSet(): concurrency (SESSION_CONCURRENCY) 'merge' falls back to 'overwrite', the last save of a session wins whole`,
      );
    }
  }

  /** Runs one store call within `storeTimeout`; any failure becomes a 503. */
  private call<T>(operation: string, run: (options: StoreCallOptions) => Promise<T>): Promise<T> {
    return withTimeout(run, this.settings.storeTimeout, (error) => {
      if (error instanceof HttpException) return error;
      this.logger.error(
        `Session store ${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return new SessionStoreUnavailableError(operation, error);
    });
  }
}
