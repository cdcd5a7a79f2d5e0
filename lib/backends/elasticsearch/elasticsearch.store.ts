import { Logger } from '@nestjs/common';
import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type {
  CompareAndSetResult,
  ElasticsearchClientLike,
  ElasticsearchSessionDocument,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import { MissingPermissionWarnings } from '../../utils/missing-permission.util';
import { createElasticsearchClient } from './elasticsearch.client';
import {
  ELASTICSEARCH_TOUCH_SCRIPT,
  ELASTICSEARCH_UPDATE_SCRIPT,
  compareAndIndex,
  errorType,
  isForbidden,
  isSessionDocument,
  scriptedUpdate,
} from './elasticsearch.conditional-writes';
import {
  ELASTICSEARCH_UPDATE_USER_SCRIPT,
  ELASTICSEARCH_USER_FIELD,
  addUserField,
  findUserSessions,
} from './elasticsearch.user-index';

export interface ElasticsearchStoreOptions {
  /** A client you own (left open by `close()`); without it the store connects to `node`. */
  client?: ElasticsearchClientLike;
  /** `SESSION_ELASTICSEARCH_HOST`: the node the store's own client talks to, default `http://localhost:9200`. */
  node?: string;
  /** `SESSION_ELASTICSEARCH_INDEX`, default `sessions`. */
  index?: string;
  /** The request timeout of the store's own client, default 3000 ms (the module passes `storeTimeout`). */
  timeoutMs?: number;
  /**
   * Index sessions by user (`userKey`): a `keyword` field `user` in the
   * mapping, written with each session, for `findByUser`. Default false.
   */
  indexUsers?: boolean;
}

/** The mapping of a session index the store creates: nothing but these two fields. */
export const ELASTICSEARCH_SESSION_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    data: { type: 'binary' },
    expiresAt: { type: 'date', format: 'epoch_millis' },
  },
} as const;

/** The mapping of a session index the store creates with `indexUsers`: the same, and `user`. */
export const ELASTICSEARCH_USER_SESSION_MAPPINGS = {
  ...ELASTICSEARCH_SESSION_MAPPINGS,
  properties: { ...ELASTICSEARCH_SESSION_MAPPINGS.properties, ...ELASTICSEARCH_USER_FIELD },
} as const;

const DEFAULT_NODE = 'http://localhost:9200';

/**
 * Sessions in an Elasticsearch index: one document per session, `_id` = the
 * key, `{ data: binary, expiresAt: date }`. The index is created with that
 * explicit mapping when missing. With `indexUsers` every document also holds
 * `user` (a `keyword`, `null` for none), written by the same request as the
 * value; the field is added to an existing index's mapping at startup.
 *
 * Expiry is enforced on read: an expired document is never returned and is
 * deleted when read (only if nothing rewrote it meanwhile), and
 * `deleteExpired()` removes the rest with one delete-by-query.
 *
 * `touch` and `update` are one scripted `_update` each (the script refuses an
 * expired document, a missing one answers 404: never an upsert);
 * `compareAndSet` is a GET, then an index with `if_seq_no`/`if_primary_term`
 * of what it read (409 when anything wrote in between: `'changed'`).
 *
 * No write waits for a refresh: the store reads only by `_id`, and a GET by id
 * is real-time in Elasticsearch (it sees the latest indexed version, refreshed
 * or not), so every request reads what the previous one wrote.
 * `deleteExpired()` searches; a document it cannot see yet was written less
 * than a refresh interval ago and is removed by a later run. `findByUser`
 * searches too: it refreshes the index first, rather than any write waiting for one.
 */
export class ElasticsearchStore implements SessionStore {
  /** Elasticsearch has no TTL: expired documents stay until a sweep deletes them. */
  readonly needsSweep = true;
  readonly index: string;
  readonly indexUsers: boolean;
  private readonly ownsClient: boolean;
  private readonly client: Lazy<ElasticsearchClientLike>;
  /** The index exists with the session mapping; forgotten when it turns out to be gone. */
  private readonly missing: MissingPermissionWarnings;
  private readonly indexReady = new Lazy(async () => this.createIndex(await this.client.get()));

