import type { Type } from '@nestjs/common';
import type { SessionSerializer } from '../core/serializer';
import type { SessionInterface } from '../core/session-interface';
import type { SessionStore } from './session-store.interface';
import type { DatastoreClientLike } from '../backends/datastore/datastore.store';
import type { DynamoDBStoreOptions } from '../backends/dynamodb/dynamodb.store';
import type { ElasticsearchClientLike } from '../backends/elasticsearch/elasticsearch.store';
import type { FirestoreClientLike } from '../backends/firestore/firestore.store';
import type { MemcachedSessionClient } from '../backends/memcached/memcached.store';
import type { MongoDBConnectionLike } from '../backends/mongodb/mongodb.store';
import type { RedisSessionClient } from '../backends/redis/redis.store';

/** `SESSION_TYPE` values; `typeorm` is an alias of `sqlalchemy`. */
export const SESSION_TYPES = [
  'null',
  'memory',
  'filesystem',
  'redis',
  'memcached',
  'mongodb',
  'sqlalchemy',
  'typeorm',
  'peewee',
  'dynamodb',
  'elasticsearch',
  'datastore',
  'firestore',
] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

export type SameSiteOption = 'Strict' | 'Lax' | 'None' | 'strict' | 'lax' | 'none' | false;

/** `SESSION_COOKIE_*` */
export interface SessionCookieOptions {
  /** `SESSION_COOKIE_NAME`, default `session`. */
  name?: string;
  /** `SESSION_COOKIE_DOMAIN`, default none (host-only cookie). */
  domain?: string;
  /** `SESSION_COOKIE_PATH` (else `APPLICATION_ROOT`), default `/`. */
  path?: string;
  /** `SESSION_COOKIE_HTTPONLY`, default `true`. */
  httpOnly?: boolean;
  /** `SESSION_COOKIE_SECURE`, default `false`. */
  secure?: boolean;
  /** `SESSION_COOKIE_SAMESITE`, default none (`false`). */
  sameSite?: SameSiteOption;
  /** `SESSION_COOKIE_PARTITIONED` (CHIPS), default `false`. */
  partitioned?: boolean;
}

/** Options every store shares. */
export interface CommonSessionOptions {
  /** `SESSION_PERMANENT`: cookies with an expiry (`true`, default) or browser-session cookies. */
  permanent?: boolean;
  /** `SESSION_USE_SIGNER`: sign the id in the cookie with `secret`. Default `false`. */
  useSigner?: boolean;
  /**
   * `SECRET_KEY` (+ `SECRET_KEY_FALLBACKS`): at least 32 bytes. An array signs
   * with the first and accepts all of them, for key rotation.
   */
  secret?: string | readonly string[];
  /** `SESSION_KEY_PREFIX`, default `session:`. */
  keyPrefix?: string;
  /** `SESSION_ID_LENGTH`: bytes of randomness in an id, default 32. */
  idLength?: number;
  /** `PERMANENT_SESSION_LIFETIME` (seconds there, milliseconds here), default 31 days. */
  lifetime?: number;
  /** `SESSION_REFRESH_EACH_REQUEST`, default `true`. */
  refreshEachRequest?: boolean;
  cookie?: SessionCookieOptions;
  /** `SESSION_SERIALIZATION_FORMAT`: `json` (default) or your own serializer. */
  serializer?: 'json' | SessionSerializer;
  /** `SESSION_STORE_TIMEOUT`: milliseconds any store call may take, default 3000. */
  storeTimeout?: number;
  /** `SESSION_CLEANUP_N_REQUESTS`: run `deleteExpired()` every N saving requests. Off by default. */
  cleanupEvery?: number;
  /** `SESSION_AUTODELETE`: periodic cleanup of expired entries (every 1000 requests unless `cleanupEvery`). */
  autoDelete?: boolean;
  /** `SESSION_MAX_SIZE`: largest serialized session in bytes; larger saves fail. Default: the store's own limit. */
  maxSize?: number;
}

export interface NullSessionOptions extends CommonSessionOptions {
  type?: 'null';
}

/** In-process memory: for tests and single-process development only. */
export interface MemorySessionOptions extends CommonSessionOptions {
  type: 'memory';
}

export interface FileSystemSessionOptions extends CommonSessionOptions {
  type: 'filesystem';
  /** `SESSION_FILE_DIR`, default `./flask_session`. */
  dir?: string;
  /** `SESSION_FILE_THRESHOLD`: most files kept before pruning, default 500 (0 = no limit). */
  threshold?: number;
  /** `SESSION_FILE_MODE`, default `0o600`. */
  mode?: number;
}

/**
 * Backend options below name the client types structurally (`object`) so that
 * no optional client package is needed to compile against this one.
 */
export interface RedisSessionOptions extends CommonSessionOptions {
  type: 'redis';
  /** `SESSION_REDIS`: an ioredis `Redis` or `Cluster` you own (left open on shutdown). */
  client?: RedisSessionClient;
  /** `SESSION_REDIS` as a URL, e.g. `redis://127.0.0.1:6379/0`. */
  url?: string;
  /** `SESSION_REDIS_HOST`, default `127.0.0.1`. */
  host?: string;
  /** `SESSION_REDIS_PORT`, default 6379. */
  port?: number;
}

