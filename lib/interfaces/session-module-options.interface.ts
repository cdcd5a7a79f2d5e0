import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { SessionInterface } from '../core/session-interface';
import type { SessionSerializer } from './session-serializer.interface';
import type { DatastoreSessionOptions } from './datastore-session-options.interface';
import type { DynamoDBSessionOptions } from './dynamodb-session-options.interface';
import type { ElasticsearchSessionOptions } from './elasticsearch-session-options.interface';
import type { FileSystemSessionOptions } from './filesystem-session-options.interface';
import type { FirestoreSessionOptions } from './firestore-session-options.interface';
import type { MemcachedSessionOptions } from './memcached-session-options.interface';
import type { MongoDBSessionOptions } from './mongodb-session-options.interface';
import type { RedisSessionOptions } from './redis-session-options.interface';
import type {
  PeeweeSessionOptions,
  SqlAlchemySessionOptions,
} from './sql-session-options.interface';
import type { SessionStore } from './session-store.interface';

/** `SESSION_CONCURRENCY` values. */
export type SessionConcurrency = 'merge' | 'overwrite';

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
  /**
   * `SESSION_CLEANUP_N_REQUESTS`: also sweep expired entries after every N
   * saving requests (in the background, never awaited by a request). Off by default.
   */
  cleanupEvery?: number;
  /**
   * `SESSION_CLEANUP_INTERVAL` (seconds there, milliseconds here): how often
   * expired entries are swept in the background from stores without a TTL of
   * their own (SQL, Elasticsearch, Datastore, Firestore, filesystem, DynamoDB
   * whose TTL is on another attribute). Default 5 minutes; `0` turns it off.
   */
  cleanupInterval?: number;
  /** `SESSION_AUTODELETE`: periodic cleanup of expired entries (every 1000 requests unless `cleanupEvery`). */
  autoDelete?: boolean;
  /** `SESSION_MAX_SIZE`: largest serialized session in bytes; larger saves fail. Default: the store's own limit. */
  maxSize?: number;
  /**
   * `SESSION_CONCURRENCY`: how a save meets a concurrent request's save of the
   * same session. `merge` (default) applies this request's changed keys onto
   * the entry as stored now, by compare-and-set; `overwrite` writes the whole
   * session (Flask's last writer wins). In both, a session destroyed,
   * regenerated away or revoked meanwhile is never written back.
   */
  concurrency?: SessionConcurrency;
  /**
   * `SESSION_USER_KEY`: the session value that names the signed-in user (a
   * string or number, e.g. `'userId'`). Set, the store indexes each session
   * under its user, for `userSessions()`, `revokeUserSessions()` and
   * `revokeSession()` of the injected `SessionInterface`. Off by default; the
   * store must be able to list a user's sessions (not memcached).
   */
  userKey?: string;
  /**
   * `SESSION_ABSOLUTE_LIFETIME` (seconds there, milliseconds here): a session
   * older than this since it was created or last regenerated reads as missing,
   * however busy it is; the store keeps it no longer. The idle limit stays
   * `lifetime`. Off by default.
   */
  absoluteLifetime?: number;
}

export interface NullSessionOptions extends CommonSessionOptions {
  type?: 'null';
}

/** In-process memory: for tests and single-process development only. */
export interface MemorySessionOptions extends CommonSessionOptions {
  type: 'memory';
  /**
   * `SESSION_MEMORY_MAX_ENTRIES`: the most sessions kept; storing one more
   * drops the expired ones, then the least recently written. Default 10,000.
   */
  maxEntries?: number;
}

/** The options of each `SESSION_TYPE`; `typeorm` is an alias of `sqlalchemy`. */
export interface SessionOptionsByType {
  null: NullSessionOptions;
  memory: MemorySessionOptions;
  filesystem: FileSystemSessionOptions;
  redis: RedisSessionOptions;
  memcached: MemcachedSessionOptions;
  mongodb: MongoDBSessionOptions;
  sqlalchemy: SqlAlchemySessionOptions;
  typeorm: SqlAlchemySessionOptions;
  peewee: PeeweeSessionOptions;
  dynamodb: DynamoDBSessionOptions;
  elasticsearch: ElasticsearchSessionOptions;
  datastore: DatastoreSessionOptions;
  firestore: FirestoreSessionOptions;
}

/** `SESSION_TYPE` values. */
export type SessionType = keyof SessionOptionsByType;

/** Options for one of the built-in backends, chosen by `type`. */
export type BackendSessionOptions = SessionOptionsByType[SessionType];

/**
 * What the module builds a backend from: its session interface class, whose
 * `fromOptions` checks the options (failing with a `SessionConfigError`) and
 * opens what the backend needs.
 */
export interface SessionBackend<O> {
  fromOptions(options: O, moduleRef?: ModuleRef): SessionInterface | Promise<SessionInterface>;
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
  BackendSessionOptions | CustomStoreSessionOptions | CustomInterfaceSessionOptions;
