import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { CommonSessionOptions } from '../../interfaces';
import { MongoDBStore, type MongoDBConnectionLike } from './mongodb.store';

/**
 * Flask-Session's `MongoDBSessionInterface(client, db, collection, key_prefix,
 * use_signer, permanent)`: one document per session in `db.collection`. A
 * mongoose `connection` you pass (e.g. the one `@nestjs/mongoose` made) is used
 * as is and left open; without one the interface connects to `url` and closes
 * that connection on shutdown.
 */
export class MongoDBSessionInterface extends ServerSideSessionInterface {
  constructor(
    connection?: MongoDBConnectionLike | string,
    db = 'flask_session',
    collection = 'sessions',
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: CommonSessionOptions = {},
  ) {
    super(
      new MongoDBStore(
        typeof connection === 'string'
          ? { url: connection, db, collection }
          : { connection, db, collection },
      ),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
