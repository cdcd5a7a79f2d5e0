import type { SessionStore } from '../../lib';

/** Every method a store may have: the recorder wraps each one the store defines. */
export const STORE_OPERATIONS = [
  'get',
  'set',
  'delete',
  'touch',
  'update',
  'compareAndSet',
  'getAndTouch',
  'findByUser',
  'deleteExpired',
  'close',
] as const;

export type StoreOperation = (typeof STORE_OPERATIONS)[number];

// Fails to compile when SessionStore gains a method the recorder would not see.
type StoreMethod = {
  [K in keyof SessionStore]-?: NonNullable<SessionStore[K]> extends (...args: never[]) => unknown
    ? K
    : never;
}[keyof SessionStore];
type Unrecorded = Exclude<StoreMethod, StoreOperation>;
const everyMethodRecorded: [Unrecorded] extends [never] ? true : never = true;
void everyMethodRecorded;

export interface StoreCall {
  operation: StoreOperation;
  /** The key it was called with (the user for `findByUser`, `''` for `deleteExpired` and `close`). */
  key: string;
  /** What the call resolved to, once it has; `failed` when it rejected. */
  outcome?: unknown;
  failed?: boolean;
}

export interface StoreRecorder {
  /** Every call since the last `clear()`, in order. */
  readonly calls: StoreCall[];
  /**
   * Keys of the calls that may have changed an entry: `set` and `delete`, and
   * `touch`, `update`, `compareAndSet` and `getAndTouch` unless they said the
   * entry was missing (`false`, `'missing'`, `undefined`).
   */
  writtenKeys(): string[];
  /** The calls as `operation key` lines, for exact comparisons. */
  lines(): string[];
  /** Makes the next `times` calls of `operation` reject with `error`, without reaching the store. */
  fail(operation: StoreOperation, times?: number, error?: Error): void;
  clear(): void;
  /** Puts the store's own methods back. */
  restore(): void;
}

const WITHOUT_KEY: ReadonlySet<StoreOperation> = new Set(['deleteExpired', 'close']);

/** Whether `call` may have changed the entry of its key. */
function mayHaveWritten(call: StoreCall): boolean {
  switch (call.operation) {
    case 'set':
    case 'delete':
      return true;
    case 'touch':
    case 'update':
      return call.failed === true || call.outcome !== false;
    case 'compareAndSet':
      return call.failed === true || call.outcome !== 'missing';
    case 'getAndTouch':
      return call.failed === true || call.outcome !== undefined;
    default:
      return false;
  }
}

/**
 * Records every call the session interface makes to `store`, with its key and
 * outcome, by wrapping the store's methods in place (the interface keeps calling
 * the same object), and can make chosen calls fail.
 */
export function recordStoreKeys(store: SessionStore): StoreRecorder {
  const calls: StoreCall[] = [];
  const failures = new Map<StoreOperation, { times: number; error: Error }>();
  const methods = store as unknown as Record<StoreOperation, unknown>;
  const wrapped: { operation: StoreOperation; own: boolean; original: unknown }[] = [];
  for (const operation of STORE_OPERATIONS) {
    const original = methods[operation];
    if (typeof original !== 'function') continue;
    wrapped.push({ operation, own: Object.hasOwn(methods, operation), original });
    methods[operation] = async (...args: unknown[]) => {
      const call: StoreCall = {
        operation,
        key: WITHOUT_KEY.has(operation) ? '' : String(args[0]),
      };
      calls.push(call);
      const failure = failures.get(operation);
      if (failure && failure.times > 0) {
        failure.times--;
        call.failed = true;
        throw failure.error;
      }
      try {
        call.outcome = await (original as (...a: unknown[]) => Promise<unknown>).apply(store, args);
        return call.outcome;
      } catch (error) {
        call.failed = true;
        throw error;
      }
    };
  }
  return {
    calls,
    writtenKeys: () => calls.filter(mayHaveWritten).map((c) => c.key),
    lines: () => calls.map((c) => `${c.operation} ${c.key}`.trimEnd()),
    fail: (operation, times = 1, error = new Error(`injected ${operation} failure`)) => {
      failures.set(operation, { times, error });
    },
    clear: () => {
      calls.splice(0);
      failures.clear();
    },
    restore: () => {
      for (const { operation, own, original } of wrapped) {
        if (own) methods[operation] = original;
        else delete (methods as Partial<Record<StoreOperation, unknown>>)[operation];
      }
    },
  };
}
