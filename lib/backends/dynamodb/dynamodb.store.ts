import { Logger } from '@nestjs/common';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  CompareAndSetResult,
  DynamoDBClientLike,
  DynamoDBStoreOptions,
  SessionStore,
  StoreCallOptions,
} from '../../interfaces';
import { SessionTooLargeError } from '../../session.errors';
import { Lazy } from '../../utils/lazy.util';
import { MissingPermissionWarnings } from '../../utils/missing-permission.util';
import { createDynamoDBClient, loadDynamoDB, type DynamoDBModule } from './dynamodb.client';
import { sweepDynamoDBTable } from './dynamodb.sweep';
import { dynamoDBErrorName, prepareDynamoDBTable } from './dynamodb.table';

/** DynamoDB's limit on an item: attribute names and values together. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;
/** A number attribute's value takes at most 21 bytes. */
const NUMBER_BYTES = 21;
/** The condition of every write that must not bring back a deleted or expired item. */
const LIVE = 'attribute_exists(id) AND expiresAtMs > :now';

type Item = Record<string, AttributeValue>;
const isLive = (item: Item | undefined, now: number) =>
  item?.data?.B !== undefined && Number(item.expiresAtMs?.N) > now;

/**
 * Sessions in a DynamoDB table, one item per session:
 * `{ id: key, data: binary, expiresAt: epoch seconds, expiresAtMs: epoch ms }`.
 * `expiresAt` is the table's TTL attribute, so DynamoDB deletes expired items
 * itself (up to days late); the store never returns an item whose
 * `expiresAtMs` has passed, so lifetimes are exact to the millisecond.
 *
 * With `createTable` the table (on-demand, key `id`) is created when missing,
 * waited for until ACTIVE, and its TTL enabled; a table that disappears later
 * (a restarted DynamoDB Local) is created again on the next call. Credentials
 * without the rights to describe or create it get one warning and the table
 * is taken as it is. A table whose TTL is on another attribute (or cannot be
 * enabled) is swept instead (`needsSweep`).
 */
export class DynamoDBStore implements SessionStore {
  readonly table: string;
  readonly client: DynamoDBClientLike;
  private readonly sdk: DynamoDBModule;
  private readonly ownsClient: boolean;
  private readonly createTable: boolean;
  private readonly logger = new Logger(DynamoDBStore.name);
  private readonly missing: MissingPermissionWarnings;
  private warnedOfTtl = false;
  private swept = false;
  private readonly tableReady = new Lazy(async () => {
    const expiry = await prepareDynamoDBTable({
      client: this.client as DynamoDBClient,
      sdk: this.sdk,
      table: this.table,
      missing: this.missing,
      warn: (message) => {
        if (!this.warnedOfTtl) this.logger.warn(message);
        this.warnedOfTtl = true;
      },
    });
    this.swept = expiry === 'sweep';
  });

  constructor(options: DynamoDBStoreOptions = {}) {
    this.sdk = loadDynamoDB();
    this.table = options.table ?? 'sessions';
    this.missing = new MissingPermissionWarnings(this.logger, `DynamoDB table "${this.table}"`);
    this.createTable = options.createTable ?? true;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createDynamoDBClient(options, options.timeoutMs);
  }

  /**
   * Prepares the table (describe, create, TTL) now instead of on first use, so
   * what it finds is said at startup; a failure is retried by the next call.
   */
  async prepare(): Promise<void> {
    if (this.createTable) await this.tableReady.get();
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

  async get(key: string, options?: StoreCallOptions): Promise<Uint8Array | undefined> {
    const item = await this.getItem(key, options);
    return isLive(item, Date.now()) ? item!.data!.B : undefined;
  }

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    const Item = this.item(key, value, ttlMs);
    await this.call(options, (client, sendOptions) =>
      client.send(new this.sdk.PutItemCommand({ TableName: this.table, Item }), sendOptions),
    );
  }

