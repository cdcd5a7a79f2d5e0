import type { SessionSerializer } from '../interfaces';

export type SessionData = Record<string, unknown>;

/** A session as stored: its data and, beside it, whether it is permanent and when it began. */
export interface StoredSession {
  permanent: boolean;
  data: SessionData;
  /**
   * When the session was created or last regenerated (epoch ms), kept when
   * `userKey` or `absoluteLifetime` is set.
   */
  createdAt?: number;
}

function isStoredForm(value: unknown): value is { p: boolean; d: SessionData; c?: unknown } {
  if (value === null || typeof value !== 'object') return false;
  const { p, d } = value as { p?: unknown; d?: unknown };
  return typeof p === 'boolean' && d !== null && typeof d === 'object' && !Array.isArray(d);
}

export function encodeSession(serializer: SessionSerializer, session: StoredSession): Uint8Array {
  return serializer.dumps(
    session.createdAt === undefined
      ? { p: session.permanent, d: session.data }
      : { p: session.permanent, d: session.data, c: session.createdAt },
  );
}

/** The stored session in `bytes`; throws when they are not one. */
export function decodeSession(serializer: SessionSerializer, bytes: Uint8Array): StoredSession {
  const value = serializer.loads(bytes);
  if (!isStoredForm(value)) throw new TypeError('not a stored session');
  const createdAt = typeof value.c === 'number' && Number.isFinite(value.c) ? value.c : undefined;
  return { permanent: value.p, data: value.d, createdAt };
}
