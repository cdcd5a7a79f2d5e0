export { DynamoDBSessionInterface } from './dynamodb.session-interface';
export { DynamoDBStore, DYNAMODB_MAX_ITEM_BYTES } from './dynamodb.store';
