import type { ModuleRef } from '@nestjs/core';
import { hasMethods } from './utils/validation.util';
import { buildDatastoreSessionInterface } from './backends/datastore/datastore.builder';
import { buildDynamoDBSessionInterface } from './backends/dynamodb/dynamodb.builder';
import { buildElasticsearchSessionInterface } from './backends/elasticsearch/elasticsearch.builder';
import { buildFirestoreSessionInterface } from './backends/firestore/firestore.builder';
import { FileSystemSessionInterface } from './backends/filesystem/filesystem.session-interface';
import { MemcachedSessionInterface } from './backends/memcached/memcached.session-interface';
import { buildMongoDBSessionInterface } from './backends/mongodb/mongodb.builder';
import { NullSessionInterface } from './backends/null/null.session-interface';
import { RedisSessionInterface } from './backends/redis/redis.session-interface';
import { peeweeInterface, sqlAlchemyInterface } from './backends/sql/sql.builder';
import { ServerSideSessionInterface } from './core/server-side-session-interface';
import { SessionConfigError } from './session.errors';
import { SessionInterface } from './core/session-interface';
import {
  SESSION_TYPES,
  type CustomInterfaceSessionOptions,
  type CustomStoreSessionOptions,
  type DatastoreSessionOptions,
  type DynamoDBSessionOptions,
  type ElasticsearchSessionOptions,
  type FileSystemSessionOptions,
  type FirestoreSessionOptions,
  type MemcachedSessionOptions,
  type MongoDBSessionOptions,
  type RedisSessionOptions,
  type PeeweeSessionOptions,
  type SessionModuleOptions,
  type SessionType,
  type SqlAlchemySessionOptions,
} from './interfaces/session-module-options.interface';
import type { SessionStore } from './interfaces/session-store.interface';
import { MemoryStore } from './backends/memory/memory.store';

const isStore = (value: unknown) => hasMethods<SessionStore>(value, ['get', 'set', 'delete']);

function integer(
  key: string,
  value: number | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min || value > max)) {
    throw new SessionConfigError(
      key,
      `expected an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

async function customStoreInterface(
  options: CustomStoreSessionOptions,
  moduleRef: ModuleRef,
): Promise<SessionInterface> {
  const { store } = options;
  // A class is built here through DI, so it is ours to close; an instance stays the caller's.
  const built = typeof store === 'function';
  const instance: unknown = built ? await moduleRef.create(store) : store;
  if (!isStore(instance)) {
    throw new SessionConfigError(
      'store',
      'expected a SessionStore (an object or class with get, set and delete)',
    );
  }
  return new ServerSideSessionInterface(instance, options, built);
}

async function customInterface(
  options: CustomInterfaceSessionOptions,
  moduleRef: ModuleRef,
): Promise<SessionInterface> {
  const given = options.sessionInterface;
  const instance: unknown = typeof given === 'function' ? await moduleRef.create(given) : given;
  if (!(instance instanceof SessionInterface)) {
    throw new SessionConfigError(
      'sessionInterface',
      'expected a SessionInterface instance or a class extending SessionInterface',
    );
  }
  return instance;
}

function fileSystemInterface(options: FileSystemSessionOptions): SessionInterface {
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir === '')) {
    throw new SessionConfigError('dir (SESSION_FILE_DIR)', 'expected a directory path');
  }
  return new FileSystemSessionInterface(
    options.dir,
    integer('threshold (SESSION_FILE_THRESHOLD)', options.threshold, 0),
    integer('mode (SESSION_FILE_MODE)', options.mode, 0, 0o777),
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    options,
  );
}

/** Options that leave building the interface to the module. */
type StoreOptions = Exclude<SessionModuleOptions, CustomInterfaceSessionOptions>;

type Builder = (
  options: StoreOptions,
  moduleRef: ModuleRef,
) => SessionInterface | Promise<SessionInterface>;

/** How each `SESSION_TYPE` is built; types missing here are not available. */
const builders: Partial<Record<SessionType, Builder>> = {
  null: (options) => new NullSessionInterface(options),
  memory: (options) => new ServerSideSessionInterface(new MemoryStore(), options, true),
  filesystem: (options) => fileSystemInterface(options as FileSystemSessionOptions),
  elasticsearch: (options) =>
    buildElasticsearchSessionInterface(options as ElasticsearchSessionOptions),
  datastore: (options) => buildDatastoreSessionInterface(options as DatastoreSessionOptions),
  dynamodb: (options) => buildDynamoDBSessionInterface(options as DynamoDBSessionOptions),
  firestore: (options) => buildFirestoreSessionInterface(options as FirestoreSessionOptions),
  redis: (options) => RedisSessionInterface.fromOptions(options as RedisSessionOptions),
  memcached: (options) => MemcachedSessionInterface.fromOptions(options as MemcachedSessionOptions),
  mongodb: (options) => buildMongoDBSessionInterface(options as MongoDBSessionOptions),
  sqlalchemy: (options) => sqlAlchemyInterface(options as SqlAlchemySessionOptions),
  typeorm: (options) => sqlAlchemyInterface(options as SqlAlchemySessionOptions),
  peewee: (options) => peeweeInterface(options as PeeweeSessionOptions),
};

/** Builds the session interface the options describe; bad options fail here, at startup. */
export async function createSessionInterface(
  options: SessionModuleOptions,
  moduleRef: ModuleRef,
): Promise<SessionInterface> {
  if (options === null || typeof options !== 'object') {
    throw new SessionConfigError('SessionModule options', 'expected an object');
  }
  if ('sessionInterface' in options) return customInterface(options, moduleRef);
  if ('store' in options && options.store !== undefined) {
    return customStoreInterface(options, moduleRef);
  }
  const type = options.type ?? 'null';
  if (!SESSION_TYPES.includes(type)) {
    throw new SessionConfigError(
      'type (SESSION_TYPE)',
      `expected one of ${SESSION_TYPES.join(', ')}, got "${String(type)}"`,
    );
  }
  const build = builders[type];
  if (!build) {
    const available = Object.keys(builders).join(', ');
    throw new SessionConfigError(
      'type (SESSION_TYPE)',
      `the "${type}" store is not available in this version (available: ${available})`,
    );
  }
  return build(options, moduleRef);
}
