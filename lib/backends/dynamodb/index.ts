export { DynamoDBSessionInterface } from './dynamodb.session-interface';
export { DynamoDBStore } from './dynamodb.store';
export { DYNAMODB_MAX_ITEM_BYTES } from './dynamodb.item';
