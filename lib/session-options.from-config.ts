import { isSessionType, SESSION_TYPES } from './backends/session-backends';
import { SessionConfigError } from './session.errors';
import {
  bool,
  client,
  clientOrUrl,
  defined,
  fileMode,
  list,
  num,
  readerOf,
  str,
  type ConfigReader as Reader,
  type ConfigSource,
} from './utils/config-reader.util';
import {
  type CommonSessionOptions,
  type DatastoreSessionOptions,
  type DynamoDBSessionOptions,
  type ElasticsearchSessionOptions,
  type FirestoreSessionOptions,
  type MemcachedSessionOptions,
  type MongoDBSessionOptions,
  type RedisSessionOptions,
  type SameSiteOption,
  type SessionConcurrency,
  type SessionCookieOptions,
  type SessionModuleOptions,
  type SessionType,
  type SqlDataSource,
} from './interfaces';

function sessionType(read: Reader): SessionType {
  const value = read('SESSION_TYPE');
  if (value === undefined) return 'null';
  const type = String(value).trim().toLowerCase();
  if (!isSessionType(type)) {
    throw new SessionConfigError(
      'SESSION_TYPE',
      `expected one of ${SESSION_TYPES.join(', ')}, got "${String(value)}"`,
    );
  }
  return type;
}

function sameSite(read: Reader): SameSiteOption | undefined {
  const value = read('SESSION_COOKIE_SAMESITE');
  if (value === undefined || value === false) return value;
  const text = String(value).trim().toLowerCase();
  if (text === 'false') return false;
  if (text === 'strict' || text === 'lax' || text === 'none') return text;
  throw new SessionConfigError(
    'SESSION_COOKIE_SAMESITE',
    `expected Strict, Lax, None or unset, got "${String(value)}"`,
  );
}

function secret(read: Reader): string[] | undefined {
  const current = read('SECRET_KEY');
  if (current !== undefined && typeof current !== 'string')
    throw new SessionConfigError('SECRET_KEY', 'expected a string');
  const fallbacks = list(read, 'SECRET_KEY_FALLBACKS') ?? [];
  if (current === undefined && fallbacks.length) {
    throw new SessionConfigError(
      'SECRET_KEY_FALLBACKS',
      'needs SECRET_KEY to be set (it signs; the fallbacks only verify)',
    );
  }
  return current === undefined ? undefined : [current, ...fallbacks];
}

function concurrencyMode(read: Reader): SessionConcurrency | undefined {
  const value = str(read, 'SESSION_CONCURRENCY')?.trim().toLowerCase();
  if (value === undefined || value === 'merge' || value === 'overwrite') return value;
  throw new SessionConfigError(
    'SESSION_CONCURRENCY',
    `expected merge or overwrite, got "${value}"`,
  );
}

function common(read: Reader): CommonSessionOptions {
  const lifetimeSeconds = num(read, 'PERMANENT_SESSION_LIFETIME', false);
  const cleanupSeconds = num(read, 'SESSION_CLEANUP_INTERVAL', false);
  const absoluteSeconds = num(read, 'SESSION_ABSOLUTE_LIFETIME', false);
  const format = str(read, 'SESSION_SERIALIZATION_FORMAT');
  if (format !== undefined && format !== 'json') {
    throw new SessionConfigError(
      'SESSION_SERIALIZATION_FORMAT',
      `expected "json" (or pass a serializer object in code), got "${format}"`,
    );
  }
  const cookie: SessionCookieOptions = defined({
    name: str(read, 'SESSION_COOKIE_NAME'),
    domain: str(read, 'SESSION_COOKIE_DOMAIN'),
    path: str(read, 'SESSION_COOKIE_PATH') ?? str(read, 'APPLICATION_ROOT'),
    httpOnly: bool(read, 'SESSION_COOKIE_HTTPONLY'),
    secure: bool(read, 'SESSION_COOKIE_SECURE'),
    sameSite: sameSite(read),
    partitioned: bool(read, 'SESSION_COOKIE_PARTITIONED'),
  });
  return defined({
    permanent: bool(read, 'SESSION_PERMANENT'),
    useSigner: bool(read, 'SESSION_USE_SIGNER'),
    secret: secret(read),
    keyPrefix:
      read('SESSION_KEY_PREFIX') === undefined ? undefined : String(read('SESSION_KEY_PREFIX')),
    idLength: num(read, 'SESSION_ID_LENGTH'),
    lifetime: lifetimeSeconds === undefined ? undefined : Math.round(lifetimeSeconds * 1000),
    refreshEachRequest: bool(read, 'SESSION_REFRESH_EACH_REQUEST'),
    cookie,
    storeTimeout: num(read, 'SESSION_STORE_TIMEOUT'),
    cleanupEvery: num(read, 'SESSION_CLEANUP_N_REQUESTS'),
    cleanupInterval: cleanupSeconds === undefined ? undefined : Math.round(cleanupSeconds * 1000),
    autoDelete: bool(read, 'SESSION_AUTODELETE'),
    maxSize: num(read, 'SESSION_MAX_SIZE'),
    concurrency: concurrencyMode(read),
    userKey: str(read, 'SESSION_USER_KEY'),
    absoluteLifetime:
      absoluteSeconds === undefined ? undefined : Math.round(absoluteSeconds * 1000),
  });
}

