import { Logger } from '@nestjs/common';
import { loadOptionalPackage } from '../../utils/optional-package.util';
import type { SessionStore } from '../../interfaces/session-store.interface';

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
  updateOne(
    filter: { _id: string; expiresAt?: { $gt: Date } },
    update: { $set: Partial<Omit<MongoDBSessionDocument, '_id'>> },
    options?: { upsert?: boolean },
  ): Promise<unknown>;
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

export interface MongoDBStoreOptions {
  /** A mongoose connection you own (left open by `close()`); without it the store connects to `url`. */
  connection?: MongoDBConnectionLike;
  /** `SESSION_MONGODB` as a URL: what the store's own connection opens, default `mongodb://127.0.0.1:27017`. */
  url?: string;
  /** `SESSION_MONGODB_DB`, default `flask_session`. */
  db?: string;
  /** `SESSION_MONGODB_COLLECT`, default `sessions`. */
  collection?: string;
}

/** Name of the TTL index the store creates on `expiresAt`. */
export const MONGODB_TTL_INDEX = 'expiresAt_ttl';

/** IndexOptionsConflict, IndexKeySpecsConflict: an index on the same key or name, other options. */
const INDEX_CONFLICTS = new Set<unknown>([85, 86]);
const DEFAULT_URL = 'mongodb://127.0.0.1:27017';
/**
 * The store's own connection: a dead server fails a call within these times
 * instead of the driver's 30 s, and a hung one frees its socket.
 */
const OWN_CONNECTION_OPTIONS = {
  serverSelectionTimeoutMS: 5000,
  connectTimeoutMS: 5000,
  socketTimeoutMS: 10_000,
  heartbeatFrequencyMS: 2000,
  bufferCommands: false,
  autoCreate: false,
  autoIndex: false,
} as const;

type MongooseModule = typeof import('mongoose');

function loadMongoose(): MongooseModule {
  return loadOptionalPackage<MongooseModule>('mongoose', { store: 'mongodb' });
}

/** Checks that `mongoose` can be loaded; a `SessionConfigError` says how to install it. */
export function requireMongoosePackage(): void {
  loadMongoose();
}

/** The bytes of a BSON `Binary` (or of a plain byte array). */
function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  const binary = value as { buffer?: unknown; position?: unknown } | null;
  if (binary?.buffer instanceof Uint8Array && typeof binary.position === 'number') {
    return binary.buffer.subarray(0, binary.position);
  }
  return undefined;
}

/**
 * Sessions in a MongoDB collection: `{ _id: key, data: Binary, expiresAt: Date }`
 * with a TTL index on `expiresAt` (created by {@link prepare}, at startup).
 *
 * MongoDB's TTL monitor deletes expired documents only about once a minute,
 * so every read and refresh also filters on `expiresAt > now`: an expired
 * document is never returned.
 */
export class MongoDBStore implements SessionStore {
  readonly db: string;
  readonly collectionName: string;
  private readonly url: string;
  private readonly ownsConnection: boolean;
  private connection?: Promise<MongoDBConnectionLike>;
  private prepared?: Promise<MongoDBCollectionLike>;
  private readonly logger = new Logger(MongoDBStore.name);

  constructor(options: MongoDBStoreOptions = {}) {
    this.db = options.db ?? 'flask_session';
    this.collectionName = options.collection ?? 'sessions';
    this.url = options.url ?? DEFAULT_URL;
    this.ownsConnection = options.connection === undefined;
    if (options.connection) this.connection = Promise.resolve(options.connection);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const collection = await this.ready();
    const found = await collection.findOne(
      { _id: key, expiresAt: { $gt: new Date() } },
      { projection: { data: 1 } },
    );
    return found ? bytesOf(found.data) : undefined;
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const collection = await this.ready();
    // One round trip: insert or replace the data and the expiry.
    await collection.updateOne(
      { _id: key },
      {
        $set: {
          data: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
          expiresAt: new Date(Date.now() + ttlMs),
        },
      },
      { upsert: true },
    );
  }

  async delete(key: string): Promise<void> {
    const collection = await this.ready();
    await collection.deleteOne({ _id: key });
  }

  async touch(key: string, ttlMs: number): Promise<void> {
    const collection = await this.ready();
    const now = Date.now();
    // Only a live document: an expired one is not brought back.
    await collection.updateOne(
      { _id: key, expiresAt: { $gt: new Date(now) } },
      { $set: { expiresAt: new Date(now + ttlMs) } },
    );
  }

  async deleteExpired(): Promise<number> {
    const collection = await this.ready();
    const result = await collection.deleteMany({ expiresAt: { $lte: new Date() } });
    return result.deletedCount ?? 0;
  }

  /**
   * Connects (when the store owns its connection) and creates the TTL index.
   * Runs at startup; when it fails, the next call tries again.
   */
  async prepare(): Promise<void> {
    await this.ready();
  }

  async close(): Promise<void> {
    if (!this.ownsConnection || !this.connection) return;
    const connection = this.connection;
    this.connection = undefined;
    this.prepared = undefined;
    await (await connection.catch(() => undefined))?.close();
  }

  private ready(): Promise<MongoDBCollectionLike> {
    this.prepared ??= this.open().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  private async open(): Promise<MongoDBCollectionLike> {
    this.connection ??= this.connect();
    const connection = await this.connection;
    const collection = connection.getClient().db(this.db).collection(this.collectionName);
    try {
      await collection.createIndex(
        { expiresAt: 1 },
        { name: MONGODB_TTL_INDEX, expireAfterSeconds: 0 },
      );
    } catch (error) {
      if (!INDEX_CONFLICTS.has((error as { code?: unknown } | null)?.code)) throw error;
      // The collection already has an index of its own on expiresAt: keep it, expiry is filtered on read anyway.
      this.logger.warn(
        `${this.db}.${this.collectionName} has another index on expiresAt, kept as it is: ${String(error)}`,
      );
    }
    return collection;
  }

  private async connect(): Promise<MongoDBConnectionLike> {
    try {
      const mongoose = loadMongoose();
      const connection = mongoose.createConnection(this.url, OWN_CONNECTION_OPTIONS);
      try {
        await connection.asPromise();
      } catch (error) {
        await connection.close().catch(() => undefined);
        throw error;
      }
      return connection;
    } catch (error) {
      this.connection = undefined;
      throw error;
    }
  }
}
