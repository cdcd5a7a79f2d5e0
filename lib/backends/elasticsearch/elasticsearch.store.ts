import { Logger } from '@nestjs/common';
import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type {
  CompareAndSetResult,
  ElasticsearchClientLike,
  ElasticsearchSessionDocument,
  SessionStore,
  StoreCallOptions,
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

export interface ElasticsearchStoreOptions {
  /** A client you own (left open by `close()`); without it the store connects to `node`. */
  client?: ElasticsearchClientLike;
  /** `SESSION_ELASTICSEARCH_HOST`: the node the store's own client talks to, default `http://localhost:9200`. */
  node?: string;
  /** `SESSION_ELASTICSEARCH_INDEX`, default `sessions`. */
  index?: string;
  /** The request timeout of the store's own client, default 3000 ms (the module passes `storeTimeout`). */
  timeoutMs?: number;
}

/** The mapping of a session index the store creates: nothing but these two fields. */
export const ELASTICSEARCH_SESSION_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    data: { type: 'binary' },
    expiresAt: { type: 'date', format: 'epoch_millis' },
  },
} as const;

const DEFAULT_NODE = 'http://localhost:9200';

/**
 * Sessions in an Elasticsearch index: one document per session, `_id` = the
 * key, `{ data: binary, expiresAt: date }`. The index is created with that
 * explicit mapping when missing.
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
 * or not), so every request reads what the previous one wrote. Only
 * `deleteExpired()` searches; a document it cannot see yet was written less
 * than a refresh interval ago and is removed by a later run.
 */
export class ElasticsearchStore implements SessionStore {
  /** Elasticsearch has no TTL: expired documents stay until a sweep deletes them. */
  readonly needsSweep = true;
  readonly index: string;
  private readonly ownsClient: boolean;
  private readonly client: Lazy<ElasticsearchClientLike>;
  /** The index exists with the session mapping; forgotten when it turns out to be gone. */
  private readonly missing: MissingPermissionWarnings;
  private readonly indexReady = new Lazy(async () => this.createIndex(await this.client.get()));

  constructor(options: ElasticsearchStoreOptions = {}) {
    this.index = options.index ?? 'sessions';
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
      { index: this.index, id: key, document: this.document(value, ttlMs) },
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
    return scriptedUpdate(client, this.index, key, ELASTICSEARCH_UPDATE_SCRIPT, params, options);
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
    const document = this.document(value, ttlMs);
    const written = { expected: asBuffer(expected), document };
    return compareAndIndex(client, this.index, key, found, written, options);
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

  private document(value: Uint8Array, ttlMs: number): ElasticsearchSessionDocument {
    return { data: asBuffer(value).toString('base64'), expiresAt: Date.now() + ttlMs };
  }

  private async ready(): Promise<ElasticsearchClientLike> {
    const client = await this.client.get();
    await this.indexReady.get();
    return client;
  }

  /** Creates the index when missing; refused rights (403) are one warning and the index is taken to exist. */
  private async createIndex(client: ElasticsearchClientLike): Promise<void> {
    const { missing } = this;
    try {
      if (await client.indices.exists({ index: this.index })) return;
    } catch (error) {
      if (!isForbidden(error)) throw error;
      missing.warn('view_index_metadata', 'the index is taken to exist');
      return;
    }
    try {
      await client.indices.create({ index: this.index, mappings: ELASTICSEARCH_SESSION_MAPPINGS });
    } catch (error) {
      if (isForbidden(error)) {
        missing.warn('create_index', 'the index is taken to exist; create it yourself');
        return;
      }
      // Another process created it between our check and our create.
      if (errorType(error) !== 'resource_already_exists_exception') throw error;
    }
  }
}
