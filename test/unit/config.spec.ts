import { Logger } from '@nestjs/common';
import {
  MemcachedSessionInterface,
  MemorySessionInterface,
  MemoryStore,
  ServerSideSessionInterface,
  sessionOptionsFromConfig,
  SessionConfigError,
} from '../../lib';
import { resolveSessionSettings } from '../../lib/core/session-settings';

describe('sessionOptionsFromConfig', () => {
  it('gives the null store when nothing is configured', () => {
    expect(sessionOptionsFromConfig({})).toEqual({ type: 'null' });
  });

  it('maps the common Flask keys from strings (as in process.env)', () => {
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'FileSystem',
      SESSION_PERMANENT: 'false',
      SESSION_USE_SIGNER: 'yes',
      SECRET_KEY: 'k'.repeat(32),
      SECRET_KEY_FALLBACKS: 'o'.repeat(32) + ', ' + 'p'.repeat(32),
      SESSION_KEY_PREFIX: 'app1:',
      SESSION_ID_LENGTH: '24',
      PERMANENT_SESSION_LIFETIME: '3600',
      SESSION_REFRESH_EACH_REQUEST: '0',
      SESSION_COOKIE_NAME: 'sid',
      SESSION_COOKIE_DOMAIN: 'example.com',
      SESSION_COOKIE_PATH: '/app',
      SESSION_COOKIE_HTTPONLY: 'true',
      SESSION_COOKIE_SECURE: 'on',
      SESSION_COOKIE_SAMESITE: 'Lax',
      SESSION_COOKIE_PARTITIONED: 'true',
      SESSION_STORE_TIMEOUT: '500',
      SESSION_CLEANUP_N_REQUESTS: '10',
      SESSION_AUTODELETE: 'true',
      SESSION_MAX_SIZE: '4096',
      SESSION_SERIALIZATION_FORMAT: 'json',
      SESSION_FILE_DIR: '/tmp/sessions',
      SESSION_FILE_THRESHOLD: '100',
      SESSION_FILE_MODE: '0640',
    });
    expect(options).toEqual({
      type: 'filesystem',
      permanent: false,
      useSigner: true,
      secret: ['k'.repeat(32), 'o'.repeat(32), 'p'.repeat(32)],
      keyPrefix: 'app1:',
      idLength: 24,
      lifetime: 3_600_000,
      refreshEachRequest: false,
      cookie: {
        name: 'sid',
        domain: 'example.com',
        path: '/app',
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        partitioned: true,
      },
      storeTimeout: 500,
      cleanupEvery: 10,
      autoDelete: true,
      maxSize: 4096,
      dir: '/tmp/sessions',
      threshold: 100,
      mode: 0o640,
    });
  });

  it('reads a ConfigService-like source with typed values', () => {
    const values: Record<string, unknown> = {
      SESSION_TYPE: 'memory',
      SESSION_PERMANENT: false,
      PERMANENT_SESSION_LIFETIME: 1.5,
    };
    const options = sessionOptionsFromConfig({ get: (key: string) => values[key] });
    expect(options).toEqual({ type: 'memory', permanent: false, lifetime: 1500 });
  });

  it('falls back to APPLICATION_ROOT for the cookie path and ignores empty values', () => {
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: '',
        APPLICATION_ROOT: '/root',
        SESSION_COOKIE_NAME: '',
      }),
    ).toEqual({
      type: 'null',
      cookie: { path: '/root' },
    });
  });

  it('maps every backend key', () => {
    const client = { fake: true };
    expect(
      sessionOptionsFromConfig({ SESSION_TYPE: 'redis', SESSION_REDIS: 'redis://h:1/2' }),
    ).toEqual({ type: 'redis', url: 'redis://h:1/2' });
    expect(sessionOptionsFromConfig({ SESSION_TYPE: 'redis', SESSION_REDIS: client })).toEqual({
      type: 'redis',
      client,
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'redis',
        SESSION_REDIS_HOST: 'h',
        SESSION_REDIS_PORT: '7000',
      }),
    ).toEqual({
      type: 'redis',
      host: 'h',
      port: 7000,
    });
    expect(
      sessionOptionsFromConfig({ SESSION_TYPE: 'memcached', SESSION_MEMCACHED: 'a:1, b:2' }),
    ).toEqual({
      type: 'memcached',
      servers: ['a:1', 'b:2'],
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'mongodb',
        SESSION_MONGODB: 'mongodb://h',
        SESSION_MONGODB_DB: 'd',
        SESSION_MONGODB_COLLECT: 'c',
      }),
    ).toEqual({ type: 'mongodb', url: 'mongodb://h', db: 'd', collection: 'c' });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'sqlalchemy',
        SESSION_SQLALCHEMY: client,
        SESSION_SQLALCHEMY_TABLE: 't',
      }),
    ).toEqual({
      type: 'sqlalchemy',
      dataSource: client,
      table: 't',
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'sqlalchemy',
        SQLALCHEMY_DATABASE_URI: 'postgres://x',
        SESSION_CREATE_TABLE: 'false',
      }),
    ).toEqual({
      type: 'sqlalchemy',
      url: 'postgres://x',
      createTable: false,
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'peewee',
        SESSION_PEEWEE_CONFIG: 'sqlite::memory:',
        SESSION_PEEWEE_TABLE: 't',
      }),
    ).toEqual({
      type: 'peewee',
      url: 'sqlite::memory:',
      table: 't',
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'dynamodb',
        SESSION_DYNAMODB_REGION: 'eu-west-1',
        SESSION_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
        SESSION_DYNAMODB_KEY_ID: 'id',
        SESSION_DYNAMODB_SECRET: 'secret',
        SESSION_DYNAMODB_TABLE: 'T',
      }),
    ).toEqual({
      type: 'dynamodb',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:8000',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      table: 'T',
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'elasticsearch',
        SESSION_ELASTICSEARCH_HOST: 'http://es:9200',
        SESSION_ELASTICSEARCH_INDEX: 'i',
      }),
    ).toEqual({
      type: 'elasticsearch',
      node: 'http://es:9200',
      index: 'i',
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'datastore',
        GCLOUD_APP_PROJECT_ID: 'p',
        SESSION_DATASTORE_KIND: 'k',
      }),
    ).toEqual({
      type: 'datastore',
      projectId: 'p',
      collection: 'k',
    });
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'firestore',
        GCLOUD_APP_PROJECT_ID: 'p',
        SESSION_FIRESTORE_COLLECT: 'c',
        SESSION_FIRESTORE: client,
      }),
    ).toEqual({
      type: 'firestore',
      projectId: 'p',
      collection: 'c',
      client,
    });
  });

  it.each([
    [{ SESSION_TYPE: 'cassandra' }, /SESSION_TYPE: expected one of null, memory, filesystem/],
    [{ SESSION_PERMANENT: 'maybe' }, /SESSION_PERMANENT: expected true or false, got "maybe"/],
    [
      { PERMANENT_SESSION_LIFETIME: '31 days' },
      /PERMANENT_SESSION_LIFETIME: expected a number >= 0/,
    ],
    [{ SESSION_ID_LENGTH: '2.5' }, /SESSION_ID_LENGTH: expected an integer/],
    [
      { SESSION_FILE_MODE: 'rw-------', SESSION_TYPE: 'filesystem' },
      /SESSION_FILE_MODE: expected an octal file mode/,
    ],
    [
      { SESSION_COOKIE_SAMESITE: 'sometimes' },
      /SESSION_COOKIE_SAMESITE: expected Strict, Lax, None/,
    ],
    [{ SESSION_SERIALIZATION_FORMAT: 'pickle' }, /SESSION_SERIALIZATION_FORMAT: expected "json"/],
    [{ SECRET_KEY_FALLBACKS: 'x' }, /SECRET_KEY_FALLBACKS: needs SECRET_KEY/],
    [
      { SESSION_TYPE: 'redis', SESSION_REDIS: 42 },
      /SESSION_REDIS: expected a client instance or a URL string/,
    ],
  ])('names the key of a bad value: %p', (source, message) => {
    expect(() => sessionOptionsFromConfig(source)).toThrow(SessionConfigError);
    expect(() => sessionOptionsFromConfig(source)).toThrow(message);
  });
});

