import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import { backoff } from '../../utils/backoff.util';
import type {
  CompareAndSetResult,
  DatastoreClientLike,
  DatastoreSessionEntity,
  SessionStore,
} from '../../interfaces';
import { SessionTooLargeError } from '../../session.errors';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import { createDatastoreClient, loadDatastorePackage } from './datastore.client';

export interface DatastoreStoreOptions {
  /** A client you own (left open by `close()`); without it the store builds one. */
  client?: DatastoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID`: the project of the store's own client (else detected by the client). */
  projectId?: string;
  /** `SESSION_DATASTORE_KIND`: the entity kind, default `sessions`. */
  kind?: string;
  /** The deadline of each call of the store's own client, default 3000 ms (the module passes `storeTimeout`). */
  timeoutMs?: number;
}

/** Datastore's limit on an entity, in bytes (Firestore in Datastore mode storage sizes). */
const MAX_ENTITY_BYTES = 1_048_572;
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

/** Storage size of a UTF-8 string property part: its bytes plus one. */
const stringSize = (text: string) => Buffer.byteLength(text) + 1;

/**
 * The largest value Datastore accepts for `key` in `kind`: the entity limit
 * less the key (kind and name, plus 16), the property names, the expiry (8),
 * the blob's own byte, and the entity's 32.
 */
function maxValueBytes(kind: string, key: string): number {
  const keySize = stringSize(kind) + stringSize(key) + 16;
  return (
    MAX_ENTITY_BYTES - 32 - keySize - stringSize('data') - 1 - stringSize('expiresAt') - 8 - 64
  );
}

function isSessionEntity(value: unknown): value is { data: Buffer; expiresAt: Date } {
  const entity = value as { data?: unknown; expiresAt?: unknown } | null | undefined;
  return (
    typeof entity === 'object' &&
    entity !== null &&
    Buffer.isBuffer(entity.data) &&
    entity.expiresAt instanceof Date
  );
}

/** gRPC status ABORTED: a concurrent transaction touched the same entity. */
function isAborted(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 10;
}

/**
 * Sessions in Google Cloud Datastore (Firestore in Datastore mode): one entity
 * of kind `sessions` per session, named by the key, holding
 * `{ data: Blob (unindexed), expiresAt: Timestamp }`.
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
  private readonly ownsClient: boolean;
  private readonly client: Lazy<DatastoreClientLike>;

  constructor(options: DatastoreStoreOptions = {}) {
    this.kind = options.kind ?? 'sessions';
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

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.checkSize(key, value);
    const client = await this.client.get();
    await client.save(this.entity(client.key([this.kind, key]), asBuffer(value), ttlMs));
  }

  async delete(key: string): Promise<void> {
    const client = await this.client.get();
    await client.delete(client.key([this.kind, key]));
  }

  touch(key: string, ttlMs: number): Promise<boolean> {
    return this.retried(key, ttlMs, (live) => live);
  }

  async update(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    this.checkSize(key, value);
    const data = asBuffer(value);
    return this.retried(key, ttlMs, () => data);
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    this.checkSize(key, value);
    const [was, data] = [asBuffer(expected), asBuffer(value)];
    try {
      return await this.readThenWrite(key, ttlMs, (live) =>
        !live ? 'missing' : live.equals(was) ? data : 'changed',
      );
    } catch (error) {
      // A concurrent write or delete committed first; the caller reads again.
      if (isAborted(error)) return 'changed';
      throw error;
    }
  }

  async deleteExpired(): Promise<number> {
    const client = await this.client.get();
    const { PropertyFilter } = loadDatastorePackage();
    let removed = 0;
    for (let batch = 0; batch < MAX_DELETE_BATCHES; batch++) {
      const filter = new PropertyFilter('expiresAt', '<=', new Date());
      const query = client.createQuery(this.kind).filter(filter).select('__key__');
      if (!query.entityFilters.includes(filter)) {
        // A client from another copy of the package ignores this filter: never delete unfiltered.
        throw new Error(
          'the Datastore client comes from another copy of @google-cloud/datastore than this package loads',
        );
      }
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

  /** Saves `next(live bytes)` over a live entity, reading again while concurrent commits win. */
  private async retried(
    key: string,
    ttlMs: number,
    next: (live: Buffer) => Buffer,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.readThenWrite(key, ttlMs, (live) => live && next(live));
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
   * commits; when `decide` returns why not, or nothing, it rolls back instead.
   */
  private async readThenWrite(
    key: string,
    ttlMs: number,
    decide: (live: Buffer | undefined) => Buffer | 'changed' | 'missing' | undefined,
  ): Promise<CompareAndSetResult> {
    const client = await this.client.get();
    const entityKey = client.key([this.kind, key]);
    const transaction = client.transaction();
    const [entity] = await transaction.get(entityKey);
    const live =
      isSessionEntity(entity) && entity.expiresAt.getTime() > Date.now() ? entity.data : undefined;
    const data = decide(live);
    if (!Buffer.isBuffer(data)) {
      await transaction.rollback();
      return data ?? 'missing';
    }
    transaction.save(this.entity(entityKey, data, ttlMs));
    await transaction.commit();
    return 'stored';
  }

  private checkSize(key: string, value: Uint8Array): void {
    const limit = maxValueBytes(this.kind, key);
    if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
  }

  private entity(key: object, data: Buffer, ttlMs: number): DatastoreSessionEntity {
    return {
      key,
      data: { data, expiresAt: new Date(Date.now() + ttlMs) },
      excludeFromIndexes: ['data'],
    };
  }
}
