export { FirestoreSessionInterface } from './firestore.session-interface';
export { FirestoreStore, type FirestoreStoreOptions } from './firestore.store';
export { FIRESTORE_FAIL_FAST_SETTINGS } from './firestore.client';
export { firestoreDocumentId } from './firestore.document-codec';