describe('SESSION_CONCURRENCY', () => {
  it('reads merge or overwrite, in any case', () => {
    expect(sessionOptionsFromConfig({ SESSION_CONCURRENCY: 'Overwrite' })).toMatchObject({
      concurrency: 'overwrite',
    });
    expect(sessionOptionsFromConfig({ SESSION_CONCURRENCY: 'merge' })).toMatchObject({
      concurrency: 'merge',
    });
    expect(sessionOptionsFromConfig({})).not.toHaveProperty('concurrency');
  });

  it('refuses anything else, naming the key', () => {
    expect(() => sessionOptionsFromConfig({ SESSION_CONCURRENCY: 'lww' })).toThrow(
      /SESSION_CONCURRENCY: expected merge or overwrite, got "lww"/,
    );
    expect(() => new MemorySessionInterface({ concurrency: 'lww' as never })).toThrow(
      /concurrency \(SESSION_CONCURRENCY\): expected 'merge' or 'overwrite', got "lww"/,
    );
  });

  it('warns at startup when a custom store cannot merge or refuse to recreate', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const plain = {
        get: async () => undefined,
        set: async () => undefined,
        delete: async () => undefined,
      };
      new ServerSideSessionInterface(plain);
      new ServerSideSessionInterface({ ...plain, update: async () => true });
      new ServerSideSessionInterface(new MemoryStore());
      expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
        expect.stringMatching(
          /no update\(\) or compareAndSet\(\): a session another request destroyed/,
        ),
        expect.stringMatching(
          /no compareAndSet\(\): concurrency \(SESSION_CONCURRENCY\) 'merge' falls back to 'overwrite'/,
        ),
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('stores in production: defaults and validation', () => {
  const settings = (options: Parameters<typeof resolveSessionSettings>[0]) =>
    resolveSessionSettings(options);

  it('sweeps every 5 minutes by default; SESSION_CLEANUP_INTERVAL is in seconds, 0 turns it off', () => {
    expect(settings({}).cleanupInterval).toBe(300_000);
    expect(sessionOptionsFromConfig({ SESSION_CLEANUP_INTERVAL: '60' })).toMatchObject({
      cleanupInterval: 60_000,
    });
    expect(sessionOptionsFromConfig({ SESSION_CLEANUP_INTERVAL: '0.25' })).toMatchObject({
      cleanupInterval: 250,
    });
    expect(settings({ cleanupInterval: 0 }).cleanupInterval).toBe(0);
    // The reference key keeps its meaning: a sweep every N saving requests, off by default.
    expect(sessionOptionsFromConfig({ SESSION_CLEANUP_N_REQUESTS: '7' })).toMatchObject({
      cleanupEvery: 7,
    });
    expect(settings({}).cleanupEvery).toBe(0);
  });

  it.each([-1, 1.5, 2 ** 31, Number.NaN])('refuses cleanupInterval %p, naming the key', (value) => {
    expect(() => settings({ cleanupInterval: value })).toThrow(SessionConfigError);
    expect(() => settings({ cleanupInterval: value })).toThrow(
      /^cleanupInterval \(SESSION_CLEANUP_INTERVAL\): expected an integer from 0 to 2147483647/,
    );
  });

  it('refuses a SESSION_CLEANUP_INTERVAL that is not a number of seconds', () => {
    expect(() => sessionOptionsFromConfig({ SESSION_CLEANUP_INTERVAL: 'often' })).toThrow(
      /^SESSION_CLEANUP_INTERVAL: /,
    );
    expect(() => sessionOptionsFromConfig({ SESSION_CLEANUP_INTERVAL: '-5' })).toThrow(
      SessionConfigError,
    );
  });

  it('keeps 10,000 sessions in memory by default; SESSION_MEMORY_MAX_ENTRIES sets another bound', () => {
    expect(new MemoryStore().maxEntries).toBe(10_000);
    expect(MemorySessionInterface.fromOptions({ type: 'memory' }).store).toMatchObject({
      maxEntries: 10_000,
    });
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'memory',
      SESSION_MEMORY_MAX_ENTRIES: '50',
    });
    expect(options).toEqual({ type: 'memory', maxEntries: 50 });
    expect(MemorySessionInterface.fromOptions(options as never).store).toMatchObject({
      maxEntries: 50,
    });
  });

  it.each([0, -1, 1.5, '10'])('refuses maxEntries %p, naming the key', (value) => {
    const build = () =>
      MemorySessionInterface.fromOptions({ type: 'memory', maxEntries: value as number });
    expect(build).toThrow(SessionConfigError);
    expect(build).toThrow(/^maxEntries \(SESSION_MEMORY_MAX_ENTRIES\): expected an integer >= 1/);
  });
});

describe('user sessions: SESSION_USER_KEY and SESSION_ABSOLUTE_LIFETIME', () => {
  it('reads the user key, and the absolute lifetime in seconds', () => {
    expect(
      sessionOptionsFromConfig({ SESSION_USER_KEY: 'userId', SESSION_ABSOLUTE_LIFETIME: '43200' }),
    ).toMatchObject({ userKey: 'userId', absoluteLifetime: 43_200_000 });
    const defaults = resolveSessionSettings({});
    expect(defaults.userKey).toBeUndefined();
    expect(defaults.absoluteLifetime).toBe(0);
  });

  it.each(['', 5, null])('refuses userKey %p, naming the key', (value) => {
    expect(() => resolveSessionSettings({ userKey: value as never })).toThrow(
      /^userKey \(SESSION_USER_KEY\): expected the name of a session value/,
    );
  });

  it.each([-1, 1.5, Number.NaN])('refuses absoluteLifetime %p, naming the key', (value) => {
    expect(() => resolveSessionSettings({ absoluteLifetime: value })).toThrow(
      /^absoluteLifetime \(SESSION_ABSOLUTE_LIFETIME\): expected an integer >= 0/,
    );
  });

  it('refuses userKey with memcached before connecting, and with a store that cannot list users', async () => {
    await expect(
      MemcachedSessionInterface.fromOptions({ userKey: 'userId', servers: '127.0.0.1:1' }),
    ).rejects.toThrow(/^userKey \(SESSION_USER_KEY\): memcached cannot list keys/);
    const mapStore = {
      get: async () => undefined,
      set: async () => undefined,
      delete: async () => undefined,
    };
    expect(() => new ServerSideSessionInterface(mapStore, { userKey: 'userId' })).toThrow(
      /^userKey \(SESSION_USER_KEY\): Object cannot list a user's sessions \(it has no findByUser\(\)\)/,
    );
  });

  it("says userKey is needed to list a user's sessions", async () => {
    const sessions = new ServerSideSessionInterface(new MemoryStore());
    await expect(sessions.userSessions('ada')).rejects.toThrow(
      /^userKey \(SESSION_USER_KEY\): not set/,
    );
    await expect(
      new ServerSideSessionInterface(new MemoryStore(), { userKey: 'userId' }).userSessions(''),
    ).rejects.toThrow(/user id is a non-empty string or a finite number/);
  });
});
