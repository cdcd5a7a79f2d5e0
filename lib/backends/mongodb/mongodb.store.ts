import { Logger } from '@nestjs/common';
import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type {
  CompareAndSetResult,
  MongoDBCollectionLike,
  MongoDBConnectionLike,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import { MissingPermissionWarnings } from '../../utils/missing-permission.util';
import { createMongoDBClient } from './mongodb.client';
import {
  MONGODB_USER_INDEX,
  withUser,
  type MongoDBUserIndexCollectionLike,
  type MongoDBValueUpdate,
} from './mongodb.user-index';

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
  /**
   * Sessions are listed by user (the module's `userKey`; `fromOptions` sets
   * it): the store creates an index on `user` at startup.
   */
  indexUsers?: boolean;
}

/** Name of the TTL index the store creates on `expiresAt`. */
export const MONGODB_TTL_INDEX = 'expiresAt_ttl';

/** IndexOptionsConflict, IndexKeySpecsConflict: an index on the same key or name, other options. */
const INDEX_CONFLICTS = new Set<unknown>([85, 86]);
/** Unauthorized: the role may not create indexes. */
const UNAUTHORIZED = 13;
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

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

type SessionCollection = MongoDBCollectionLike & MongoDBUserIndexCollectionLike;

/**
 * Sessions in a MongoDB collection: `{ _id: key, data: Binary, expiresAt: Date }`
 * with a TTL index on `expiresAt` (created by {@link prepare}, at startup), and
 * `user` when a write names one (`userKey`), in the same `updateOne`.
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
  readonly indexUsers: boolean;
  private readonly ownsConnection: boolean;
  private readonly connection: Lazy<MongoDBConnectionLike>;
  private readonly prepared = new Lazy(() => this.open());
  private readonly logger = new Logger(MongoDBStore.name);
  private readonly refused: MissingPermissionWarnings;

  constructor(options: MongoDBStoreOptions = {}) {
    this.db = options.db ?? 'flask_session';
    this.collectionName = options.collection ?? 'sessions';
    this.indexUsers = options.indexUsers ?? false;
    this.refused = new MissingPermissionWarnings(this.logger, `${this.db}.${this.collectionName}`);
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

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    const collection = await this.prepared.get();
    // One round trip: insert or replace the data, the expiry and the user.
    await collection.updateOne(
      { _id: key },
      withUser({ data: asBuffer(value), expiresAt: new Date(Date.now() + ttlMs) }, options?.user),
      { upsert: true },
    );
  }

  async delete(key: string): Promise<void> {
    const collection = await this.prepared.get();
    await collection.deleteOne({ _id: key });
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    // The user stays as it is.
    return this.updateLive(key, { $set: { expiresAt: new Date(now + ttlMs) } }, now);
  }

  async update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    const now = Date.now();
    return this.updateLive(
      key,
      withUser({ data: asBuffer(value), expiresAt: new Date(now + ttlMs) }, options?.user),
      now,
    );
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    const now = Date.now();
    // MongoDB compares BinData by length, subtype and bytes: the stored bytes are the version.
    const stored = await this.updateLive(
      key,
      withUser({ data: asBuffer(value), expiresAt: new Date(now + ttlMs) }, options?.user),
      now,
      asBuffer(expected),
    );
    if (stored) return 'stored';
    return (await this.get(key)) === undefined ? 'missing' : 'changed';
  }

  /** The live documents written last with `user`: one `find` on the `user` index. */
  async findByUser(user: string): Promise<UserSessionEntry[]> {
    const collection = await this.prepared.get();
    // $eq: a user id is matched as a value, never read as a query operator.
    const docs = await collection
      .find(
        { user: { $eq: user }, expiresAt: { $gt: new Date() } },
        { projection: { data: 1, expiresAt: 1 } },
      )
      .toArray();
    return docs.flatMap((doc) => {
      const value = bytesOf(doc.data);
      return value && doc.expiresAt instanceof Date
        ? [{ key: doc._id, value, expiresAt: doc.expiresAt }]
        : [];
    });
  }

  async deleteExpired(): Promise<number> {
    const collection = await this.prepared.get();
    const result = await collection.deleteMany({ expiresAt: { $lte: new Date() } });
    return result.deletedCount ?? 0;
  }

  /**
   * Connects (when the store owns its connection) and creates the TTL index
   * (and the `user` index with {@link MongoDBStoreOptions.indexUsers}).
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
   * `update` on the live document of `key` (and only while its data is
   * `expected`, when given), never an upsert: a missing or expired document
   * is not brought back. Says whether one matched.
   */
  private async updateLive(
    key: string,
    update: MongoDBValueUpdate | { $set: { expiresAt: Date } },
    now: number,
    expected?: Buffer,
  ): Promise<boolean> {
    const collection = await this.prepared.get();
    const filter = { _id: key, expiresAt: { $gt: new Date(now) } };
    const result = await collection.updateOne(
      expected ? { ...filter, data: expected } : filter,
      update,
    );
    return result.matchedCount > 0;
  }

  private async open(): Promise<SessionCollection> {
    const connection = await this.connection.get();
    // The driver's Collection has every member the user index needs as well.
    const collection = connection
      .getClient()
      .db(this.db)
      .collection(this.collectionName) as SessionCollection;
    try {
      await collection.createIndex(
        { expiresAt: 1 },
        { name: MONGODB_TTL_INDEX, expireAfterSeconds: 0 },
      );
    } catch (error) {
      if (!INDEX_CONFLICTS.has(codeOf(error))) throw error;
      // The collection already has an index of its own on expiresAt: keep it, expiry is filtered on read anyway.
      this.logger.warn(
        `${this.db}.${this.collectionName} has another index on expiresAt, kept as it is: ${String(error)}`,
      );
    }
    if (this.indexUsers) await this.createUserIndex(collection);
    return collection;
  }

  /** `{ user: 1 }`: only a speed-up of `findByUser`, so a refusal is a warning, not a failure. */
  private async createUserIndex(collection: SessionCollection): Promise<void> {
    try {
      await collection.createIndex({ user: 1 }, { name: MONGODB_USER_INDEX });
    } catch (error) {
      const code = codeOf(error);
      if (code === UNAUTHORIZED) {
        this.refused.warn(
          'createIndex',
          `findByUser scans the collection until you create the index { user: 1 }`,
        );
      } else if (INDEX_CONFLICTS.has(code)) {
        this.logger.warn(
          `${this.db}.${this.collectionName} has another index on user, kept as it is: ${String(error)}`,
        );
      } else {
        throw error;
      }
    }
  }
}