export interface MemcachedSessionOptions extends CommonSessionOptions {
  type: 'memcached';
  /** `SESSION_MEMCACHED`: a memjs `Client` you own (left open on shutdown). */
  client?: MemcachedSessionClient;
  /** `SESSION_MEMCACHED` as servers, e.g. `127.0.0.1:11211`, default that. */
  servers?: string | readonly string[];
  /** The servers' item size limit (`memcached -I`), default 1 MiB: a larger session fails to save. */
  maxItemSize?: number;
}

export interface MongoDBSessionOptions extends CommonSessionOptions {
  type: 'mongodb';
  /** `SESSION_MONGODB`: a mongoose `Connection` you own (e.g. from `@nestjs/mongoose`). */
  connection?: MongoDBConnectionLike;
  /** `SESSION_MONGODB` as a URL, default `mongodb://127.0.0.1:27017`. */
  url?: string;
  /** `SESSION_MONGODB_DB`, default `flask_session`. */
  db?: string;
  /** `SESSION_MONGODB_COLLECT`, default `sessions`. */
  collection?: string;
}

/**
 * The part of a TypeORM `DataSource` the SQL stores use (structural, so this
 * package compiles without typeorm installed).
 */
export interface SqlDataSource {
  readonly options: { readonly type: string };
  readonly isInitialized: boolean;
  initialize(): Promise<unknown>;
  destroy(): Promise<void>;
  createQueryRunner(): object;
}

export interface SqlSessionTableOptions {
  /** `SESSION_SQLALCHEMY_TABLE` / `SESSION_PEEWEE_TABLE`, default `sessions`. */
  table?: string;
  /** `SESSION_CREATE_TABLE`: create the table when missing, default `true`. */
  createTable?: boolean;
}

export interface SqlAlchemySessionOptions extends CommonSessionOptions, SqlSessionTableOptions {
  type: 'sqlalchemy' | 'typeorm';
  /** `SESSION_SQLALCHEMY`: a TypeORM `DataSource` you own (e.g. from `@nestjs/typeorm`); left open on shutdown. */
  dataSource?: SqlDataSource;
  /** `SESSION_SQLALCHEMY` / `SQLALCHEMY_DATABASE_URI` as a URL: the module opens its own `DataSource`. */
  url?: string;
}

export interface PeeweeSessionOptions extends CommonSessionOptions, SqlSessionTableOptions {
  type: 'peewee';
  /** `SESSION_PEEWEE_CONFIG`: `postgres://…`, `mysql://…`, `sqlite:path` or `sqlite::memory:`. */
  url?: string;
}

/** The `SESSION_DYNAMODB*` keys and `SESSION_CREATE_TABLE`, as the store takes them. */
export interface DynamoDBSessionOptions extends CommonSessionOptions, DynamoDBStoreOptions {
  type: 'dynamodb';
}

export interface ElasticsearchSessionOptions extends CommonSessionOptions {
  type: 'elasticsearch';
  /** `SESSION_ELASTICSEARCH`: an `@elastic/elasticsearch` `Client` you own. */
  client?: ElasticsearchClientLike;
  /** `SESSION_ELASTICSEARCH_HOST`, default `http://localhost:9200`. */
  node?: string;
  /** `SESSION_ELASTICSEARCH_INDEX`, default `sessions`. */
  index?: string;
}

export interface DatastoreSessionOptions extends CommonSessionOptions {
  type: 'datastore';
  /** `SESSION_DATASTORE`: a `@google-cloud/datastore` `Datastore` you own. */
  client?: DatastoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID` */
  projectId?: string;
  /** `SESSION_DATASTORE_KIND`: the entity kind, default `sessions`. */
  collection?: string;
}

export interface FirestoreSessionOptions extends CommonSessionOptions {
  type: 'firestore';
  /** `SESSION_FIRESTORE`: a `@google-cloud/firestore` `Firestore` you own. */
  client?: FirestoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID` */
  projectId?: string;
  /** `SESSION_FIRESTORE_COLLECT`, default `sessions`. */
  collection?: string;
}

/** A store of your own: a class (built through DI, so it can inject providers) or an instance. */
export interface CustomStoreSessionOptions extends CommonSessionOptions {
  /** Ignored when `store` is given. */
  type?: SessionType;
  store: Type<SessionStore> | SessionStore;
}

/**
 * A session interface of your own (Flask's `app.session_interface = …`): an
 * instance, or a class built through DI. It replaces everything `type` and
 * `store` would build.
 */
export interface CustomInterfaceSessionOptions {
  sessionInterface: Type<SessionInterface> | SessionInterface;
}

export type SessionModuleOptions =
  | NullSessionOptions
  | MemorySessionOptions
  | FileSystemSessionOptions
  | RedisSessionOptions
  | MemcachedSessionOptions
  | MongoDBSessionOptions
  | SqlAlchemySessionOptions
  | PeeweeSessionOptions
  | DynamoDBSessionOptions
  | ElasticsearchSessionOptions
  | DatastoreSessionOptions
  | FirestoreSessionOptions
  | CustomStoreSessionOptions
  | CustomInterfaceSessionOptions;
