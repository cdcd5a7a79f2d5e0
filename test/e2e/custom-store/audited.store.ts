import { Injectable } from '@nestjs/common';
import { MemoryStore, type SessionStore } from '../../../lib';
import { AuditService } from './audit.service';

/** A custom store built through DI: it injects AuditService. */
@Injectable()
export class AuditedStore implements SessionStore {
  private readonly inner = new MemoryStore();
  closed = false;

  constructor(private readonly audit: AuditService) {}

  get(key: string) {
    this.audit.record(`get ${key}`);
    return this.inner.get(key);
  }

  set(key: string, value: Uint8Array, ttlMs: number) {
    this.audit.record(`set ${key}`);
    return this.inner.set(key, value, ttlMs);
  }

  delete(key: string) {
    this.audit.record(`delete ${key}`);
    return this.inner.delete(key);
  }

  touch(key: string, ttlMs: number) {
    this.audit.record(`touch ${key}`);
    return this.inner.touch(key, ttlMs);
  }

  deleteExpired() {
    return this.inner.deleteExpired();
  }

  async close() {
    this.closed = true;
  }
}
