import type {
  FirestoreCollectionLike,
  FirestoreDocumentRefLike,
  FirestoreSessionDocument,
  FirestoreSnapshotLike,
  FirestoreTransactionLike,
  UserSessionEntry,
} from '../../interfaces';
import { SessionTooLargeError } from '../../session.errors';
import { asBuffer } from '../../utils/bytes.util';
import {
  firestoreDocumentId,
  firestoreKeyOf,
  isHashedDocumentId,
  maxFirestoreValueBytes,
  readSessionDocument,
  type StoredSession,
} from './firestore.document-codec';

/** A session document with its user (`userKey`), and its key when its id is hashed. */
export interface FirestoreUserSessionDocument extends FirestoreSessionDocument {
  user?: string;
  key?: string;
}

/** The `CollectionReference` query `findByUser` runs, beside those of `FirestoreCollectionLike`. */
export interface FirestoreUserQueryLike {
  where(
    field: 'user',
    op: '==',
    value: string,
  ): {
    get(): Promise<{
      readonly docs: ReadonlyArray<FirestoreSnapshotLike & { readonly id: string }>;
    }>;
  };
}

/**
 * The document for `value` in `collection` (with `user`, and the key a hashed
 * id cannot give back), refused before anything is sent when Firestore cannot hold it.
 */
export function sessionDocument(
  collection: string,
  key: string,
  value: Uint8Array,
  ttlMs: number,
  user: string | undefined,
): FirestoreUserSessionDocument {
  const id = firestoreDocumentId(key);
  const strings: { user?: string; key?: string } = {};
  if (user !== undefined) {
    strings.user = user;
    if (isHashedDocumentId(id)) strings.key = key;
  }
  const limit = maxFirestoreValueBytes(collection, id, strings);
  if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
  return { data: asBuffer(value), expiresAt: new Date(Date.now() + ttlMs), ...strings };
}

/**
 * Replaces the live session with `doc` in `transaction`: an `update` (the
 * server checks the document still exists), or a whole `set` when `doc` drops
 * the user the document had (an `update` leaves fields it does not name). The
 * transaction read the document: a write or delete since aborts its commit.
 */
export function overwrite(
  transaction: FirestoreTransactionLike,
  ref: FirestoreDocumentRefLike,
  doc: FirestoreUserSessionDocument,
  live: StoredSession,
): void {
  if (live.user !== undefined && doc.user === undefined) transaction.set(ref, doc);
  else transaction.update(ref, doc);
}

/**
 * The live sessions whose `user` field is `user`: one equality query, served
 * by Firestore's automatic single-field index. Expired documents the sweep has
 * not removed yet are left out here: a range on `expiresAt` beside the
 * equality would need a composite index.
 */
export async function findUserSessions(
  collection: FirestoreCollectionLike,
  user: string,
): Promise<UserSessionEntry[]> {
  // The client's CollectionReference runs any query; the structural type names only the sweep's.
  const { docs } = await (collection as FirestoreCollectionLike & FirestoreUserQueryLike)
    .where('user', '==', user)
    .get();
  const now = Date.now();
  return docs.flatMap((doc) => {
    const found = readSessionDocument(doc);
    const key = firestoreKeyOf(doc.id, doc);
    if (!found || found.expiresAt <= now || key === undefined) return [];
    return [{ key, value: found.data, expiresAt: new Date(found.expiresAt) }];
  });
}
