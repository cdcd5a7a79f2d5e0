import type { CommonSessionOptions } from './session-module-options.interface';

export interface ElasticsearchSessionOptions extends CommonSessionOptions {
  type: 'elasticsearch';
  /** `SESSION_ELASTICSEARCH`: an `@elastic/elasticsearch` `Client` you own. */
  client?: ElasticsearchClientLike;
  /** `SESSION_ELASTICSEARCH_HOST`, default `http://localhost:9200`. */
  node?: string;
  /** `SESSION_ELASTICSEARCH_INDEX`, default `sessions`. */
  index?: string;
}

/** What the store writes: one document per session, `_id` = the session key. */
export interface ElasticsearchSessionDocument {
  /** The session bytes, base64 (an Elasticsearch `binary` field). */
  data: string;
  /** Expiry, epoch milliseconds (a `date` field). */
  expiresAt: number;
  /** With `userKey`: the session's user (a `keyword` field), `null` for none. */
  user?: string | null;
}

/** The options of the store's requests that take any (`ignore` lists accepted error statuses). */
export interface ElasticsearchRequestOptions {
  ignore?: number[];
  /** Cancels the request (a call past `storeTimeout`). */
  signal?: AbortSignal;
}

/** The `user` field of a session index with `userKey`. */
interface ElasticsearchUserField {
  readonly user: { readonly type: 'keyword' };
}

/** The mapping of a session index the store creates (`ELASTICSEARCH_SESSION_MAPPINGS`). */
interface ElasticsearchSessionMappings {
  readonly dynamic: 'strict';
  readonly properties: {
    readonly data: { readonly type: 'binary' };
    readonly expiresAt: { readonly type: 'date'; readonly format: 'epoch_millis' };
    readonly user?: ElasticsearchUserField['user'];
  };
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
  /** With `if_seq_no`/`if_primary_term`: only over the version read (409 otherwise). */
  index(
    params: {
      index: string;
      id: string;
      document: ElasticsearchSessionDocument;
      if_seq_no?: number;
      if_primary_term?: number;
    },
    options?: ElasticsearchRequestOptions,
  ): Promise<unknown>;
  update(
    params: {
      index: string;
      id: string;
      script: {
        source: string;
        lang: 'painless';
        params: Record<string, number | string | null>;
      };
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
  /** `findByUser` (with `userKey`): the ids of a user's documents, as of the last refresh. */
  search(
    params: {
      index: string;
      query: { term: { user: string } };
      size: number;
      _source: false;
      track_total_hits: true;
    },
    options?: ElasticsearchRequestOptions,
  ): Promise<{
    hits: { total?: number | { value: number }; hits: { _id?: string | null }[] };
  }>;
  /** `findByUser`: a real-time read of the documents found. */
  mget(
    params: { index: string; ids: string[] },
    options?: ElasticsearchRequestOptions,
  ): Promise<{ docs: { _id: string; found?: boolean; _source?: unknown }[] }>;
  indices: {
    exists(params: { index: string }): Promise<boolean>;
    create(params: { index: string; mappings: ElasticsearchSessionMappings }): Promise<unknown>;
    /** With `userKey`: adds the `user` field to an existing index. */
    putMapping(params: { index: string; properties: ElasticsearchUserField }): Promise<unknown>;
    /** `findByUser`: makes every write so far searchable. */
    refresh(params: { index: string }, options?: ElasticsearchRequestOptions): Promise<unknown>;
  };
  close(): Promise<void>;
}
