export { MongoDBSessionInterface } from './mongodb.session-interface';
export { MongoDBStore, MONGODB_TTL_INDEX, type MongoDBStoreOptions } from './mongodb.store';
export { MONGODB_USER_INDEX } from './mongodb.user-index';
