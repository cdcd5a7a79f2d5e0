export { DatastoreSessionInterface } from './datastore.session-interface';
export { DatastoreStore, type DatastoreStoreOptions } from './datastore.store';
