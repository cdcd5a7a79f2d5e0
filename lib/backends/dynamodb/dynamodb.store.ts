import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadOptionalPackage } from '../../utils/optional-package.util';
import { SessionTooLargeError } from '../../session.errors';
import type { SessionStore } from '../../interfaces/session-store.interface';

/**
 * The methods of an `@aws-sdk/client-dynamodb` `DynamoDBClient` (v3) the store
 * calls; any such client fits.
 */
export interface DynamoDBClientLike {
  send(command: object): Promise<unknown>;
  destroy(): void;
}

export interface DynamoDBStoreOptions {
  /** `SESSION_DYNAMODB`: a client you own (left open by `close()`); without it the store builds one from the options below. */
  client?: DynamoDBClientLike;
  /** `SESSION_DYNAMODB_REGION`; without it the SDK's default (`AWS_REGION`, profile…). */
  region?: string;
  /** `SESSION_DYNAMODB_ENDPOINT`, e.g. `http://127.0.0.1:8000` for DynamoDB Local. */
  endpoint?: string;
  /** `SESSION_DYNAMODB_KEY_ID`; with `secretAccessKey`, else the SDK's default credentials. */
  accessKeyId?: string;
  /** `SESSION_DYNAMODB_SECRET` */
  secretAccessKey?: string;
  /** `SESSION_DYNAMODB_TABLE`, default `Sessions`. */
  table?: string;
  /** Create the table (and enable its TTL on `expiresAt`) when missing, default `true`. */
  createTable?: boolean;
}

/** DynamoDB's limit on an item: attribute names and values together. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;
/** A number attribute's value takes at most 21 bytes. */
const NUMBER_BYTES = 21;
/** The store's own client: a dead endpoint fails within these times, with one retry. */
const CONNECTION_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 3000;
const MAX_ATTEMPTS = 2;
/** How long a created table may stay in CREATING before the store gives up (a later call tries again). */
const TABLE_ACTIVE_TIMEOUT_MS = 120_000;

type DynamoDBModule = typeof import('@aws-sdk/client-dynamodb');

function loadDynamoDB(): DynamoDBModule {
  return loadOptionalPackage<DynamoDBModule>('@aws-sdk/client-dynamodb', { store: 'dynamodb' });
}

/** Checks that `@aws-sdk/client-dynamodb` can be loaded; a `SessionConfigError` says how to install it. */
export function requireDynamoDBPackage(): void {
  loadDynamoDB();
}

const errorName = (error: unknown) => (error as { name?: unknown } | null)?.name;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sessions in a DynamoDB table, one item per session:
 * `{ id: key, data: binary, expiresAt: epoch seconds, expiresAtMs: epoch ms }`.
 * `expiresAt` is the table's TTL attribute, so DynamoDB deletes expired items
 * itself (up to days late); the store never returns an item whose
 * `expiresAtMs` has passed, so lifetimes are exact to the millisecond.
 *
 * With `createTable` the table (on-demand, key `id`) is created when missing,
 * waited for until ACTIVE, and its TTL enabled; a table that disappears later
 * (a restarted DynamoDB Local) is created again on the next call.
 */
export class DynamoDBStore implements SessionStore {
  readonly table: string;
  readonly client: DynamoDBClientLike;
  private readonly sdk: DynamoDBModule;
  private readonly ownsClient: boolean;
  private readonly createTable: boolean;
  private tableReady?: Promise<void>;

  constructor(options: DynamoDBStoreOptions = {}) {
    this.sdk = loadDynamoDB();
    this.table = options.table ?? 'Sessions';
    this.createTable = options.createTable ?? true;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? this.buildClient(options);
  }

  /** The largest session value that fits in one item under `key`. */
  maxValueBytes(key: string): number {
    const attributes =
      Buffer.byteLength('id') +
      Buffer.byteLength(key) +
      Buffer.byteLength('data') +
      Buffer.byteLength('expiresAt') +
      NUMBER_BYTES +
      Buffer.byteLength('expiresAtMs') +
      NUMBER_BYTES;
    return DYNAMODB_MAX_ITEM_BYTES - attributes;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { Item } = await this.call((client) =>
      client.send(
        new this.sdk.GetItemCommand({
          TableName: this.table,
          Key: { id: { S: key } },
          ConsistentRead: true,
        }),
      ),
    );
    const data = Item?.data?.B;
    const expiresAtMs = Number(Item?.expiresAtMs?.N);
    if (!data || !(expiresAtMs > Date.now())) return undefined;
    return data;
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const limit = this.maxValueBytes(key);
    if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
    const expiresAtMs = Date.now() + ttlMs;
    await this.call((client) =>
      client.send(
        new this.sdk.PutItemCommand({
          TableName: this.table,
          Item: {
            id: { S: key },
            data: { B: value },
            ...this.expiry(expiresAtMs),
          },
        }),
      ),
    );
  }

