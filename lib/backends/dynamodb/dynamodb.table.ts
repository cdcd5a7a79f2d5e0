import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MissingPermissionWarnings } from '../../utils/missing-permission.util';
import type { DynamoDBModule } from './dynamodb.client';

/** How long a created table may stay in CREATING before giving up (a later call tries again). */
const TABLE_ACTIVE_TIMEOUT_MS = 120_000;
/** The TTL attribute the store writes. */
const TTL_ATTRIBUTE = 'expiresAt';

export const dynamoDBErrorName = (error: unknown) => (error as { name?: unknown } | null)?.name;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A call the credentials may not make (IAM denies it): a warning, not an outage. */
export function isDynamoDBAccessDenied(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as {
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return name === 'AccessDeniedException' || $metadata?.httpStatusCode === 403;
}

/**
 * What preparing the table found: whether DynamoDB removes expired sessions
 * itself (`ttl`), or they stay until a sweep deletes them (`sweep`), or it
 * could not tell (`unknown`: its TTL is assumed to be on `expiresAt`).
 */
export type DynamoDBExpiry = 'ttl' | 'sweep' | 'unknown';

interface TableContext {
  client: DynamoDBClient;
  sdk: DynamoDBModule;
  table: string;
  missing: MissingPermissionWarnings;
  /** Said once the table's TTL turns out to be on another attribute. */
  warn(message: string): void;
}

/**
 * Creates the session table when missing (on-demand, key `id`), waits until
 * it is ACTIVE and enables its TTL on `expiresAt`. A table another process is
 * creating at the same time is waited for like one of ours. A describe or
 * create the credentials may not make is warned of once and skipped: the
 * table is taken to exist.
 */
export async function prepareDynamoDBTable(context: TableContext): Promise<DynamoDBExpiry> {
  const { client, sdk, table, missing } = context;
  const assumed = 'the table is taken to exist, with its TTL on expiresAt';
  try {
    await client.send(new sdk.DescribeTableCommand({ TableName: table }));
  } catch (error) {
    if (isDynamoDBAccessDenied(error)) {
      missing.warn('dynamodb:DescribeTable', assumed);
      return enableTimeToLive(context);
    }
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
      if (isDynamoDBAccessDenied(createError)) {
        missing.warn('dynamodb:CreateTable', `create table "${table}" yourself`);
        return 'unknown';
      }
      if (dynamoDBErrorName(createError) !== 'ResourceInUseException') throw createError;
    }
  }
  await waitUntilActive(context);
  return enableTimeToLive(context);
}

async function waitUntilActive({ client, sdk, table }: TableContext): Promise<void> {
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

/** Turns the TTL on `expiresAt` on, unless the table has one already (DynamoDB allows one). */
async function enableTimeToLive(context: TableContext): Promise<DynamoDBExpiry> {
  const { client, sdk, table, missing } = context;
  let description;
  try {
    ({ TimeToLiveDescription: description } = await client.send(
      new sdk.DescribeTimeToLiveCommand({ TableName: table }),
    ));
  } catch (error) {
    if (!isDynamoDBAccessDenied(error)) throw error;
    missing.warn('dynamodb:DescribeTimeToLive', `its TTL is taken to be on ${TTL_ATTRIBUTE}`);
    return 'unknown';
  }
  const status = description?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') {
    if (description?.AttributeName === undefined || description.AttributeName === TTL_ATTRIBUTE) {
      return 'ttl';
    }
    context.warn(
      `DynamoDB table "${table}" has its TTL on "${description.AttributeName}", not on ${TTL_ATTRIBUTE}: ` +
        'DynamoDB will not remove expired sessions, so they are swept every cleanupInterval instead',
    );
    return 'sweep';
  }
  try {
    await client.send(
      new sdk.UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
    return 'ttl';
  } catch (error) {
    if (!isDynamoDBAccessDenied(error)) throw error;
    missing.warn(
      'dynamodb:UpdateTimeToLive',
      `the table has no TTL, so expired sessions are swept every cleanupInterval instead`,
    );
    return 'sweep';
  }
}
