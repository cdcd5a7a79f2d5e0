import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBModule } from './dynamodb.client';
import { dynamoDBErrorName } from './dynamodb.table';

/** Conditional deletes in flight at once. */
const DELETE_CONCURRENCY = 25;
/** Scan pages (up to 1 MB each) one sweep reads; the next sweep continues. */
const MAX_SCAN_PAGES = 100;

/**
 * Deletes the items whose `expiresAtMs` has passed, for a table whose TTL is
 * not on `expiresAt`: a Scan of their ids, page by page, then a DeleteItem of
 * each on the condition that it is still expired (an item touched meanwhile
 * stays). Needs `dynamodb:Scan` and `dynamodb:DeleteItem`.
 */
export async function sweepDynamoDBTable(
  client: DynamoDBClient,
  sdk: DynamoDBModule,
  table: string,
): Promise<number> {
  const now = { ':now': { N: String(Date.now()) } };
  let removed = 0;
  let start: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < MAX_SCAN_PAGES; page++) {
    const { Items = [], LastEvaluatedKey } = await client.send(
      new sdk.ScanCommand({
        TableName: table,
        ProjectionExpression: 'id',
        FilterExpression: 'expiresAtMs <= :now',
        ExpressionAttributeValues: now,
        ExclusiveStartKey: start,
      }),
    );
    for (let i = 0; i < Items.length; i += DELETE_CONCURRENCY) {
      const deleted = await Promise.all(
        Items.slice(i, i + DELETE_CONCURRENCY).map((item) => deleteIfExpired(item, now)),
      );
      removed += deleted.filter(Boolean).length;
    }
    if (!LastEvaluatedKey) break;
    start = LastEvaluatedKey;
  }
  return removed;

  async function deleteIfExpired(
    item: Record<string, AttributeValue>,
    values: Record<string, AttributeValue>,
  ): Promise<boolean> {
    try {
      await client.send(
        new sdk.DeleteItemCommand({
          TableName: table,
          Key: { id: item.id },
          ConditionExpression: 'expiresAtMs <= :now',
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (dynamoDBErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
