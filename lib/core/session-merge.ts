import type { SessionSerializer } from '../interfaces';
import type { SessionData, StoredSession } from './session-codec';

/** What one request changed in a session, key by key. */
export interface SessionChanges {
  /** `clear()` ran: keys this request did not set are dropped, whoever wrote them. */
  cleared: boolean;
  set: Map<string, unknown>;
  deleted: Set<string>;
  /** `permanent` as this request left it, when it changed it. */
  permanent?: boolean;
}

/**
 * The changes that turn `loaded` into `current`: top-level keys whose
 * serialized value differs (so a nested value changed in place counts), keys
 * that went, and `permanent`.
 */
export function changesBetween(
  loaded: StoredSession,
  current: StoredSession,
  cleared: boolean,
  serializer: SessionSerializer,
): SessionChanges {
  const same = (a: unknown, b: unknown) =>
    Buffer.from(serializer.dumps(a)).equals(serializer.dumps(b));
  const set = new Map<string, unknown>();
  for (const [key, value] of Object.entries(current.data)) {
    if (cleared || !Object.hasOwn(loaded.data, key) || !same(loaded.data[key], value)) {
      set.set(key, value);
    }
  }
  const deleted = new Set(
    Object.keys(loaded.data).filter((key) => !Object.hasOwn(current.data, key)),
  );
  const permanent = current.permanent === loaded.permanent ? undefined : current.permanent;
  return { cleared, set, deleted, permanent };
}

/** `changes` applied onto `stored`, the entry as another request left it. */
export function applyChanges(stored: StoredSession, changes: SessionChanges): StoredSession {
  const data: SessionData = Object.create(null) as SessionData;
  if (!changes.cleared) {
    for (const [key, value] of Object.entries(stored.data)) {
      if (!changes.deleted.has(key)) define(data, key, value);
    }
  }
  for (const [key, value] of changes.set) define(data, key, value);
  return { permanent: changes.permanent ?? stored.permanent, data, createdAt: stored.createdAt };
}

/** Assigns without reaching a prototype setter (`__proto__` is plain data). */
function define(target: SessionData, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
