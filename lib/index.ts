export { SessionModule } from './session.module';
export { SESSION_MODULE_OPTIONS } from './session.module-definition';
export { Session, UseSession } from './session.decorator';
export { SessionInterceptor } from './session.interceptor';
export { ServerSideSession, NullSession } from './server-side-session';
export { SessionInterface } from './session-interface';
export { ServerSideSessionInterface } from './server-side-session-interface';
export { SessionStore } from './session-store.interface';
export type { SessionRequest, SessionResponse } from './http-adapter';
export {
  SessionStoreUnavailableError,
  SessionConfigError,
  SessionNotConfiguredError,
  SessionTooLargeError,
} from './session.errors';
export { TaggedJsonSerializer, type SessionSerializer } from './serializer';
export { sessionOptionsFromConfig, type ConfigSource } from './config';
export * from './session-options.interface';
export { NullSessionInterface } from './interfaces/null-session.interface';
export { FileSystemSessionInterface } from './interfaces/filesystem-session.interface';
export { RedisSessionInterface } from './interfaces/redis-session.interface';
export { MemcachedSessionInterface } from './interfaces/memcached-session.interface';
export { FileSystemStore, type FileSystemStoreOptions } from './stores/filesystem.store';
export {
  SqlAlchemySessionInterface,
  type SqlSessionInterfaceOptions,
} from './interfaces/sqlalchemy-session.interface';
export { PeeweeSessionInterface } from './interfaces/peewee-session.interface';
export { SqlStore, type SqlStoreOptions } from './stores/sql.store';
export {
  createSessionEntity,
  SQL_SESSION_DATABASE_TYPES,
  type SessionEntityOptions,
  type SessionRow,
} from './stores/sql-session.entity';
export { SessionTableMigration } from './stores/sql-session.migration';
export { MemoryStore } from './stores/memory.store';
export { ElasticsearchSessionInterface } from './interfaces/elasticsearch-session.interface';
export {
  ElasticsearchStore,
  ELASTICSEARCH_SESSION_MAPPINGS,
  type ElasticsearchStoreOptions,
  type ElasticsearchClientLike,
  type ElasticsearchSessionDocument,
  type ElasticsearchRequestOptions,
} from './stores/elasticsearch.store';
export { DatastoreSessionInterface } from './interfaces/datastore-session.interface';
export {
  DatastoreStore,
  type DatastoreStoreOptions,
  type DatastoreClientLike,
  type DatastoreQueryLike,
  type DatastoreTransactionLike,
  type DatastoreSessionEntity,
} from './stores/datastore.store';
export { FirestoreSessionInterface } from './interfaces/firestore-session.interface';
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
} from './stores/firestore.store';
export { firestoreDocumentId } from './stores/firestore-document-id';
export { RedisStore, type RedisSessionClient, type RedisStoreOptions } from './stores/redis.store';
export {
  MemcachedStore,
  type MemcachedSessionClient,
  type MemcachedStoreOptions,
} from './stores/memcached.store';
export { MongoDBSessionInterface } from './interfaces/mongodb-session.interface';
export {
  MongoDBStore,
  MONGODB_TTL_INDEX,
  type MongoDBStoreOptions,
  type MongoDBConnectionLike,
  type MongoDBCollectionLike,
  type MongoDBSessionDocument,
  type MongoDBStoredDocument,
} from './stores/mongodb.store';
export { DynamoDBSessionInterface } from './interfaces/dynamodb-session.interface';
export {
  DynamoDBStore,
  DYNAMODB_MAX_ITEM_BYTES,
  type DynamoDBStoreOptions,
  type DynamoDBClientLike,
} from './stores/dynamodb.store';