  async delete(key: string): Promise<void> {
    await this.call((client) =>
      client.send(
        new this.sdk.DeleteItemCommand({ TableName: this.table, Key: { id: { S: key } } }),
      ),
    );
  }

  async touch(key: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    const { expiresAt, expiresAtMs } = this.expiry(now + ttlMs);
    try {
      await this.call((client) =>
        client.send(
          new this.sdk.UpdateItemCommand({
            TableName: this.table,
            Key: { id: { S: key } },
            UpdateExpression: 'SET expiresAt = :s, expiresAtMs = :ms',
            // Only a live item: a missing or expired one is not brought back.
            ConditionExpression: 'attribute_exists(id) AND expiresAtMs > :now',
            ExpressionAttributeValues: {
              ':s': expiresAt,
              ':ms': expiresAtMs,
              ':now': { N: String(now) },
            },
          }),
        ),
      );
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async close(): Promise<void> {
    this.tableReady = undefined;
    if (this.ownsClient) this.client.destroy();
  }

  private expiry(expiresAtMs: number) {
    return {
      // Whole seconds for DynamoDB's TTL, rounded up so it never removes a live item.
      expiresAt: { N: String(Math.ceil(expiresAtMs / 1000)) },
      expiresAtMs: { N: String(expiresAtMs) },
    };
  }

  private buildClient(options: DynamoDBStoreOptions): DynamoDBClientLike {
    const { accessKeyId, secretAccessKey } = options;
    return new this.sdk.DynamoDBClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials:
        accessKeyId !== undefined && secretAccessKey !== undefined
          ? { accessKeyId, secretAccessKey }
          : undefined,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
      },
    });
  }

  /** Runs `operation` once the table is ready; a table gone missing is created again and the operation retried once. */
  private async call<T>(operation: (client: DynamoDBClient) => Promise<T>): Promise<T> {
    const client = this.client as DynamoDBClient;
    await this.ensureTable(client);
    try {
      return await operation(client);
    } catch (error) {
      if (!this.createTable || errorName(error) !== 'ResourceNotFoundException') throw error;
      this.tableReady = undefined;
      await this.ensureTable(client);
      return operation(client);
    }
  }

  private async ensureTable(client: DynamoDBClient): Promise<void> {
    if (!this.createTable) return;
    this.tableReady ??= this.prepareTable(client).catch((error: unknown) => {
      this.tableReady = undefined;
      throw error;
    });
    await this.tableReady;
  }

  private async prepareTable(client: DynamoDBClient): Promise<void> {
    const { DescribeTableCommand, CreateTableCommand } = this.sdk;
    try {
      await client.send(new DescribeTableCommand({ TableName: this.table }));
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
      try {
        await client.send(
          new CreateTableCommand({
            TableName: this.table,
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
      } catch (createError) {
        // Another process is creating it: wait for it like for ours.
        if (errorName(createError) !== 'ResourceInUseException') throw createError;
      }
    }
    await this.waitUntilActive(client);
    await this.enableTimeToLive(client);
  }

  private async waitUntilActive(client: DynamoDBClient): Promise<void> {
    const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      const { Table } = await client.send(
        new this.sdk.DescribeTableCommand({ TableName: this.table }),
      );
      if (Table?.TableStatus === 'ACTIVE') return;
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB table "${this.table}" is ${Table?.TableStatus ?? 'unknown'}, not ACTIVE, after ${TABLE_ACTIVE_TIMEOUT_MS} ms`,
        );
      }
      await sleep(delay);
    }
  }

  private async enableTimeToLive(client: DynamoDBClient): Promise<void> {
    const { TimeToLiveDescription } = await client.send(
      new this.sdk.DescribeTimeToLiveCommand({ TableName: this.table }),
    );
    const status = TimeToLiveDescription?.TimeToLiveStatus;
    // TTL already on (perhaps on another attribute, which DynamoDB allows only one of): leave it.
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new this.sdk.UpdateTimeToLiveCommand({
        TableName: this.table,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
  }
}