  /** PutItem on the condition that the item is live: one round trip. */
  async update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    return (await this.putLive(options, key, value, ttlMs)) === undefined;
  }

  /**
   * PutItem on the condition that the item is live and its data is `expected`.
   * A refusal returns the item as the condition saw it (`ALL_OLD`), which
   * tells a changed entry from a missing one without another request.
   */
  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    const refused = await this.putLive(options, key, value, ttlMs, expected);
    if (!refused) return 'stored';
    // No item back: missing, or a DynamoDB-compatible server that does not send it. Only a read can tell.
    const item = refused.Item ?? (await this.getItem(key, options));
    return isLive(item, Date.now()) ? 'changed' : 'missing';
  }

  async delete(key: string, options?: StoreCallOptions): Promise<void> {
    await this.call(options, (client, sendOptions) =>
      client.send(
        new this.sdk.DeleteItemCommand({ TableName: this.table, Key: { id: { S: key } } }),
        sendOptions,
      ),
    );
  }

  async touch(key: string, ttlMs: number, options?: StoreCallOptions): Promise<boolean> {
    const now = Date.now();
    const { expiresAt, expiresAtMs } = this.expiry(now + ttlMs);
    try {
      await this.call(options, (client, sendOptions) =>
        client.send(
          new this.sdk.UpdateItemCommand({
            TableName: this.table,
            Key: { id: { S: key } },
            UpdateExpression: 'SET expiresAt = :s, expiresAtMs = :ms',
            // Only a live item: a missing or expired one is not brought back.
            ConditionExpression: LIVE,
            ExpressionAttributeValues: {
              ':s': expiresAt,
              ':ms': expiresAtMs,
              ':now': { N: String(now) },
            },
          }),
          sendOptions,
        ),
      );
      return true;
    } catch (error) {
      if (dynamoDBErrorName(error) !== 'ConditionalCheckFailedException') throw error;
      return false;
    }
  }

  /** Whether DynamoDB's TTL leaves expired items to a sweep (known once the table is prepared). */
  get needsSweep(): boolean {
    return this.swept;
  }

  /** Scans for expired items and deletes them; only a table without TTL on `expiresAt` needs it. */
  async deleteExpired(): Promise<number> {
    return this.call(undefined, (client) => sweepDynamoDBTable(client, this.sdk, this.table));
  }

  async close(): Promise<void> {
    void this.tableReady.reset();
    if (this.ownsClient) this.client.destroy();
  }

  private async getItem(key: string, options?: StoreCallOptions): Promise<Item | undefined> {
    const { Item } = await this.call(options, (client, sendOptions) =>
      client.send(
        new this.sdk.GetItemCommand({
          TableName: this.table,
          Key: { id: { S: key } },
          ConsistentRead: true,
        }),
        sendOptions,
      ),
    );
    return Item;
  }

  /** The whole item of a session; a value above the item limit throws {@link SessionTooLargeError}. */
  private item(key: string, value: Uint8Array, ttlMs: number): Item {
    const limit = this.maxValueBytes(key);
    if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
    return { id: { S: key }, data: { B: value }, ...this.expiry(Date.now() + ttlMs) };
  }

  /**
   * PutItem only over a live item (whose data is `expected`, when given).
   * Returns nothing when written, the `ConditionalCheckFailedException` when refused.
   */
  private async putLive(
    options: StoreCallOptions | undefined,
    key: string,
    value: Uint8Array,
    ttlMs: number,
    expected?: Uint8Array,
  ): Promise<{ Item?: Item } | undefined> {
    const Item = this.item(key, value, ttlMs);
    const now = { ':now': { N: String(Date.now()) } };
    try {
      await this.call(options, (client, sendOptions) =>
        client.send(
          new this.sdk.PutItemCommand({
            TableName: this.table,
            Item,
            ...(expected
              ? {
                  // "data" is a reserved word in expressions.
                  ConditionExpression: `${LIVE} AND #data = :expected`,
                  ExpressionAttributeNames: { '#data': 'data' },
                  ExpressionAttributeValues: { ...now, ':expected': { B: expected } },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                }
              : { ConditionExpression: LIVE, ExpressionAttributeValues: now }),
          }),
          sendOptions,
        ),
      );
      return undefined;
    } catch (error) {
      if (dynamoDBErrorName(error) !== 'ConditionalCheckFailedException') throw error;
      return error as { Item?: Item };
    }
  }

  private expiry(expiresAtMs: number) {
    return {
      // Whole seconds for DynamoDB's TTL, rounded up so it never removes a live item.
      expiresAt: { N: String(Math.ceil(expiresAtMs / 1000)) },
      expiresAtMs: { N: String(expiresAtMs) },
    };
  }

  /**
   * Runs `operation` once the table is ready; a table gone missing is created
   * again and the operation retried once. The SDK is given the call's signal,
   * read only now: a call whose deadline passed while the table was prepared
   * is not sent at all.
   */
  private async call<T>(
    options: StoreCallOptions | undefined,
    operation: (client: DynamoDBClient, sendOptions: { abortSignal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    const client = this.client as DynamoDBClient;
    if (this.createTable) await this.tableReady.get();
    const sendOptions = { abortSignal: options?.signal };
    try {
      return await operation(client, sendOptions);
    } catch (error) {
      if (!this.createTable || dynamoDBErrorName(error) !== 'ResourceNotFoundException') {
        throw error;
      }
      void this.tableReady.reset();
      await this.tableReady.get();
      return operation(client, sendOptions);
    }
  }
}
