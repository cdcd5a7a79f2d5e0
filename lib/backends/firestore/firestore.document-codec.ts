import { createHash } from 'node:crypto';
import type { FirestoreSnapshotLike, FirestoreTimestampLike } from '../../interfaces';

/** Firestore's limit on a document id, in UTF-8 bytes. */
export const FIRESTORE_MAX_ID_BYTES = 1500;
/** Firestore's limit on a document, in bytes (storage size). */
const MAX_DOCUMENT_BYTES = 1_048_576;

/**
 * The document id of a session key. Firestore refuses ids that contain `/`,
 * are `.` or `..`, or match `__.*__`; a key prefix may bring any of these.
 * `%` and `/` are percent-encoded, and the first character of a reserved id
 * too, so the mapping is one-to-one and readable ids (`session:…`) stay as
 * they are. An id still over 1500 bytes becomes `%h` + its SHA-256: no
 * escaped id starts with `%h`, so it cannot meet another key's id.
 */
export function firestoreDocumentId(key: string): string {
  let id = key.replace(/[%/]/g, (c) => (c === '%' ? '%25' : '%2F'));
  if (id === '' || id === '.' || id === '..' || /^__.*__$/s.test(id)) {
    id = id === '' ? '%00' : `%${id.charCodeAt(0).toString(16).toUpperCase()}${id.slice(1)}`;
  }
  if (Buffer.byteLength(id) > FIRESTORE_MAX_ID_BYTES) {
    id = `${HASHED}${createHash('sha256').update(key).digest('hex')}`;
  }
  return id;
}

/** Id prefix of a hashed (over-long) key: such a document keeps its key in a `key` field when it has a user. */
const HASHED = '%h';

/**
 * The session key of document `id`, as {@link firestoreDocumentId} made it:
 * the escapes undone, or for a hashed id the document's `key` field
 * (`undefined` when it has none).
 */
export function firestoreKeyOf(id: string, snapshot: FirestoreSnapshotLike): string | undefined {
  if (id.startsWith(HASHED)) {
    const key = snapshot.get('key');
    return typeof key === 'string' ? key : undefined;
  }
  if (id === '%00') return '';
  // Every `%` of a key is escaped, so each `%` of an id starts an escape.
  return id.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Whether document `id` is a hashed key, which {@link firestoreKeyOf} cannot undo. */
export const isHashedDocumentId = (id: string) => id.startsWith(HASHED);

/** A Firestore collection id: no `/`, not `.` or `..`, not `__reserved__`, 1 to 1500 bytes. */
export function isFirestoreCollectionId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value !== '' &&
    value !== '.' &&
    value !== '..' &&
    !value.includes('/') &&
    !/^__.*__$/s.test(value) &&
    Buffer.byteLength(value) <= FIRESTORE_MAX_ID_BYTES
  );
}

/** Storage size of a UTF-8 string: its bytes plus one. */
const stringSize = (text: string) => Buffer.byteLength(text) + 1;

/**
 * The largest value Firestore accepts under document `id` of `collection`:
 * the document limit less its name (both path segments, plus 16), the field
 * names, the expiry timestamp (8), the string fields in `strings` (`user`,
 * `key`) and the document's own 32 bytes.
 */
export function maxFirestoreValueBytes(
  collection: string,
  id: string,
  strings: Readonly<Record<string, string | undefined>> = {},
): number {
  const nameSize = stringSize(collection) + stringSize(id) + 16;
  const stringsSize = Object.entries(strings).reduce(
    (sum, [field, value]) =>
      value === undefined ? sum : sum + stringSize(field) + stringSize(value),
    0,
  );
  return (
    MAX_DOCUMENT_BYTES -
    32 -
    nameSize -
    stringSize('data') -
    stringSize('expiresAt') -
    8 -
    stringsSize
  );
}

/** What a session document holds: its bytes, expiry, and user when it has one. */
export interface StoredSession {
  data: Buffer;
  expiresAt: number;
  user?: string;
}

/** The bytes, expiry and user of a session document, or `undefined` for a missing or foreign one. */
export function readSessionDocument(snapshot: FirestoreSnapshotLike): StoredSession | undefined {
  if (!snapshot.exists) return undefined;
  const data = snapshot.get('data');
  const expiresAt = snapshot.get('expiresAt') as Partial<FirestoreTimestampLike> | undefined;
  if (!Buffer.isBuffer(data) || typeof expiresAt?.toMillis !== 'function') return undefined;
  const user = snapshot.get('user');
  return typeof user === 'string'
    ? { data, expiresAt: expiresAt.toMillis(), user }
    : { data, expiresAt: expiresAt.toMillis() };
}
