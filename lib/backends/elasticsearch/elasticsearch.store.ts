import { loadOptionalPackage } from '../../utils/optional-package.util';
import type { SessionStore } from '../../interfaces/session-store.interface';

/** What the store writes: one document per session, `_id` = the session key. */
export interface ElasticsearchSessionDocument {
  /** The session bytes, base64 (an Elasticsearch `binary` field). */
  data: string;
  /** Expiry, epoch milliseconds (a `date` field). */
  expiresAt: number;
}

/** The options of the store's requests that take any (`ignore` lists accepted error statuses). */
export interface ElasticsearchRequestOptions {
  ignore?: number[];
}

/**
 * The methods of an `@elastic/elasticsearch` `Client` (8.x or 9.x) the store
 * calls; any such client fits.
 */
export interface ElasticsearchClientLike {
  get(
    params: { index: string; id: string },
    options?: ElasticsearchRequestOptions,
  ): Promise<{ found?: boolean; _source?: unknown; _seq_no?: number; _primary_term?: number }>;
  index(params: {
    index: string;
    id: string;
    document: ElasticsearchSessionDocument;
  }): Promise<unknown>;
  update(
    params: {
      index: string;
      id: string;
      script: { source: string; lang: 'painless'; params: Record<string, number> };
      retry_on_conflict?: number;
    },
    options?: ElasticsearchRequestOptions,
  ): Promise<unknown>;
  delete(
    params: { index: string; id: string; if_seq_no?: number; if_primary_term?: number },
    options?: ElasticsearchRequestOptions,
  ): Promise<unknown>;
  deleteByQuery(params: {
    index: string;
    query: { range: { expiresAt: { lte: number } } };
    conflicts: 'proceed';
  }): Promise<{ deleted?: number }>;
  indices: {
    exists(params: { index: string }): Promise<boolean>;
    create(params: {
      index: string;
      mappings: typeof ELASTICSEARCH_SESSION_MAPPINGS;
    }): Promise<unknown>;
  };
  close(): Promise<void>;
}

export interface ElasticsearchStoreOptions {
  /** A client you own (left open by `close()`); without it the store connects to `node`. */
  client?: ElasticsearchClientLike;
  /** `SESSION_ELASTICSEARCH_HOST`: the node the store's own client talks to, default `http://localhost:9200`. */
  node?: string;
  /** `SESSION_ELASTICSEARCH_INDEX`, default `sessions`. */
  index?: string;
}

/** The mapping of a session index the store creates: nothing but these two fields. */
export const ELASTICSEARCH_SESSION_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    data: { type: 'binary' },
    expiresAt: { type: 'date', format: 'epoch_millis' },
  },
} as const;

/**
 * Moves the expiry of a live document; an expired one is left as it is (a
 * missing one makes the update answer 404, which the store ignores).
 */
export const ELASTICSEARCH_TOUCH_SCRIPT =
  "if (ctx._source.expiresAt > params.now) { ctx._source.expiresAt = params.expiresAt } else { ctx.op = 'noop' }";

const DEFAULT_NODE = 'http://localhost:9200';
/** The store's own client: a dead node fails a call at once (no retries), a stalled one within this time. */
const REQUEST_TIMEOUT_MS = 5000;

function errorType(error: unknown): string | undefined {
  const body = (error as { body?: { error?: { type?: unknown } } } | null)?.body;
  const type = body?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

function isSessionDocument(value: unknown): value is ElasticsearchSessionDocument {
  const doc = value as Partial<ElasticsearchSessionDocument> | null;
  return (
    typeof doc === 'object' &&
    doc !== null &&
    typeof doc.data === 'string' &&
    typeof doc.expiresAt === 'number'
  );
}

type ElasticsearchModule = typeof import('@elastic/elasticsearch');

async function loadElasticsearch(): Promise<ElasticsearchModule> {
  return loadOptionalPackage<ElasticsearchModule>('@elastic/elasticsearch', {
    store: 'elasticsearch',
  });
}

/** Checks that `@elastic/elasticsearch` can be loaded; a `SessionConfigError` says how to install it. */
export async function requireElasticsearchPackage(): Promise<void> {
  await loadElasticsearch();
}

/**
 * Sessions in an Elasticsearch index: one document per session, `_id` = the
 * key, `{ data: binary, expiresAt: date }`. The index is created with that
 * explicit mapping when missing.
 *
 * Expiry is enforced on read: an expired document is never returned and is
 * deleted when read (only if nothing rewrote it meanwhile), and
 * `deleteExpired()` removes the rest with one delete-by-query.
 *
 * No write waits for a refresh: the store reads only by `_id`, and a GET by id
 * is real-time in Elasticsearch (it sees the latest indexed version, refreshed
 * or not), so every request reads what the previous one wrote. Only
 * `deleteExpired()` searches; a document it cannot see yet was written less
 * than a refresh interval ago and is removed by a later run.
 */
export class ElasticsearchStore implements SessionStore {
  readonly index: string;
  private readonly node: string;
  private readonly ownsClient: boolean;
  private client?: Promise<ElasticsearchClientLike>;
  private indexReady?: Promise<void>;

  constructor(options: ElasticsearchStoreOptions = {}) {
    this.index = options.index ?? 'sessions';
    this.node = options.node ?? DEFAULT_NODE;
    this.ownsClient = options.client === undefined;
    if (options.client) this.client = Promise.resolve(options.client);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const client = await this.ready();
    const found = await client.get({ index: this.index, id: key }, { ignore: [404] });
    if (found.found === undefined) {
      // The index was removed behind our back: create it again before the next write.
      this.indexReady = undefined;
      return undefined;
    }
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

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const client = await this.ready();
    await client.index({
      index: this.index,
      id: key,
      document: {
        data: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
        expiresAt: Date.now() + ttlMs,
      },
    });
  }

  async delete(key: string): Promise<void> {
    const client = await this.ready();
    await client.delete({ index: this.index, id: key }, { ignore: [404] });
  }

  async touch(key: string, ttlMs: number): Promise<void> {
    const client = await this.ready();
    const now = Date.now();
    await client.update(
      {
        index: this.index,
        id: key,
        script: {
          source: ELASTICSEARCH_TOUCH_SCRIPT,
          lang: 'painless',
          params: { now, expiresAt: now + ttlMs },
        },
        retry_on_conflict: 3,
      },
      { ignore: [404] },
    );
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
    if (!this.ownsClient || !this.client) return;
    const client = this.client;
    this.client = undefined;
    this.indexReady = undefined;
    await (await client.catch(() => undefined))?.close();
  }

  private async ready(): Promise<ElasticsearchClientLike> {
    // The store's own client: no retries and a short request timeout, so a dead node fails fast.
    this.client ??= loadElasticsearch().then(
      ({ Client }) =>
        new Client({ node: this.node, requestTimeout: REQUEST_TIMEOUT_MS, maxRetries: 0 }),
      (error: unknown) => {
        this.client = undefined;
        throw error;
      },
    );
    const client = await this.client;
    this.indexReady ??= this.createIndex(client).catch((error: unknown) => {
      this.indexReady = undefined;
      throw error;
    });
    await this.indexReady;
    return client;
  }

  private async createIndex(client: ElasticsearchClientLike): Promise<void> {
    if (await client.indices.exists({ index: this.index })) return;
    try {
      await client.indices.create({ index: this.index, mappings: ELASTICSEARCH_SESSION_MAPPINGS });
    } catch (error) {
      // Another process created it between our check and our create.
      if (errorType(error) !== 'resource_already_exists_exception') throw error;
    }
  }
}
