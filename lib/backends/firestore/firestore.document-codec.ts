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
    id = `%h${createHash('sha256').update(key).digest('hex')}`;
  }
  return id;
}

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
 * names, the expiry timestamp (8), and the document's own 32 bytes.
 */
export function maxFirestoreValueBytes(collection: string, id: string): number {
  const nameSize = stringSize(collection) + stringSize(id) + 16;
  return MAX_DOCUMENT_BYTES - 32 - nameSize - stringSize('data') - stringSize('expiresAt') - 8;
}

/** The bytes and expiry of a session document, or `undefined` for a missing or foreign one. */
export function readSessionDocument(
  snapshot: FirestoreSnapshotLike,
): { data: Buffer; expiresAt: number } | undefined {
  if (!snapshot.exists) return undefined;
  const data = snapshot.get('data');
  const expiresAt = snapshot.get('expiresAt') as Partial<FirestoreTimestampLike> | undefined;
  if (!Buffer.isBuffer(data) || typeof expiresAt?.toMillis !== 'function') return undefined;
  return { data, expiresAt: expiresAt.toMillis() };
}
