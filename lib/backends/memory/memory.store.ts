import type { CompareAndSetResult, SessionStore } from '../../interfaces';
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

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.makeRoom();
    this.entries.set(key, { value: Buffer.from(value), expiresAt: Date.now() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry) entry.expiresAt = Date.now() + ttlMs;
    return entry !== undefined;
  }

  async update(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (!this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    const entry = this.live(key);
    if (!entry) return 'missing';
    if (!Buffer.from(entry.value).equals(expected)) return 'changed';
    await this.set(key, value, ttlMs);
    return 'stored';
  }

  async deleteExpired(): Promise<number> {
    const now = Date.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  /** Frees one place at least: the expired entries, else the oldest written. */
  private makeRoom(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    if (this.entries.size < this.maxEntries) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
