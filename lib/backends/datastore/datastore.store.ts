import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import { backoff } from '../../utils/backoff.util';
import type {
  CompareAndSetResult,
  DatastoreClientLike,
  DatastoreQueryLike,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { SessionTooLargeError } from '../../session.errors';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import { createDatastoreClient, loadDatastorePackage } from './datastore.client';
import {
  isSessionEntity,
  maxValueBytes,
  sessionEntity,
  type SessionEntity,
} from './datastore.entity';
import { readUserValue, userValue, type DatastoreUserValue } from './datastore.user-index';

export interface DatastoreStoreOptions {
  /** A client you own (left open by `close()`); without it the store builds one. */
  client?: DatastoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID`: the project of the store's own client (else detected by the client). */
  projectId?: string;
  /** `SESSION_DATASTORE_KIND`: the entity kind, default `sessions`. */
  kind?: string;
  /** The deadline of each call of the store's own client, default 3000 ms (the module passes `storeTimeout`). */
  timeoutMs?: number;
  /**
   * Index sessions by user (`userKey`): every entity gets an indexed `user`
   * property, written with the session, for `findByUser`. Default false.
   */
  indexUsers?: boolean;
}

/** Keys removed per commit (Datastore accepts at most 500 mutations in one). */
const DELETE_BATCH = 500;
/** `deleteExpired()` stops after this many batches; the next run continues. */
const MAX_DELETE_BATCHES = 100;
/**
 * Attempts of `update` and `touch` while concurrent commits on the entity win: each
 * reads again after a random pause (up to 100 ms) that spreads colliding writers
 * out. `storeTimeout` bounds the whole call anyway.
 */
const MAX_ATTEMPTS = 50;
const MAX_PAUSE_MS = 100;

/** gRPC status ABORTED: a concurrent transaction touched the same entity. */
function isAborted(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 10;
}

/**
 * Sessions in Google Cloud Datastore (Firestore in Datastore mode): one entity
 * of kind `sessions` per session, named by the key, holding
 * `{ data: Blob (unindexed), expiresAt: Timestamp }`, and with `indexUsers` an
 * indexed `user` (written in the same save or commit as the value; `touch`
 * keeps the one it read) that `findByUser` queries with one equality filter.
 *
 * Expiry is enforced on read: an expired entity is never returned and is
 * deleted when read, and `deleteExpired()` deletes the rest (a keys-only query
 * on `expiresAt`, which also suits a Datastore TTL policy on that property).
 *
 * `touch`, `update` and `compareAndSet` read the entity and write it back in one
 * transaction (a transactional lookup, then a commit; Datastore cannot update one
 * property, so `touch` rewrites the bytes it read). They never bring back an
 * entity that expired or was deleted, and a concurrent commit on the entity makes
 * theirs fail with ABORTED: `compareAndSet` then says `'changed'`, the others read again.
 */
export class DatastoreStore implements SessionStore {
  /** Datastore has no TTL: expired entities stay until a sweep deletes them. */
  readonly needsSweep = true;
  readonly kind: string;
  readonly indexUsers: boolean;
  private readonly ownsClient: boolean;
  private readonly client: Lazy<DatastoreClientLike>;

  constructor(options: DatastoreStoreOptions = {}) {
    this.kind = options.kind ?? 'sessions';
    this.indexUsers = options.indexUsers ?? false;
    const { client, projectId, timeoutMs = DEFAULT_STORE_TIMEOUT_MS } = options;
    this.ownsClient = client === undefined;
    this.client = new Lazy(async () => client ?? createDatastoreClient(projectId, timeoutMs));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const client = await this.client.get();
    const entityKey = client.key([this.kind, key]);
    const [entity] = await client.get(entityKey);
    if (!isSessionEntity(entity)) return undefined;
    if (entity.expiresAt.getTime() <= Date.now()) {
      // Ids are random and never reused, so nothing can have made this key live again.
      await client.delete(entityKey);
      return undefined;
    }
    return entity.data;
  }

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    const user = this.userOf(options);
    this.checkSize(key, value, user);
    const client = await this.client.get();
    await client.save(sessionEntity(client.key([this.kind, key]), asBuffer(value), ttlMs, user));
  }

  async delete(key: string): Promise<void> {
    const client = await this.client.get();
    await client.delete(client.key([this.kind, key]));
  }

  touch(key: string, ttlMs: number): Promise<boolean> {
    // The entity is saved whole again: with the user it had, so it stays listed.
    return this.retried(
      key,
      ttlMs,
      (live) => live,
      (read) => readUserValue(read.user),
    );
  }

  async update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    const user = this.userOf(options);
    this.checkSize(key, value, user);
    const data = asBuffer(value);
    return this.retried(
      key,
      ttlMs,
      () => data,
      () => user ?? null,
    );
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    const user = this.userOf(options);
    this.checkSize(key, value, user);
    const [was, data] = [asBuffer(expected), asBuffer(value)];
    try {
      return await this.readThenWrite(
        key,
        ttlMs,
        (live) => (!live ? 'missing' : live.equals(was) ? data : 'changed'),
        () => user ?? null,
      );
    } catch (error) {
      // A concurrent write or delete committed first; the caller reads again.
      if (isAborted(error)) return 'changed';
      throw error;
    }
  }

  /**
   * One query, `user == <user>` (an equality filter on one property: served by
   * Datastore's built-in index, no composite index needed); expired entities
   * are left out here rather than by a second filter, which would need one.
   */
  async findByUser(user: string): Promise<UserSessionEntry[]> {
    const client = await this.client.get();
    const [entities] = await client.runQuery(this.filtered(client, 'user', '=', userValue(user)));
    const now = Date.now();
    const found: UserSessionEntry[] = [];
    for (const entity of entities) {
      if (!isSessionEntity(entity) || entity.expiresAt.getTime() <= now) continue;
      const { name } = (entity as unknown as Record<symbol, { name?: string }>)[client.KEY];
      if (name !== undefined)
        found.push({ key: name, value: entity.data, expiresAt: entity.expiresAt });
    }
    return found;
  }

  async deleteExpired(): Promise<number> {
    const client = await this.client.get();
    let removed = 0;
    for (let batch = 0; batch < MAX_DELETE_BATCHES; batch++) {
      const query = this.filtered(client, 'expiresAt', '<=', new Date()).select('__key__');
      const [entities] = await client.runQuery(query.limit(DELETE_BATCH));
      const keys = entities.map((entity) => (entity as Record<symbol, object>)[client.KEY]);
      if (keys.length === 0) break;
      await client.delete(keys);
      removed += keys.length;
      if (keys.length < DELETE_BATCH) break;
    }
    return removed;
  }

  async close(): Promise<void> {
    if (!this.ownsClient || !this.client.started) return;
    const client = (await this.client.reset()) as
      { clients_?: Map<string, { close?(): Promise<void> }> } | undefined;
    for (const gapic of client?.clients_?.values() ?? []) await gapic.close?.();
  }

  /** A query of the kind with one property filter, built with the package's `PropertyFilter`. */
  private filtered(
    client: DatastoreClientLike,
    property: string,
    operator: '=' | '<=',
    value: unknown,
  ): DatastoreQueryLike {
    const { PropertyFilter } = loadDatastorePackage();
    const filter = new PropertyFilter(property, operator, value);
    const query = client.createQuery(this.kind).filter(filter);
    if (!query.entityFilters.includes(filter)) {
      // A client from another copy of the package ignores this filter: never act unfiltered.
      throw new Error(
        'the Datastore client comes from another copy of @google-cloud/datastore than this package loads',
      );
    }
    return query;
  }

  /** Saves `next(live bytes)` over a live entity, reading again while concurrent commits win. */
  private async retried(
    key: string,
    ttlMs: number,
    next: (live: Buffer) => Buffer,
    user: (read: SessionEntity) => DatastoreUserValue,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.readThenWrite(key, ttlMs, (live) => live && next(live), user);
        return result === 'stored';
      } catch (error) {
        if (!isAborted(error) || attempt >= MAX_ATTEMPTS) throw error;
        await backoff(attempt, MAX_PAUSE_MS);
      }
    }
  }

  /**
   * Looks the entity up in a new transaction, and saves the bytes `decide`
   * returns for the live value it read (`undefined`: missing or expired) and
   * commits, with the `user` it returns for the entity read; when `decide`
   * returns why not, or nothing, it rolls back instead.
   */
  private async readThenWrite(
    key: string,
    ttlMs: number,
    decide: (live: Buffer | undefined) => Buffer | 'changed' | 'missing' | undefined,
    user: (read: SessionEntity) => DatastoreUserValue,
  ): Promise<CompareAndSetResult> {
    const client = await this.client.get();
    const entityKey = client.key([this.kind, key]);
    const transaction = client.transaction();
    const [entity] = await transaction.get(entityKey);
    const read =
      isSessionEntity(entity) && entity.expiresAt.getTime() > Date.now() ? entity : undefined;
    const data = decide(read?.data);
    if (!read || !Buffer.isBuffer(data)) {
      await transaction.rollback();
      return typeof data === 'string' ? data : 'missing';
    }
    transaction.save(
      sessionEntity(entityKey, data, ttlMs, this.indexUsers ? user(read) : undefined),
    );
    await transaction.commit();
    return 'stored';
  }

  /** The `user` property a write stores: none without `indexUsers`. */
  private userOf(options: StoreCallOptions | undefined): DatastoreUserValue | undefined {
    return this.indexUsers ? userValue(options?.user) : undefined;
  }

  private checkSize(key: string, value: Uint8Array, user?: DatastoreUserValue): void {
    const limit = maxValueBytes(this.kind, key, user);
    if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
  }
}
