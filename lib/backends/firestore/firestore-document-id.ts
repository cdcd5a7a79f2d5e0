import { createHash } from 'node:crypto';

/** Firestore's limit on a document id, in UTF-8 bytes. */
export const FIRESTORE_MAX_ID_BYTES = 1500;

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
