import { Logger } from '@nestjs/common';
import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  CommonSessionOptions,
  MongoDBConnectionLike,
  MongoDBSessionOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { failureWithin } from '../../utils/timeout.util';
import { hasMethods } from '../../utils/validation.util';
import { loadMongoose } from './mongodb.client';
import { MongoDBStore } from './mongodb.store';

/** What MongoDB forbids in a database name (and an empty one). */
const DB_FORBIDDEN = /[/\\. "$*<>:|?\0]/;

const isConnection = (value: unknown) =>
  hasMethods<MongoDBConnectionLike>(value, ['getClient', 'close']);

function checkName(key: string, value: unknown, valid: (name: string) => boolean, what: string) {
  if (value !== undefined && (typeof value !== 'string' || !valid(value))) {
    throw new SessionConfigError(key, `expected ${what}, got "${String(value)}"`);
  }
}

/**
 * Flask-Session's `MongoDBSessionInterface(client, db, collection, key_prefix,
 * use_signer, permanent)`: one document per session in `db.collection`. A
 * mongoose `connection` you pass (e.g. the one `@nestjs/mongoose` made) is used
 * as is and left open; without one the interface connects to `url` and closes
 * that connection on shutdown.
 */
export class MongoDBSessionInterface extends ServerSideSessionInterface {
  declare readonly store: MongoDBStore;

  /**
   * @param connection a mongoose `Connection` you own, or a `mongodb://` URL to
   *   connect to (default `mongodb://127.0.0.1:27017`) (`SESSION_MONGODB`)
   * @param db `SESSION_MONGODB_DB`, default `flask_session`
   * @param collection `SESSION_MONGODB_COLLECT`, default `sessions`
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param useSigner `SESSION_USE_SIGNER`, default `false` (wins over `options`)
   * @param permanent `SESSION_PERMANENT`, default `true` (wins over `options`)
   */
  constructor(
    connection?: MongoDBConnectionLike | string,
    db?: string,
    collection?: string,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: CommonSessionOptions | SessionSettings = {},
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    const common = { db, collection, timeoutMs: settings.storeTimeout };
    // With userKey, sessions are listed by user: the store indexes `user`.
    const indexUsers = settings.userKey !== undefined;
    super(
      new MongoDBStore(
        typeof connection === 'string'
          ? { url: connection, ...common, indexUsers }
          : { connection, ...common, indexUsers },
      ),
      settings,
      true,
    );
  }

  /**
   * `type: 'mongodb'`: checks the options, loads mongoose only if it must
   * connect, and creates the TTL index (and the `user` index with `userKey`) at startup (waiting at most
   * `storeTimeout`: when the server cannot be reached, startup goes on and the
   * first request tries again). Bad options throw a {@link SessionConfigError}.
   */
  static async fromOptions(
    options: Omit<MongoDBSessionOptions, 'type'>,
  ): Promise<MongoDBSessionInterface> {
    const { connection, url, db, collection } = options;
    if (connection !== undefined && !isConnection(connection)) {
      throw new SessionConfigError(
        'connection (SESSION_MONGODB)',
        'expected a mongoose Connection (or a mongodb:// URL string)',
      );
    }
    checkName(
      'url (SESSION_MONGODB)',
      url,
      (value) => /^mongodb(\+srv)?:\/\/[^/]/.test(value),
      'a mongodb:// or mongodb+srv:// URL such as mongodb://127.0.0.1:27017',
    );
    checkName(
      'db (SESSION_MONGODB_DB)',
      db,
      (value) => value !== '' && !DB_FORBIDDEN.test(value) && Buffer.byteLength(value) < 64,
      'a MongoDB database name (no /\\. "$*<>:|? or spaces, under 64 bytes)',
    );
    checkName(
      'collection (SESSION_MONGODB_COLLECT)',
      collection,
      (value) =>
        value !== '' &&
        !value.includes('$') &&
        !value.includes('\0') &&
        !value.startsWith('system.'),
      'a MongoDB collection name (no $, not starting with system.)',
    );
    if (connection === undefined) loadMongoose();
    const settings = resolveSessionSettings(options);
    const sessions = new MongoDBSessionInterface(
      connection ?? url,
      db,
      collection,
      undefined,
      undefined,
      undefined,
      settings,
    );
    const { store } = sessions;
    const failure = await failureWithin(() => store.prepare(), settings.storeTimeout);
    if (failure) {
      new Logger(MongoDBSessionInterface.name).warn(
        `no indexes on ${store.db}.${store.collectionName} yet, ` +
          `the first request tries again: ${failure.message}`,
      );
    }
    return sessions;
  }
}
