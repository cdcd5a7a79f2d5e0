import type {
  CompareAndSetResult,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';

/** `maxEntries`' default. */
export const DEFAULT_MEMORY_MAX_ENTRIES = 10_000;

export interface MemoryStoreOptions {
  /**
   * `SESSION_MEMORY_MAX_ENTRIES`: the most sessions kept; storing one more
   * drops the expired ones, then the least recently written. Default 10,000.
   */
  maxEntries?: number;
}

interface Entry {
  value: Uint8Array;
  expiresAt: number;
  user?: string;
}

/**
 * Sessions in this process's memory: for tests and single-process
 * development only. Nothing survives a restart and nothing is shared between
 * processes; expired entries are dropped when read or by `deleteExpired()`,
 * and at most `maxEntries` are kept (the oldest written go first).
 */
export class MemoryStore implements SessionStore {
  /** Insertion order is write order: a write moves its key to the end. */
  private readonly entries = new Map<string, Entry>();
  /** The keys of each user's sessions (`userKey`); a key leaves with its entry. */
  private readonly byUser = new Map<string, Set<string>>();
  readonly maxEntries: number;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_MEMORY_MAX_ENTRIES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new SessionConfigError(
        'maxEntries (SESSION_MEMORY_MAX_ENTRIES)',
        `expected an integer >= 1, got ${String(max)}`,
      );
    }
    this.maxEntries = max;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const entry = this.live(key);
    return entry && Buffer.from(entry.value);
  }

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    this.remove(key);
    if (this.entries.size >= this.maxEntries) this.makeRoom();
    const user = options?.user;
    this.entries.set(key, { value: Buffer.from(value), expiresAt: Date.now() + ttlMs, user });
    if (user === undefined) return;
    let keys = this.byUser.get(user);
    if (!keys) this.byUser.set(user, (keys = new Set()));
    keys.add(key);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async findByUser(user: string): Promise<UserSessionEntry[]> {
    const found: UserSessionEntry[] = [];
    for (const key of this.byUser.get(user) ?? []) {
      const entry = this.live(key);
      if (entry)
        found.push({ key, value: Buffer.from(entry.value), expiresAt: new Date(entry.expiresAt) });
    }
    return found;
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry) entry.expiresAt = Date.now() + ttlMs;
    return entry !== undefined;
  }

  async update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    if (!this.live(key)) return false;
    await this.set(key, value, ttlMs, options);
    return true;
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    const entry = this.live(key);
    if (!entry) return 'missing';
    if (!Buffer.from(entry.value).equals(expected)) return 'changed';
    await this.set(key, value, ttlMs, options);
    return 'stored';
  }

  async deleteExpired(): Promise<number> {
    const now = Date.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.remove(key);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.byUser.clear();
  }

  /** Frees one place at least: the expired entries, else the oldest written. */
  private makeRoom(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.remove(key);
    if (this.entries.size < this.maxEntries) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.remove(oldest.value);
  }

  /** Drops the entry and its place in its user's keys. */
  private remove(key: string): void {
    const user = this.entries.get(key)?.user;
    this.entries.delete(key);
    if (user === undefined) return;
    const keys = this.byUser.get(user);
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(user);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.remove(key);
      return undefined;
    }
    return entry;
  }
}
