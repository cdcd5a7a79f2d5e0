import type { CommonSessionOptions } from './session-module-options.interface';
import type { DynamoDBStoreOptions } from '../backends/dynamodb/dynamodb.store';

/** The `SESSION_DYNAMODB*` keys and `SESSION_CREATE_TABLE`, as the store takes them. */
export interface DynamoDBSessionOptions extends CommonSessionOptions, DynamoDBStoreOptions {
  type: 'dynamodb';
}