  constructor(options: ElasticsearchStoreOptions = {}) {
    this.index = options.index ?? 'sessions';
    this.indexUsers = options.indexUsers ?? false;
    this.missing = new MissingPermissionWarnings(
      new Logger(ElasticsearchStore.name),
      `Elasticsearch index "${this.index}"`,
    );
    const { client, node = DEFAULT_NODE, timeoutMs = DEFAULT_STORE_TIMEOUT_MS } = options;
    this.ownsClient = client === undefined;
    this.client = new Lazy(async () => client ?? createElasticsearchClient(node, timeoutMs));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const client = await this.ready();
    const found = await this.read(client, key);
    if (!found.found || !isSessionDocument(found._source)) return undefined;
    if (found._source.expiresAt <= Date.now()) {
      await client.delete(
        {
          index: this.index,
          id: key,
          if_seq_no: found._seq_no,
          if_primary_term: found._primary_term,
        },
        { ignore: [404, 409] },
      );
      return undefined;
    }
    return Buffer.from(found._source.data, 'base64');
  }

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    const client = await this.ready();
    await client.index(
      { index: this.index, id: key, document: this.document(value, ttlMs, options) },
      { signal: options?.signal },
    );
  }

  async delete(key: string, options?: StoreCallOptions): Promise<void> {
    const client = await this.ready();
    await client.delete({ index: this.index, id: key }, { ignore: [404], signal: options?.signal });
  }

  async touch(key: string, ttlMs: number, options?: StoreCallOptions): Promise<boolean> {
    const client = await this.ready();
    const now = Date.now();
    const params = { now, expiresAt: now + ttlMs };
    return scriptedUpdate(client, this.index, key, ELASTICSEARCH_TOUCH_SCRIPT, params, options);
  }

  async update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    const client = await this.ready();
    const now = Date.now();
    const params = { now, data: asBuffer(value).toString('base64'), expiresAt: now + ttlMs };
    if (!this.indexUsers) {
      return scriptedUpdate(client, this.index, key, ELASTICSEARCH_UPDATE_SCRIPT, params, options);
    }
    const withUser = { ...params, user: options?.user ?? null };
    const script = ELASTICSEARCH_UPDATE_USER_SCRIPT;
    return scriptedUpdate(client, this.index, key, script, withUser, options);
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    const client = await this.ready();
    const found = await this.read(client, key);
    const document = this.document(value, ttlMs, options);
    const written = { expected: asBuffer(expected), document };
    return compareAndIndex(client, this.index, key, found, written, options);
  }

  async findByUser(user: string, options?: StoreCallOptions): Promise<UserSessionEntry[]> {
    const client = await this.ready();
    try {
      return await findUserSessions(client, this.index, user, this.missing, options);
    } catch (error) {
      if (errorType(error) !== 'index_not_found_exception') throw error;
      // Removed behind our back: no sessions, and the next write creates it again.
      void this.indexReady.reset();
      return [];
    }
  }

  async deleteExpired(): Promise<number> {
    const client = await this.ready();
    const result = await client.deleteByQuery({
      index: this.index,
      query: { range: { expiresAt: { lte: Date.now() } } },
      // A document rewritten or touched while the query runs is skipped, not deleted.
      conflicts: 'proceed',
    });
    return result.deleted ?? 0;
  }

  async close(): Promise<void> {
    if (!this.ownsClient || !this.client.started) return;
    void this.indexReady.reset();
    await (await this.client.reset())?.close();
  }

  /** A real-time GET by id. */
  private async read(client: ElasticsearchClientLike, key: string) {
    const found = await client.get({ index: this.index, id: key }, { ignore: [404] });
    // The index was removed behind our back: create it again before the next write.
    if (found.found === undefined) void this.indexReady.reset();
    return found;
  }

  private document(
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): ElasticsearchSessionDocument {
    const document = { data: asBuffer(value).toString('base64'), expiresAt: Date.now() + ttlMs };
    return this.indexUsers ? { ...document, user: options?.user ?? null } : document;
  }

  private async ready(): Promise<ElasticsearchClientLike> {
    const client = await this.client.get();
    await this.indexReady.get();
    return client;
  }

  /**
   * Creates the index when missing (with `user` under `indexUsers`), else adds
   * `user` to the existing one's mapping; refused rights (403) are one warning
   * and the index is taken to exist.
   */
  private async createIndex(client: ElasticsearchClientLike): Promise<void> {
    if ((await this.createIfMissing(client)) === 'created' || !this.indexUsers) return;
    await addUserField(client, this.index, this.missing);
  }

  private async createIfMissing(client: ElasticsearchClientLike): Promise<'created' | 'exists'> {
    const { missing } = this;
    try {
      if (await client.indices.exists({ index: this.index })) return 'exists';
    } catch (error) {
      if (!isForbidden(error)) throw error;
      missing.warn('view_index_metadata', 'the index is taken to exist');
      return 'exists';
    }
    const mappings = this.indexUsers
      ? ELASTICSEARCH_USER_SESSION_MAPPINGS
      : ELASTICSEARCH_SESSION_MAPPINGS;
    try {
      await client.indices.create({ index: this.index, mappings });
      return 'created';
    } catch (error) {
      if (isForbidden(error)) {
        missing.warn('create_index', 'the index is taken to exist; create it yourself');
        return 'exists';
      }
      // Another process created it between our check and our create.
      if (errorType(error) !== 'resource_already_exists_exception') throw error;
      return 'exists';
    }
  }
}
