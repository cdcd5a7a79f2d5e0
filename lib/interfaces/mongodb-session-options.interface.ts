import type { CommonSessionOptions } from './session-module-options.interface';

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

/** What the store writes: one document per session, `_id` = the session key. */
export interface MongoDBSessionDocument {
  _id: string;
  /** The session bytes (BSON Binary). */
  data: Uint8Array;
  /** Expiry; the TTL index on it lets MongoDB delete expired documents. */
  expiresAt: Date;
}

/** A session document as the driver returns it: `data` comes back as a BSON `Binary`. */
export interface MongoDBStoredDocument {
  _id: string;
  data?: unknown;
  expiresAt?: Date;
}

/** The methods of a MongoDB driver `Collection` the store calls. */
export interface MongoDBCollectionLike {
  findOne(
    filter: { _id: string; expiresAt: { $gt: Date } },
    options: { projection: { data: 1 } },
  ): Promise<MongoDBStoredDocument | null>;
  /** Conditional writes filter on `data` too and read `matchedCount`. */
  updateOne(
    filter: { _id: string; expiresAt?: { $gt: Date }; data?: Uint8Array },
    update: { $set: Partial<Omit<MongoDBSessionDocument, '_id'>> },
    options?: { upsert?: boolean },
  ): Promise<{ matchedCount: number }>;
  deleteOne(filter: { _id: string }): Promise<unknown>;
  deleteMany(filter: { expiresAt: { $lte: Date } }): Promise<{ deletedCount?: number }>;
  createIndex(
    keys: { expiresAt: 1 },
    options: { name: string; expireAfterSeconds: 0 },
  ): Promise<string>;
}

/**
 * The methods of a mongoose `Connection` (mongoose 8 or 9) the store calls,
 * such as the one `@nestjs/mongoose` makes; any such connection fits.
 */
export interface MongoDBConnectionLike {
  getClient(): { db(name: string): { collection(name: string): MongoDBCollectionLike } };
  close(): Promise<void>;
}
