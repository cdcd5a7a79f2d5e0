import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type { MongoDBConnectionLike } from '../../interfaces';
import { loadOptionalPackage } from '../../utils/optional-package.util';

type MongooseModule = typeof import('mongoose');

/** mongoose, or a `SessionConfigError` that says how to install it. */
export function loadMongoose(): MongooseModule {
  return loadOptionalPackage<MongooseModule>('mongoose', { store: 'mongodb' });
}

/**
 * Opens a mongoose connection to `url` that fails fast while the server is
 * unreachable: server selection, connecting and each operation's socket wait
 * at most `timeoutMs` (the module passes `storeTimeout`) instead of the
 * driver's 30 s, and nothing is buffered while disconnected. Resolves once
 * connected; a failed connection is closed and its error thrown.
 */
export async function createMongoDBClient(
  url: string,
  timeoutMs = DEFAULT_STORE_TIMEOUT_MS,
): Promise<MongoDBConnectionLike> {
  const mongoose = loadMongoose();
  const connection = mongoose.createConnection(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    // Bounds a socket only while an operation waits on it: a hung server frees it.
    socketTimeoutMS: timeoutMs,
    heartbeatFrequencyMS: 2000,
    bufferCommands: false,
    autoCreate: false,
    autoIndex: false,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  return connection;
}
