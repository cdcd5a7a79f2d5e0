import type { CommonSessionOptions } from './session-module-options.interface';
import type { MongoDBConnectionLike } from '../backends/mongodb/mongodb.store';

export interface MongoDBSessionOptions extends CommonSessionOptions {
  type: 'mongodb';
  /** `SESSION_MONGODB`: a mongoose `Connection` you own (e.g. from `@nestjs/mongoose`). */
  connection?: MongoDBConnectionLike;
  /** `SESSION_MONGODB` as a URL, default `mongodb://127.0.0.1:27017`. */
  url?: string;
  /** `SESSION_MONGODB_DB`, default `flask_session`. */
  db?: string;
  /** `SESSION_MONGODB_COLLECT`, default `sessions`. */
  collection?: string;
}
