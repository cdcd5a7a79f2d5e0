import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBModule } from './dynamodb.client';

/** How long a created table may stay in CREATING before giving up (a later call tries again). */
const TABLE_ACTIVE_TIMEOUT_MS = 120_000;

export const dynamoDBErrorName = (error: unknown) => (error as { name?: unknown } | null)?.name;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the session table when missing (on-demand, key `id`), waits until
 * it is ACTIVE and enables its TTL on `expiresAt`. A table another process is
 * creating at the same time is waited for like one of ours.
 */
export async function prepareDynamoDBTable(
  client: DynamoDBClient,
  sdk: DynamoDBModule,
  table: string,
): Promise<void> {
  try {
    await client.send(new sdk.DescribeTableCommand({ TableName: table }));
  } catch (error) {
    if (dynamoDBErrorName(error) !== 'ResourceNotFoundException') throw error;
    try {
      await client.send(
        new sdk.CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (createError) {
      if (dynamoDBErrorName(createError) !== 'ResourceInUseException') throw createError;
    }
  }
  await waitUntilActive(client, sdk, table);
  await enableTimeToLive(client, sdk, table);
}

async function waitUntilActive(
  client: DynamoDBClient,
  sdk: DynamoDBModule,
  table: string,
): Promise<void> {
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const { Table } = await client.send(new sdk.DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) {
      throw new Error(
        `DynamoDB table "${table}" is ${Table?.TableStatus ?? 'unknown'}, not ACTIVE, after ${TABLE_ACTIVE_TIMEOUT_MS} ms`,
      );
    }
    await sleep(delay);
  }
}

async function enableTimeToLive(
  client: DynamoDBClient,
  sdk: DynamoDBModule,
  table: string,
): Promise<void> {
  const { TimeToLiveDescription } = await client.send(
    new sdk.DescribeTimeToLiveCommand({ TableName: table }),
  );
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  // TTL already on (perhaps on another attribute, which DynamoDB allows only one of): leave it.
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new sdk.UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
}
