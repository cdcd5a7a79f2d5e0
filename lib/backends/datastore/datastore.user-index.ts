import { createHash } from 'node:crypto';

/** Longest string Datastore indexes, in bytes. */
const MAX_INDEXED_BYTES = 1500;

/** What the indexed `user` property of a session entity holds. */
export type DatastoreUserValue = string | Buffer | null;

/**
 * The `user` property for `user` (`null`: no user). An id longer than
 * Datastore indexes is stored as its SHA-256, a blob: a query for a string
 * never matches a blob, so it cannot collide with a short id.
 */
export function userValue(user: string | undefined): DatastoreUserValue {
  if (user === undefined) return null;
  if (Buffer.byteLength(user) <= MAX_INDEXED_BYTES) return user;
  return createHash('sha256').update(user).digest();
}

/** A `user` property as read back (a value the store wrote, or none on an older entity). */
export function readUserValue(value: unknown): DatastoreUserValue {
  return typeof value === 'string' || Buffer.isBuffer(value) ? value : null;
}

/** Storage size of the `user` property: its name and value (`undefined`: not written). */
export function userPropertySize(value: DatastoreUserValue | undefined): number {
  if (value === undefined) return 0;
  const name = Buffer.byteLength('user') + 1;
  if (value === null) return name + 1;
  return name + (typeof value === 'string' ? Buffer.byteLength(value) : value.length) + 1;
}
