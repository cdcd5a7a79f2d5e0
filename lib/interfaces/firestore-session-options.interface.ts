import type { CommonSessionOptions } from './session-module-options.interface';

export interface FirestoreSessionOptions extends CommonSessionOptions {
  type: 'firestore';
  /** `SESSION_FIRESTORE`: a `@google-cloud/firestore` `Firestore` you own. */
  client?: FirestoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID` */
  projectId?: string;
  /** `SESSION_FIRESTORE_COLLECT`, default `sessions`. */
  collection?: string;
}

/** A Firestore `Timestamp`, as the client returns it. */
export interface FirestoreTimestampLike {
  toMillis(): number;
}

/** What the store writes: one document per session, id = the session key (escaped where Firestore needs it). */
export interface FirestoreSessionDocument {
  /** The session bytes (a Firestore `bytes` field). */
  data: Buffer;
  /** Expiry (a Firestore `timestamp` field); a TTL policy on it suits the store. */
  expiresAt: Date;
}

/** The `DocumentSnapshot` members the store reads. */
export interface FirestoreSnapshotLike {
  readonly exists: boolean;
  readonly updateTime?: FirestoreTimestampLike;
  get(field: string): unknown;
}

/** A `DocumentReference`: read outside a transaction, or handed back to one. */
export interface FirestoreDocumentRefLike {
  get(): Promise<FirestoreSnapshotLike>;
}

/** The `Query` methods `deleteExpired()` uses. */
export interface FirestoreQueryLike {
  select(...fields: string[]): FirestoreQueryLike;
  limit(limit: number): FirestoreQueryLike;
  get(): Promise<{ readonly docs: ReadonlyArray<{ readonly ref: FirestoreDocumentRefLike }> }>;
}

/** The `CollectionReference` methods the store uses. */
export interface FirestoreCollectionLike {
  doc(id: string): FirestoreDocumentRefLike;
  where(field: string, op: '<=', value: Date): FirestoreQueryLike;
}

/** The `Transaction` methods the store uses. */
export interface FirestoreTransactionLike {
  get(ref: FirestoreDocumentRefLike): Promise<FirestoreSnapshotLike>;
  set(ref: FirestoreDocumentRefLike, data: FirestoreSessionDocument): unknown;
  update(ref: FirestoreDocumentRefLike, data: Partial<FirestoreSessionDocument>): unknown;
  delete(
    ref: FirestoreDocumentRefLike,
    precondition?: { lastUpdateTime?: FirestoreTimestampLike },
  ): unknown;
}

/**
 * The methods of a `@google-cloud/firestore` `Firestore` (7.x or later) the
 * store calls; any such client fits.
 */
export interface FirestoreClientLike {
  collection(path: string): FirestoreCollectionLike;
  runTransaction<T>(
    update: (transaction: FirestoreTransactionLike) => Promise<T>,
    options?: { maxAttempts?: number },
  ): Promise<T>;
  terminate(): Promise<void>;
}
