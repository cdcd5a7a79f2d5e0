import type { SessionStore } from '../../lib';

export type StoreOperation = 'get' | 'set' | 'touch' | 'delete';

export interface StoreCall {
  operation: StoreOperation;
  key: string;
}

export interface StoreRecorder {
  /** Every call since the last `clear()`, in order. */
  readonly calls: StoreCall[];
  /** Keys of the calls that write (`set`, `touch`, `delete`). */
  writtenKeys(): string[];
  clear(): void;
  /** Puts the store's own methods back. */
  restore(): void;
}

/**
 * Records every key the session interface passes to `store`, by wrapping the
 * store's methods in place (the interface keeps calling the same object), so
 * a test can check which ids were ever written.
 */
export function recordStoreKeys(store: SessionStore): StoreRecorder {
  const calls: StoreCall[] = [];
  const methods = store as unknown as Record<StoreOperation, unknown>;
  const wrapped: { operation: StoreOperation; own: boolean; original: unknown }[] = [];
  for (const operation of ['get', 'set', 'touch', 'delete'] as const) {
    const original = methods[operation];
    if (typeof original !== 'function') continue;
    wrapped.push({ operation, own: Object.hasOwn(methods, operation), original });
    methods[operation] = (key: string, ...rest: unknown[]) => {
      calls.push({ operation, key });
      return (original as (...args: unknown[]) => unknown).call(store, key, ...rest);
    };
  }
  return {
    calls,
    writtenKeys: () => calls.filter((c) => c.operation !== 'get').map((c) => c.key),
    clear: () => calls.splice(0),
    restore: () => {
      for (const { operation, own, original } of wrapped) {
        if (own) methods[operation] = original;
        else delete (methods as Partial<Record<StoreOperation, unknown>>)[operation];
      }
    },
  };
}
