/**
 * Injection token of the session store in use. Inject it to run
 * `deleteExpired()` from a scheduled job, or provide your own store with it.
 */
export const SessionStore = Symbol('SessionStore');

/**
 * Where session bytes live. Keys arrive complete (`keyPrefix + id`), values are
 * opaque bytes, and every method may be bounded by the module's `storeTimeout`.
 *
 * Implement it to plug in any backend; `describeSessionStore` from
 * `nestjs-server-session/testing` is the suite a store has to pass.
 */
/** What {@link SessionStore.compareAndSet} did. */
export type CompareAndSetResult = 'stored' | 'changed' | 'missing';

/**
 * Given to every store call: `signal` aborts when the call exceeds
 * `storeTimeout` (it already answered 503); pass it to a client that can
 * cancel a request, so a late write does not land after all.
 */
export interface StoreCallOptions {
  readonly signal?: AbortSignal;
  /**
   * With `userKey`, on every write of a value (`set`, `update`,
   * `compareAndSet`): the user the session belongs to, `undefined` for none.
   * A store with {@link SessionStore.findByUser} records the key under that
   * user, in the same step as the write where it can.
   */
  readonly user?: string;
}

/** An entry {@link SessionStore.findByUser} found. */
export interface UserSessionEntry {
  /** The full key (`keyPrefix + id`). */
  key: string;
  /** The stored bytes, as `get` would return them. */
  value: Uint8Array;
  /** When the entry expires, as the store holds it (moved by writes and `touch`). */
  expiresAt: Date;
}

export interface SessionStore {
  /** The stored bytes, or `undefined` when the key is missing or expired. */
  get(key: string, options?: StoreCallOptions): Promise<Uint8Array | undefined>;
  /** Creates or replaces the entry; it expires `ttlMs` milliseconds from now. */
  set(key: string, value: Uint8Array, ttlMs: number, options?: StoreCallOptions): Promise<void>;
  /** Removes the entry; a missing key is not an error. */
  delete(key: string, options?: StoreCallOptions): Promise<void>;
  /**
   * Moves the expiry of an existing entry to `ttlMs` from now without rewriting
   * its value, and says whether there was one (`false`: missing or expired,
   * nothing created; `void` from a store that cannot tell). Without it, a
   * refresh rewrites the value.
   */
  touch?(key: string, ttlMs: number, options?: StoreCallOptions): Promise<boolean | void>;
  /**
   * Replaces the entry only if it exists (not deleted, not expired), in one
   * atomic step on the server (Redis `SET … XX`, SQL `UPDATE … WHERE`, …), and
   * says whether it did. A loaded session is saved with it, so an entry another
   * request destroyed, regenerated away or revoked is never recreated. Without
   * it, such saves use `set` (and a startup warning says so).
   */
  update?(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean>;
  /**
   * Compare-and-set: replaces the entry with `value` only if its stored bytes
   * are still exactly `expected` (the bytes are the entry's version), atomically
   * on the server. `'changed'` when another write came first (nothing written),
   * `'missing'` when the entry is gone. `concurrency: 'merge'` needs it: on
   * `'changed'` the session reloads, applies its own changes again and retries.
   */
  compareAndSet?(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult>;
  /**
   * Reads the entry and moves its expiry to `ttlMs` from now, in one round trip
   * (Redis `GETEX key PX ttl`). Used instead of `get` when the session would be
   * refreshed after the request anyway (`refreshEachRequest` with permanent
   * sessions), so an unmodified session costs one store call instead of two.
   */
  getAndTouch?(
    key: string,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<Uint8Array | undefined>;
  /**
   * Every live entry last written with `options.user === user` (what `userKey`
   * needs): never a missing or expired one. It may also return an entry
   * rewritten since without that user, with its current value; the module
   * reads the user from the value and leaves such entries out.
   */
  findByUser?(user: string, options?: StoreCallOptions): Promise<UserSessionEntry[]>;
  /**
   * Removes expired entries, in batches; returns how many were removed when
   * known. A sweep may stop after a bounded number of batches: the next one
   * continues.
   */
  deleteExpired?(): Promise<number | void>;
  /**
   * `true` when expired entries stay until `deleteExpired()` removes them (the
   * server has no TTL of its own): the module then sweeps every
   * `cleanupInterval`. Read before each sweep, so a store may set it once it
   * knows (DynamoDB, when the table's TTL is on another attribute).
   */
  readonly needsSweep?: boolean;
  /** Releases what the store opened itself (never a client it was given). */
  close?(): Promise<void>;
}
