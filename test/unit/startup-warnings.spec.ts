import { Logger } from '@nestjs/common';
import { SESSION_BACKENDS } from '../../lib/backends/session-backends';
import type { SessionInterface, SessionModuleOptions } from '../../lib';

const noop = async () => undefined;
/** Clients that pass each backend's shape check; nothing is called on them at startup. */
const redisClient = { getBuffer: noop, set: noop, pexpire: noop, del: noop };
const memcachedClient = { get: noop, set: noop, delete: noop, touch: noop };
const dynamoDBClient = { send: noop, destroy: noop };
const elasticsearchClient = {
  get: noop,
  index: noop,
  update: noop,
  delete: noop,
  deleteByQuery: noop,
  indices: { exists: noop, create: noop },
};
const datastoreClient = {
  ...Object.fromEntries(
    ['key', 'get', 'save', 'delete', 'transaction', 'createQuery', 'runQuery'].map((m) => [
      m,
      noop,
    ]),
  ),
  KEY: Symbol('KEY'),
};
const firestoreClient = { collection: noop, runTransaction: noop, terminate: noop };

const cases: [string, () => SessionInterface | Promise<SessionInterface>][] = [
  ['memory', () => SESSION_BACKENDS.memory.fromOptions({ type: 'memory', ...unsafeCookie() })],
  [
    'filesystem',
    () => SESSION_BACKENDS.filesystem.fromOptions({ type: 'filesystem', ...unsafeCookie() }),
  ],
  [
    'redis',
    () =>
      SESSION_BACKENDS.redis.fromOptions({
        type: 'redis',
        client: redisClient as never,
        ...unsafeCookie(),
      }),
  ],
  [
    'memcached',
    () =>
      SESSION_BACKENDS.memcached.fromOptions({
        type: 'memcached',
        client: memcachedClient as never,
        ...unsafeCookie(),
      }),
  ],
  [
    'dynamodb',
    () =>
      SESSION_BACKENDS.dynamodb.fromOptions({
        type: 'dynamodb',
        client: dynamoDBClient as never,
        ...unsafeCookie(),
      }),
  ],
  [
    'elasticsearch',
    () =>
      SESSION_BACKENDS.elasticsearch.fromOptions({
        type: 'elasticsearch',
        client: elasticsearchClient as never,
        ...unsafeCookie(),
      }),
  ],
  [
    'datastore',
    () =>
      SESSION_BACKENDS.datastore.fromOptions({
        type: 'datastore',
        client: datastoreClient as never,
        ...unsafeCookie(),
      }),
  ],
  [
    'firestore',
    () =>
      SESSION_BACKENDS.firestore.fromOptions({
        type: 'firestore',
        client: firestoreClient as never,
        ...unsafeCookie(),
      }),
  ],
];

function unsafeCookie(): Pick<SessionModuleOptions & { cookie?: object }, 'cookie'> {
  return { cookie: { sameSite: 'None', partitioned: true } };
}

describe('settings are resolved once per backend', () => {
  it.each(cases)('%s warns once of each cookie browsers drop', async (_type, build) => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const sessions = await build();
      const warnings = warn.mock.calls.map(([message]) => String(message));
      expect(warnings.filter((m) => m.includes('SESSION_COOKIE_SAMESITE'))).toHaveLength(1);
      expect(warnings.filter((m) => m.includes('SESSION_COOKIE_PARTITIONED'))).toHaveLength(1);
      await sessions.close();
    } finally {
      warn.mockRestore();
    }
  });
});
