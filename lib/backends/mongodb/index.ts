export { MongoDBSessionInterface } from './mongodb.session-interface';
export {
  MongoDBStore,
  MONGODB_TTL_INDEX,
  type MongoDBStoreOptions,
  type MongoDBConnectionLike,
  type MongoDBCollectionLike,
  type MongoDBSessionDocument,
  type MongoDBStoredDocument,
} from './mongodb.store';
