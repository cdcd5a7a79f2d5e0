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
}

/** The options of the store's requests that take any (`ignore` lists accepted error statuses). */
export interface ElasticsearchRequestOptions {
  ignore?: number[];
  /** Cancels the request (a call past `storeTimeout`). */
  signal?: AbortSignal;
}

/** The mapping of a session index the store creates (`ELASTICSEARCH_SESSION_MAPPINGS`). */
interface ElasticsearchSessionMappings {
  readonly dynamic: 'strict';
  readonly properties: {
    readonly data: { readonly type: 'binary' };
    readonly expiresAt: { readonly type: 'date'; readonly format: 'epoch_millis' };
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
      script: { source: string; lang: 'painless'; params: Record<string, number | string> };
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
    create(params: { index: string; mappings: ElasticsearchSessionMappings }): Promise<unknown>;
  };
  close(): Promise<void>;
}
