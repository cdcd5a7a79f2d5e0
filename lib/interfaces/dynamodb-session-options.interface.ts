import type { CommonSessionOptions } from './session-module-options.interface';

/**
 * The methods of an `@aws-sdk/client-dynamodb` `DynamoDBClient` (v3) the store
 * calls; any such client fits.
 */
export interface DynamoDBClientLike {
  /** `options.abortSignal` cancels the request (a call past `storeTimeout`). */
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  destroy(): void;
}

/** Where a client the store opens itself connects. */
export interface DynamoDBConnectionOptions {
  /** `SESSION_DYNAMODB_REGION`; without it the SDK's default (`AWS_REGION`, profile…). */
  region?: string;
  /** `SESSION_DYNAMODB_ENDPOINT`, e.g. `http://127.0.0.1:8000` for DynamoDB Local. */
  endpoint?: string;
  /** `SESSION_DYNAMODB_KEY_ID`; with `secretAccessKey`, else the SDK's default credentials. */
  accessKeyId?: string;
  /** `SESSION_DYNAMODB_SECRET` */
  secretAccessKey?: string;
}

export interface DynamoDBStoreOptions extends DynamoDBConnectionOptions {
  /** `SESSION_DYNAMODB`: a client you own (left open by `close()`); without it the store builds one from the options below. */
  client?: DynamoDBClientLike;
  /** `SESSION_DYNAMODB_TABLE`, default `sessions`. */
  table?: string;
  /** Create the table (and enable its TTL on `expiresAt`) when missing, default `true`. */
  createTable?: boolean;
  /**
   * Connect and request bound, in ms, of the client the store opens itself;
   * default 3000. The module passes `storeTimeout`.
   */
  timeoutMs?: number;
}

/** The `SESSION_DYNAMODB*` keys and `SESSION_CREATE_TABLE`, as the store takes them. */
export interface DynamoDBSessionOptions
  extends CommonSessionOptions, Omit<DynamoDBStoreOptions, 'timeoutMs'> {
  type: 'dynamodb';
}
