import type { SessionSerializer } from '../interfaces';

export type SessionData = Record<string, unknown>;

/** A session as stored: its data and, beside it, whether it is permanent. */
export interface StoredSession {
  permanent: boolean;
  data: SessionData;
}

function isStoredForm(value: unknown): value is { p: boolean; d: SessionData } {
  if (value === null || typeof value !== 'object') return false;
  const { p, d } = value as { p?: unknown; d?: unknown };
  return typeof p === 'boolean' && d !== null && typeof d === 'object' && !Array.isArray(d);
}

export function encodeSession(serializer: SessionSerializer, session: StoredSession): Uint8Array {
  return serializer.dumps({ p: session.permanent, d: session.data });
}

/** The stored session in `bytes`; throws when they are not one. */
export function decodeSession(serializer: SessionSerializer, bytes: Uint8Array): StoredSession {
  const value = serializer.loads(bytes);
  if (!isStoredForm(value)) throw new TypeError('not a stored session');
  return { permanent: value.p, data: value.d };
}