function backend(type: SessionType, read: Reader): SessionModuleOptions {
  const createTable = bool(read, 'SESSION_CREATE_TABLE');
  switch (type) {
    case 'null':
      return { type };
    case 'memory':
      return defined({ type, maxEntries: num(read, 'SESSION_MEMORY_MAX_ENTRIES') });
    case 'filesystem':
      return defined({
        type,
        dir: str(read, 'SESSION_FILE_DIR'),
        threshold: num(read, 'SESSION_FILE_THRESHOLD'),
        mode: fileMode(read, 'SESSION_FILE_MODE'),
      });
    case 'redis': {
      const { client, url } = clientOrUrl(read, 'SESSION_REDIS');
      return defined({
        type,
        // The store checks that it is a client when it is built.
        client: client as RedisSessionOptions['client'],
        url,
        host: str(read, 'SESSION_REDIS_HOST'),
        port: num(read, 'SESSION_REDIS_PORT'),
      });
    }
    case 'memcached': {
      const { client, url } = clientOrUrl(read, 'SESSION_MEMCACHED');
      return defined({
        type,
        client: client as MemcachedSessionOptions['client'],
        servers: url === undefined ? undefined : list(read, 'SESSION_MEMCACHED'),
      });
    }
    case 'mongodb': {
      const { client, url } = clientOrUrl(read, 'SESSION_MONGODB');
      return defined({
        type,
        // The store checks that it is a connection when it is built.
        connection: client as MongoDBSessionOptions['connection'],
        url,
        db: str(read, 'SESSION_MONGODB_DB'),
        collection: str(read, 'SESSION_MONGODB_COLLECT'),
      });
    }
    case 'sqlalchemy':
    case 'typeorm': {
      const { client, url } = clientOrUrl(read, 'SESSION_SQLALCHEMY');
      return defined({
        type,
        // Checked when the module starts: a DataSource, else a SessionConfigError.
        dataSource: client as SqlDataSource | undefined,
        url: url ?? str(read, 'SQLALCHEMY_DATABASE_URI'),
        table: str(read, 'SESSION_SQLALCHEMY_TABLE'),
        createTable,
      });
    }
    case 'peewee':
      return defined({
        type,
        url: str(read, 'SESSION_PEEWEE_CONFIG'),
        table: str(read, 'SESSION_PEEWEE_TABLE'),
        createTable,
      });
    case 'dynamodb':
      return defined({
        type,
        // Its shape is checked when the store is built.
        client: client(read, 'SESSION_DYNAMODB') as DynamoDBSessionOptions['client'],
        region: str(read, 'SESSION_DYNAMODB_REGION'),
        endpoint: str(read, 'SESSION_DYNAMODB_ENDPOINT'),
        accessKeyId: str(read, 'SESSION_DYNAMODB_KEY_ID'),
        secretAccessKey: str(read, 'SESSION_DYNAMODB_SECRET'),
        table: str(read, 'SESSION_DYNAMODB_TABLE'),
        createTable,
      });
    case 'elasticsearch': {
      const { client, url } = clientOrUrl(read, 'SESSION_ELASTICSEARCH');
      return defined({
        type,
        // Its shape is checked when the store is built.
        client: client as ElasticsearchSessionOptions['client'],
        node: url ?? str(read, 'SESSION_ELASTICSEARCH_HOST'),
        index: str(read, 'SESSION_ELASTICSEARCH_INDEX'),
      });
    }
    case 'datastore':
      return defined({
        type,
        client: client(read, 'SESSION_DATASTORE') as DatastoreSessionOptions['client'],
        projectId: str(read, 'GCLOUD_APP_PROJECT_ID'),
        collection: str(read, 'SESSION_DATASTORE_KIND'),
      });
    case 'firestore':
      return defined({
        type,
        client: client(read, 'SESSION_FIRESTORE') as FirestoreSessionOptions['client'],
        projectId: str(read, 'GCLOUD_APP_PROJECT_ID'),
        collection: str(read, 'SESSION_FIRESTORE_COLLECT'),
      });
  }
}

/**
 * Module options from Flask-Session's configuration keys (`SESSION_TYPE`,
 * `SESSION_REDIS`, `PERMANENT_SESSION_LIFETIME`…), read from a `ConfigService`
 * or a record such as `process.env`. A bad value throws a
 * {@link SessionConfigError} that names the key.
 */
export function sessionOptionsFromConfig(source: ConfigSource): SessionModuleOptions {
  const read = readerOf(source);
  const options = { ...common(read), ...backend(sessionType(read), read) };
  if (options.cookie && Object.keys(options.cookie).length === 0) delete options.cookie;
  return options;
}

export type { ConfigSource };
