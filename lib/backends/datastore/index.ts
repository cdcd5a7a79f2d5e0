export { DatastoreSessionInterface } from './datastore.session-interface';
export {
  DatastoreStore,
  type DatastoreStoreOptions,
  type DatastoreClientLike,
  type DatastoreQueryLike,
  type DatastoreTransactionLike,
  type DatastoreSessionEntity,
} from './datastore.store';
