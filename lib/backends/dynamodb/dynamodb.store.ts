import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientLike, DynamoDBStoreOptions, SessionStore } from '../../interfaces';
import { SessionTooLargeError } from '../../session.errors';
import { Lazy } from '../../utils/lazy.util';
import { createDynamoDBClient, loadDynamoDB, type DynamoDBModule } from './dynamodb.client';
import { dynamoDBErrorName, prepareDynamoDBTable } from './dynamodb.table';

/** DynamoDB's limit on an item: attribute names and values together. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;
/** A number attribute's value takes at most 21 bytes. */
const NUMBER_BYTES = 21;

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
  private readonly tableReady = new Lazy(() =>
    prepareDynamoDBTable(this.client as DynamoDBClient, this.sdk, this.table),
  );

  constructor(options: DynamoDBStoreOptions = {}) {
    this.sdk = loadDynamoDB();
    this.table = options.table ?? 'Sessions';
    this.createTable = options.createTable ?? true;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createDynamoDBClient(options, options.timeoutMs);
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
      if (dynamoDBErrorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async close(): Promise<void> {
    void this.tableReady.reset();
    if (this.ownsClient) this.client.destroy();
  }

  private expiry(expiresAtMs: number) {
    return {
      // Whole seconds for DynamoDB's TTL, rounded up so it never removes a live item.
      expiresAt: { N: String(Math.ceil(expiresAtMs / 1000)) },
      expiresAtMs: { N: String(expiresAtMs) },
    };
  }

  /** Runs `operation` once the table is ready; a table gone missing is created again and the operation retried once. */
  private async call<T>(operation: (client: DynamoDBClient) => Promise<T>): Promise<T> {
    const client = this.client as DynamoDBClient;
    if (this.createTable) await this.tableReady.get();
    try {
      return await operation(client);
    } catch (error) {
      if (!this.createTable || dynamoDBErrorName(error) !== 'ResourceNotFoundException') {
        throw error;
      }
      void this.tableReady.reset();
      await this.tableReady.get();
      return operation(client);
    }
  }
}
