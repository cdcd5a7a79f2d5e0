import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { CommonSessionOptions } from '../../interfaces';
import { DynamoDBStore, type DynamoDBClientLike } from './dynamodb.store';

/**
 * Flask-Session's `DynamoDBSessionInterface`: one item per session in
 * `tableName`, created (with TTL on `expiresAt`) when missing unless
 * `options.createTable` is false. A `client` you pass is used as is and left
 * open; without one the interface builds a `DynamoDBClient` from `url`,
 * `regionName` and the key pair, and destroys it on shutdown.
 */
export class DynamoDBSessionInterface extends ServerSideSessionInterface {
  constructor(
    client?: DynamoDBClientLike,
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    tableName = 'Sessions',
    url?: string,
    regionName?: string,
    accessKeyId?: string,
    secretAccessKey?: string,
    options: CommonSessionOptions & { createTable?: boolean } = {},
  ) {
    super(
      new DynamoDBStore({
        client,
        table: tableName,
        endpoint: url,
        region: regionName,
        accessKeyId,
        secretAccessKey,
        createTable: options.createTable,
      }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
