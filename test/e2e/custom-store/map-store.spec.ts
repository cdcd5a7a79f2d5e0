import type { SessionStore } from 'nestjs-server-session';
import { describeSessionStore } from 'nestjs-server-session/testing';

/** Sessions in a Map, each with its expiry: swap the Map for your backend's client. */
export class MapStore implements SessionStore {
  private readonly entries = new Map<string, { value: Uint8Array; expiresAt: number }>();

  private live(key: string) {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > Date.now() ? entry : undefined;
  }
  async get(key: string) {
    return this.live(key)?.value;
  }
  async set(key: string, value: Uint8Array, ttlMs: number) {
    this.entries.set(key, { value: Uint8Array.from(value), expiresAt: Date.now() + ttlMs });
  }
  async delete(key: string) {
    this.entries.delete(key);
  }
  async touch(key: string, ttlMs: number) {
    const entry = this.live(key);
    if (entry) entry.expiresAt = Date.now() + ttlMs;
    return entry !== undefined;
  }
  async deleteExpired() {
    const before = this.entries.size;
    for (const [key, entry] of this.entries)
      if (entry.expiresAt <= Date.now()) this.entries.delete(key);
    return before - this.entries.size;
  }
}

// SessionModule.forRoot({ store: MapStore }) in the app; the contract in its test file:
describeSessionStore('MapStore', () => new MapStore(), { conditionalWrites: false });
