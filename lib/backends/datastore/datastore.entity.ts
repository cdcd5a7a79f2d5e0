import type { DatastoreSessionEntity } from '../../interfaces';
import { userPropertySize, type DatastoreUserValue } from './datastore.user-index';

/** Datastore's limit on an entity, in bytes (Firestore in Datastore mode storage sizes). */
const MAX_ENTITY_BYTES = 1_048_572;

/** Storage size of a UTF-8 string property part: its bytes plus one. */
const stringSize = (text: string) => Buffer.byteLength(text) + 1;

/**
 * The largest value Datastore accepts for `key` in `kind`: the entity limit
 * less the key (kind and name, plus 16), the property names, the expiry (8),
 * the blob's own byte, the `user` property if any, and the entity's 32.
 */
export function maxValueBytes(kind: string, key: string, user?: DatastoreUserValue): number {
  const keySize = stringSize(kind) + stringSize(key) + 16;
  const fixed = stringSize('data') + 1 + stringSize('expiresAt') + 8 + userPropertySize(user);
  return MAX_ENTITY_BYTES - 32 - keySize - fixed - 64;
}

/** A session entity as the client reads it back. */
export interface SessionEntity {
  data: Buffer;
  expiresAt: Date;
  user?: unknown;
}

export function isSessionEntity(value: unknown): value is SessionEntity {
  const entity = value as { data?: unknown; expiresAt?: unknown } | null | undefined;
  return (
    typeof entity === 'object' &&
    entity !== null &&
    Buffer.isBuffer(entity.data) &&
    entity.expiresAt instanceof Date
  );
}

/** The entity to save; `user` is written only when given (`indexUsers`), `null` for no user. */
export function sessionEntity(
  key: object,
  data: Buffer,
  ttlMs: number,
  user?: DatastoreUserValue,
): DatastoreSessionEntity {
  const expiresAt = new Date(Date.now() + ttlMs);
  return {
    key,
    data: user === undefined ? { data, expiresAt } : { data, expiresAt, user },
    excludeFromIndexes: ['data'],
  };
}
