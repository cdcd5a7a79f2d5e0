import type { SessionStore } from '../../interfaces/session-store.interface';

interface Entry {
  value: Uint8Array;
  expiresAt: number;
}

/**
 * Sessions in this process's memory: for tests and single-process
 * development only. Nothing survives a restart and nothing is shared between
 * processes; expired entries are dropped when read or by `deleteExpired()`.
 */
export class MemoryStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();

  async get(key: string): Promise<Uint8Array | undefined> {
    const entry = this.live(key);
    return entry && Buffer.from(entry.value);
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.entries.set(key, { value: Buffer.from(value), expiresAt: Date.now() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async touch(key: string, ttlMs: number): Promise<void> {
    const entry = this.live(key);
    if (entry) entry.expiresAt = Date.now() + ttlMs;
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

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
