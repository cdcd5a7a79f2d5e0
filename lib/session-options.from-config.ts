import { isSessionType, SESSION_TYPES } from './backends/session-backends';
import { SessionConfigError } from './session.errors';
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
  type SessionCookieOptions,
  type SessionModuleOptions,
  type SessionType,
  type SqlDataSource,
} from './interfaces';

/** A `ConfigService` (anything with `get(key)`) or a plain record such as `process.env`. */
export type ConfigSource = { get(key: string): unknown } | Readonly<Record<string, unknown>>;

type Reader = (key: string) => unknown;

function readerOf(source: ConfigSource): Reader {
  const get = (source as { get?: unknown }).get;
  const read: Reader =
    typeof get === 'function'
      ? (key) => (source as { get(key: string): unknown }).get(key)
      : (key) => (source as Record<string, unknown>)[key];
  // An empty environment variable means "not set".
  return (key) => {
    const value = read(key);
    return value === '' || value === null ? undefined : value;
  };
}

function str(read: Reader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new SessionConfigError(key, `expected a string, got ${typeof value}`);
  return value;
}

function bool(read: Reader, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new SessionConfigError(key, `expected true or false, got "${String(value)}"`);
}

function num(read: Reader, key: string, integer = true): number | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new SessionConfigError(
      key,
      `expected a${integer ? 'n integer' : ' number'} >= 0, got "${String(value)}"`,
    );
  }
  return n;
}

/** `0600`, `600`, `0o600` as text are octal; a number is taken as is (Python's `0o600` is 384). */
function fileMode(read: Reader, key: string): number | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const match = /^(?:0o?)?([0-7]{1,4})$/i.exec(String(value).trim());
  if (!match)
    throw new SessionConfigError(
      key,
      `expected an octal file mode such as 0600, got "${String(value)}"`,
    );
  return parseInt(match[1], 8);
}

function list(read: Reader, key: string): string[] | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  if (typeof value === 'string')
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  throw new SessionConfigError(key, 'expected a comma-separated string or an array of strings');
}

/** A client object, or a string (URL / address) the module connects to itself. */
function clientOrUrl(read: Reader, key: string): { client?: object; url?: string } {
  const value = read(key);
  if (value === undefined) return {};
  if (typeof value === 'string') return { url: value };
  if (typeof value === 'object') return { client: value as object };
  throw new SessionConfigError(
    key,
    `expected a client instance or a URL string, got ${typeof value}`,
  );
}

function client(read: Reader, key: string): object | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'object')
    throw new SessionConfigError(key, `expected a client instance, got ${typeof value}`);
  return value as object;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

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

function common(read: Reader): CommonSessionOptions {
  const lifetimeSeconds = num(read, 'PERMANENT_SESSION_LIFETIME', false);
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
    autoDelete: bool(read, 'SESSION_AUTODELETE'),
    maxSize: num(read, 'SESSION_MAX_SIZE'),
  });
}

function backend(type: SessionType, read: Reader): SessionModuleOptions {
  const createTable = bool(read, 'SESSION_CREATE_TABLE');
  switch (type) {
    case 'null':
      return { type };
    case 'memory':
      return { type };
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
