import { Logger } from '@nestjs/common';
import { hasMethods } from '../../utils/validation.util';
import { SessionConfigError } from '../../session.errors';
import type { MongoDBSessionOptions } from '../../interfaces';
import { MongoDBStore, requireMongoosePackage, type MongoDBConnectionLike } from './mongodb.store';
import { MongoDBSessionInterface } from './mongodb.session-interface';

const DEFAULT_STORE_TIMEOUT = 3000;
/** What MongoDB forbids in a database name (and an empty one). */
const DB_FORBIDDEN = /[/\\. "$*<>:|?\0]/;

function isConnection(value: unknown): value is MongoDBConnectionLike {
  return hasMethods(value, ['getClient', 'close']);
}

function checkName(key: string, value: unknown, valid: (name: string) => boolean, what: string) {
  if (value !== undefined && (typeof value !== 'string' || !valid(value))) {
    throw new SessionConfigError(key, `expected ${what}, got "${String(value)}"`);
  }
}

/** What went wrong with `work`, or nothing once it is done; it may go on in the background after `ms`. */
async function within(work: Promise<void>, ms: number): Promise<Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `type: 'mongodb'`: checks the options, loads mongoose only if it must
 * connect, and creates the TTL index at startup (waiting at most
 * `storeTimeout`: when the server cannot be reached, startup goes on and the
 * first request tries again).
 */
export async function buildMongoDBSessionInterface(
  options: MongoDBSessionOptions,
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
      value !== '' && !value.includes('$') && !value.includes('\0') && !value.startsWith('system.'),
    'a MongoDB collection name (no $, not starting with system.)',
  );
  if (connection === undefined) requireMongoosePackage();
  const sessions = new MongoDBSessionInterface(
    isConnection(connection) ? connection : url,
    db,
    collection,
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    options,
  );
  const failure = await within(
    (sessions.store as MongoDBStore).prepare(),
    // Validated by the interface's constructor above.
    options.storeTimeout ?? DEFAULT_STORE_TIMEOUT,
  );
  if (failure) {
    new Logger('MongoDBSessionInterface').warn(
      `no TTL index on ${db ?? 'flask_session'}.${collection ?? 'sessions'} yet, ` +
        `the first request tries again: ${failure.message}`,
    );
  }
  return sessions;
}
