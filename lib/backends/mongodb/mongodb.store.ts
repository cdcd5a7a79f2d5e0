import { Logger } from '@nestjs/common';
import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type {
  CompareAndSetResult,
  MongoDBCollectionLike,
  MongoDBConnectionLike,
  SessionStore,
} from '../../interfaces';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import { createMongoDBClient } from './mongodb.client';

export interface MongoDBStoreOptions {
  /** A mongoose connection you own (left open by `close()`); without it the store connects to `url`. */
  connection?: MongoDBConnectionLike;
  /** `SESSION_MONGODB` as a URL: what the store's own connection opens, default `mongodb://127.0.0.1:27017`. */
  url?: string;
  /** `SESSION_MONGODB_DB`, default `flask_session`. */
  db?: string;
  /** `SESSION_MONGODB_COLLECT`, default `sessions`. */
  collection?: string;
  /**
   * Connect, server selection and socket bound, in ms, of the store's own
   * connection; default 3000. The module passes `storeTimeout`.
   */
  timeoutMs?: number;
}

/** Name of the TTL index the store creates on `expiresAt`. */
export const MONGODB_TTL_INDEX = 'expiresAt_ttl';

/** IndexOptionsConflict, IndexKeySpecsConflict: an index on the same key or name, other options. */
const INDEX_CONFLICTS = new Set<unknown>([85, 86]);
const DEFAULT_URL = 'mongodb://127.0.0.1:27017';

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
  /** The TTL index removes expired documents: no sweep. */
  readonly needsSweep = false;
  readonly db: string;
  readonly collectionName: string;
  private readonly ownsConnection: boolean;
  private readonly connection: Lazy<MongoDBConnectionLike>;
  private readonly prepared = new Lazy(() => this.open());
  private readonly logger = new Logger(MongoDBStore.name);

  constructor(options: MongoDBStoreOptions = {}) {
    this.db = options.db ?? 'flask_session';
    this.collectionName = options.collection ?? 'sessions';
    const given = options.connection;
    this.ownsConnection = given === undefined;
    const url = options.url ?? DEFAULT_URL;
    const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.connection = new Lazy(async () => given ?? createMongoDBClient(url, timeoutMs));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const collection = await this.prepared.get();
    const found = await collection.findOne(
      { _id: key, expiresAt: { $gt: new Date() } },
      { projection: { data: 1 } },
    );
    return found ? bytesOf(found.data) : undefined;
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const collection = await this.prepared.get();
    // One round trip: insert or replace the data and the expiry.
    await collection.updateOne(
      { _id: key },
      { $set: { data: asBuffer(value), expiresAt: new Date(Date.now() + ttlMs) } },
      { upsert: true },
    );
  }

  async delete(key: string): Promise<void> {
    const collection = await this.prepared.get();
    await collection.deleteOne({ _id: key });
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.updateLive(key, { expiresAt: new Date(now + ttlMs) }, now);
  }

  async update(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.updateLive(key, { data: asBuffer(value), expiresAt: new Date(now + ttlMs) }, now);
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    const now = Date.now();
    // MongoDB compares BinData by length, subtype and bytes: the stored bytes are the version.
    const stored = await this.updateLive(
      key,
      { data: asBuffer(value), expiresAt: new Date(now + ttlMs) },
      now,
      asBuffer(expected),
    );
    if (stored) return 'stored';
    return (await this.get(key)) === undefined ? 'missing' : 'changed';
  }

  async deleteExpired(): Promise<number> {
    const collection = await this.prepared.get();
    const result = await collection.deleteMany({ expiresAt: { $lte: new Date() } });
    return result.deletedCount ?? 0;
  }

  /**
   * Connects (when the store owns its connection) and creates the TTL index.
   * Runs at startup; when it fails, the next call tries again.
   */
  async prepare(): Promise<void> {
    await this.prepared.get();
  }

  async close(): Promise<void> {
    if (!this.ownsConnection || !this.connection.started) return;
    void this.prepared.reset();
    await (await this.connection.reset())?.close();
  }

  /**
   * `$set` on the live document of `key` (and only while its data is
   * `expected`, when given), never an upsert: a missing or expired document
   * is not brought back. Says whether one matched.
   */
  private async updateLive(
    key: string,
    set: { data?: Buffer; expiresAt: Date },
    now: number,
    expected?: Buffer,
  ): Promise<boolean> {
    const collection = await this.prepared.get();
    const filter = { _id: key, expiresAt: { $gt: new Date(now) } };
    const result = await collection.updateOne(expected ? { ...filter, data: expected } : filter, {
      $set: set,
    });
    return result.matchedCount > 0;
  }

  private async open(): Promise<MongoDBCollectionLike> {
    const connection = await this.connection.get();
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
}
