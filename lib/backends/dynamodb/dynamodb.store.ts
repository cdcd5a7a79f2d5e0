import { Logger } from '@nestjs/common';
import type { DynamoDBClient, PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type {
  CompareAndSetResult,
  DynamoDBClientLike,
  DynamoDBStoreOptions,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { Lazy } from '../../utils/lazy.util';
import { MissingPermissionWarnings } from '../../utils/missing-permission.util';
import { createDynamoDBClient, loadDynamoDB, type DynamoDBModule } from './dynamodb.client';
import {
  expiryAttributes,
  isLive,
  LIVE,
  maxValueBytes,
  sessionItem,
  type Item,
  USER_ATTRIBUTE,
} from './dynamodb.item';
import { sweepDynamoDBTable } from './dynamodb.sweep';
import { dynamoDBErrorName, prepareDynamoDBTable } from './dynamodb.table';
import { DynamoDBUserIndex, type Refusal } from './dynamodb.user-index';

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
 *
 * A write given a user (`userKey`) is also listed under it: {@link DynamoDBUserIndex}.
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
  private readonly users: DynamoDBUserIndex;
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
    this.users = new DynamoDBUserIndex(this.sdk, this.table);
  }

  /**
   * Prepares the table (describe, create, TTL) now instead of on first use, so
   * what it finds is said at startup; a failure is retried by the next call.
   */
  async prepare(): Promise<void> {
    if (this.createTable) await this.tableReady.get();
  }

  /** The largest session value that fits in one item under `key` (of `user`, when given). */
  maxValueBytes(key: string, user?: string): number {
    return maxValueBytes(key, user);
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
    const Item = sessionItem(key, value, ttlMs, options?.user);
    await this.write(options, { TableName: this.table, Item });
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

  /** The user's index item, then its sessions in BatchGetItems, all strongly consistent. */
  async findByUser(user: string, options?: StoreCallOptions): Promise<UserSessionEntry[]> {
    return this.call(options, (client, sendOptions) => this.users.find(client, sendOptions, user));
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
    const { expiresAt, expiresAtMs } = expiryAttributes(now + ttlMs);
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
    await this.users.settle();
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

  /**
   * One PutItem, or with a user one transaction that also lists the key under
   * the user. Returns the refusal when the Put's condition failed.
   */
  private async write(
    options: StoreCallOptions | undefined,
    put: PutItemCommandInput,
  ): Promise<Refusal | undefined> {
    const user = options?.user;
    return this.call(options, async (client, sendOptions) => {
      if (user !== undefined) return this.users.write(client, sendOptions, put, user);
      try {
        await client.send(new this.sdk.PutItemCommand(put), sendOptions);
        return undefined;
      } catch (error) {
        if (dynamoDBErrorName(error) !== 'ConditionalCheckFailedException') throw error;
        return error as Refusal;
      }
    });
  }

  /**
   * PutItem only over a live item (whose data is `expected`, when given); the
   * refusal when not. With a user, a PutItem that also requires the item to be
   * that user's (so listed already) comes first: the usual save of a signed-in
   * session needs no transaction, only a change of user (or no old item) does.
   */
  private async putLive(
    options: StoreCallOptions | undefined,
    key: string,
    value: Uint8Array,
    ttlMs: number,
    expected?: Uint8Array,
  ): Promise<Refusal | undefined> {
    const user = options?.user;
    const now = Date.now();
    const put = {
      TableName: this.table,
      Item: sessionItem(key, value, ttlMs, user),
      ConditionExpression: expected ? `${LIVE} AND #data = :expected` : LIVE,
      // "data" and "user" are reserved words in expressions.
      ExpressionAttributeNames: expected ? { '#data': 'data' } : undefined,
      ExpressionAttributeValues: {
        ':now': { N: String(now) },
        ...(expected ? { ':expected': { B: expected } } : {}),
      },
      ReturnValuesOnConditionCheckFailure: expected ? ('ALL_OLD' as const) : undefined,
    };
    if (user === undefined) return this.write(options, put);
    const refused = await this.write(
      { signal: options?.signal },
      {
        ...put,
        ConditionExpression: `${put.ConditionExpression} AND #user = :user`,
        ExpressionAttributeNames: { ...put.ExpressionAttributeNames, '#user': USER_ATTRIBUTE },
        ExpressionAttributeValues: { ...put.ExpressionAttributeValues, ':user': { S: user } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    );
    if (!refused) return undefined;
    const old = refused.Item;
    const stale = old && !isLive(old, now);
    const changed = old && expected && !Buffer.from(old.data.B!).equals(expected);
    if (stale || changed) return refused;
    return this.write(options, put);
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
