export { SessionModule } from './session.module';
export { SESSION_MODULE_OPTIONS } from './session.module-definition';
export { Session, UseSession } from './session.decorator';
export { SessionInterceptor } from './session.interceptor';
export { ServerSideSession, NullSession } from './core/server-side-session';
export { SessionInterface } from './core/session-interface';
export { ServerSideSessionInterface } from './core/server-side-session-interface';
export { SessionStore } from './interfaces/session-store.interface';
export type { SessionRequest, SessionResponse } from './http/http-adapter';
export {
  SessionStoreUnavailableError,
  SessionConfigError,
  SessionNotConfiguredError,
  SessionTooLargeError,
} from './session.errors';
export { TaggedJsonSerializer, type SessionSerializer } from './core/serializer';
export { sessionOptionsFromConfig, type ConfigSource } from './session-options.from-config';
export * from './interfaces/session-module-options.interface';
export { NullSessionInterface } from './backends/null/null.session-interface';
export { FileSystemSessionInterface } from './backends/filesystem/filesystem.session-interface';
export { RedisSessionInterface } from './backends/redis/redis.session-interface';
export { MemcachedSessionInterface } from './backends/memcached/memcached.session-interface';
export {
  FileSystemStore,
  type FileSystemStoreOptions,
} from './backends/filesystem/filesystem.store';
export {
  SqlAlchemySessionInterface,
  type SqlSessionInterfaceOptions,
} from './backends/sql/sqlalchemy.session-interface';
export { PeeweeSessionInterface } from './backends/sql/peewee.session-interface';
export { SqlStore, type SqlStoreOptions } from './backends/sql/sql.store';
export {
  createSessionEntity,
  SQL_SESSION_DATABASE_TYPES,
  type SessionEntityOptions,
  type SessionRow,
} from './backends/sql/sql-session.entity';
export { SessionTableMigration } from './backends/sql/sql-session.migration';
export { MemoryStore } from './backends/memory/memory.store';
export { ElasticsearchSessionInterface } from './backends/elasticsearch/elasticsearch.session-interface';
export {
  ElasticsearchStore,
  ELASTICSEARCH_SESSION_MAPPINGS,
  type ElasticsearchStoreOptions,
  type ElasticsearchClientLike,
  type ElasticsearchSessionDocument,
  type ElasticsearchRequestOptions,
} from './backends/elasticsearch/elasticsearch.store';
export { DatastoreSessionInterface } from './backends/datastore/datastore.session-interface';
export {
  DatastoreStore,
  type DatastoreStoreOptions,
  type DatastoreClientLike,
  type DatastoreQueryLike,
  type DatastoreTransactionLike,
  type DatastoreSessionEntity,
} from './backends/datastore/datastore.store';
export { FirestoreSessionInterface } from './backends/firestore/firestore.session-interface';
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
} from './backends/firestore/firestore.store';
export { firestoreDocumentId } from './backends/firestore/firestore-document-id';
export {
  RedisStore,
  type RedisSessionClient,
  type RedisStoreOptions,
} from './backends/redis/redis.store';
export {
  MemcachedStore,
  type MemcachedSessionClient,
  type MemcachedStoreOptions,
} from './backends/memcached/memcached.store';
export { MongoDBSessionInterface } from './backends/mongodb/mongodb.session-interface';
export {
  MongoDBStore,
  MONGODB_TTL_INDEX,
  type MongoDBStoreOptions,
  type MongoDBConnectionLike,
  type MongoDBCollectionLike,
  type MongoDBSessionDocument,
  type MongoDBStoredDocument,
} from './backends/mongodb/mongodb.store';
export { DynamoDBSessionInterface } from './backends/dynamodb/dynamodb.session-interface';
export {
  DynamoDBStore,
  DYNAMODB_MAX_ITEM_BYTES,
  type DynamoDBStoreOptions,
  type DynamoDBClientLike,
} from './backends/dynamodb/dynamodb.store';
