export { FirestoreSessionInterface } from './firestore.session-interface';
export {
  FirestoreStore,
  FIRESTORE_FAIL_FAST_SETTINGS,
  type FirestoreStoreOptions,
  type FirestoreClientLike,
  type FirestoreCollectionLike,
  type FirestoreDocumentRefLike,
  type FirestoreQueryLike,
  type FirestoreSessionDocument,
  type FirestoreSnapshotLike,
  type FirestoreTimestampLike,
  type FirestoreTransactionLike,
} from './firestore.store';
export { firestoreDocumentId } from './firestore-document-id';
