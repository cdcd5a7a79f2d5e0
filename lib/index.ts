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
export { RedisStore, type RedisSessionClient, type RedisStoreOptions } from './stores/redis.store';
export {
  MemcachedStore,
  type MemcachedSessionClient,
  type MemcachedStoreOptions,
} from './stores/memcached.store';
