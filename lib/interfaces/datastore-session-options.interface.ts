import type { CommonSessionOptions } from './session-module-options.interface';

export interface DatastoreSessionOptions extends CommonSessionOptions {
  type: 'datastore';
  /** `SESSION_DATASTORE`: a `@google-cloud/datastore` `Datastore` you own. */
  client?: DatastoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID` */
  projectId?: string;
  /** `SESSION_DATASTORE_KIND`: the entity kind, default `sessions`. */
  collection?: string;
}

/**
 * What the store writes: one entity per session, key name = the session key.
 * With `userKey`, also an indexed `user`: the user id, the SHA-256 of an id
 * longer than Datastore indexes (a blob, so never equal to a string id), or null.
 */
export interface DatastoreSessionEntity {
  key: object;
  data: { data: Buffer; expiresAt: Date; user?: string | Buffer | null };
  excludeFromIndexes: ['data'];
}

/** The query methods the store uses (`Query` of `@google-cloud/datastore`). */
export interface DatastoreQueryLike {
  filter(filter: object): DatastoreQueryLike;
  select(fields: string): DatastoreQueryLike;
  limit(n: number): DatastoreQueryLike;
  /** Filters given as `PropertyFilter` objects. */
  entityFilters: unknown[];
}

/** The transaction methods the store uses (`Transaction` of `@google-cloud/datastore`). */
export interface DatastoreTransactionLike {
  get(key: object): Promise<[unknown, ...unknown[]]>;
  save(entity: DatastoreSessionEntity): void;
  commit(): Promise<unknown>;
  rollback(): Promise<unknown>;
}

/**
 * The methods of a `@google-cloud/datastore` `Datastore` (10.x or later) the
 * store calls; any such client fits.
 */
export interface DatastoreClientLike {
  /** The symbol under which query results carry their key. */
  readonly KEY: symbol;
  key(path: string[]): object;
  get(key: object): Promise<[unknown, ...unknown[]]>;
  save(entity: DatastoreSessionEntity): Promise<unknown>;
  delete(keys: object | object[]): Promise<unknown>;
  transaction(): DatastoreTransactionLike;
  createQuery(kind: string): DatastoreQueryLike;
  runQuery(query: DatastoreQueryLike): Promise<[unknown[], ...unknown[]]>;
}
