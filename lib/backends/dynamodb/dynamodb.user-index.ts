import type { DynamoDBClient, PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { UserSessionEntry } from '../../interfaces';
import type { DynamoDBModule } from './dynamodb.client';
import { isLive, USER_ATTRIBUTE, type Item } from './dynamodb.item';
import { dynamoDBErrorName } from './dynamodb.table';

/** DynamoDB's limit on a partition key value. */
const MAX_ID_BYTES = 2048;
/** Attempts of a write whose transaction collides with another one on the same index item. */
const CONFLICT_ATTEMPTS = 8;
/** Keys of one BatchGetItem (DynamoDB's limit). */
const BATCH_GET_KEYS = 100;
/** Keys one prune transaction removes: one action each, plus the index update (DynamoDB takes 100). */
const PRUNE_KEYS = 99;
/** Members an index item may gather before a write of its user prunes it in the background. */
export const PRUNE_ABOVE = 100;

type SendOptions = { abortSignal?: AbortSignal };
/** A write refused by its condition, with the item as the condition saw it when DynamoDB sends it. */
export type Refusal = { Item?: Item };
type CancellationReasons = { Code?: string; Item?: Item }[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const reasonsOf = (error: unknown): CancellationReasons | undefined =>
  dynamoDBErrorName(error) === 'TransactionCanceledException'
    ? ((error as { CancellationReasons?: CancellationReasons }).CancellationReasons ?? [])
    : undefined;
/** The reasons of a cancelled transaction; any other error is thrown on. */
const reasonsOrThrow = (error: unknown): CancellationReasons => {
  const reasons = reasonsOf(error);
  if (!reasons) throw error;
  return reasons;
};

/**
 * The id of a user's index item. Session keys end with their base64url id, so
 * no session key ends in `#`; the user is kept as it is (any string), which
 * keeps ids of look-alike users apart.
 */
export function userIndexId(user: string): string {
  const id = `user#${user}#`;
  if (Buffer.byteLength(id) > MAX_ID_BYTES) {
    throw new RangeError(
      `DynamoDB cannot index sessions under a user id of ${Buffer.byteLength(user)} bytes: ` +
        `its index key would exceed ${MAX_ID_BYTES} bytes`,
    );
  }
  return id;
}

/**
 * The sessions of each user (`userKey`): one item per user, `{ id:
 * "user#<user>#", sessions: SS }`, without expiry attributes, so neither the
 * TTL nor the sweep removes it. A session written with a user carries it in
 * its `user` attribute, and the same TransactWriteItems adds its key to the
 * user's item. Keys leave lazily: a prune removes a key only while its session
 * is missing or belongs to another user (a ConditionCheck in the same
 * transaction), so a live session of the user is never dropped.
 */
export class DynamoDBUserIndex {
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly sdk: DynamoDBModule,
    private readonly table: string,
  ) {}

  /**
   * The Put of a session and the addition of its key to the user's item, in
   * one transaction, tried again while another transaction on one of the two
   * items is in flight. Returns the refusal when the Put's condition failed.
   */
  async write(
    client: DynamoDBClient,
    sendOptions: SendOptions,
    put: PutItemCommandInput,
    user: string,
  ): Promise<Refusal | undefined> {
    const add = {
      TableName: this.table,
      Key: { id: { S: userIndexId(user) } },
      UpdateExpression: 'ADD #sessions :key',
      ExpressionAttributeNames: { '#sessions': 'sessions' },
      ExpressionAttributeValues: { ':key': { SS: [put.Item!.id.S!] } },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        // A new command each time: the SDK fills ClientRequestToken once per command.
        await client.send(
          new this.sdk.TransactWriteItemsCommand({
            TransactItems: [{ Put: put }, { Update: add }],
          }),
          sendOptions,
        );
        break;
      } catch (error) {
        const reasons = reasonsOf(error);
        if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return { Item: reasons[0].Item };
        const conflict = reasons?.some((reason) => reason.Code === 'TransactionConflict');
        if (!conflict || attempt === CONFLICT_ATTEMPTS || sendOptions.abortSignal?.aborted) {
          throw error;
        }
        await sleep(Math.random() * 10 * 2 ** attempt);
      }
    }
    this.pruneLater(client, user);
    return undefined;
  }

  /** The user's live sessions, read strongly consistent; keys of sessions gone or given away are pruned. */
  async find(
    client: DynamoDBClient,
    sendOptions: SendOptions,
    user: string,
  ): Promise<UserSessionEntry[]> {
    const keys = await this.members(client, sendOptions, user);
    const { found, gone } = this.sort(user, keys, await this.batchGet(client, sendOptions, keys));
    if (gone.length > 0) {
      await this.prune(client, user, gone, gone.length === keys.length).catch(() => undefined);
    }
    return found;
  }

  /** Waits for the prunes still running in the background (before the client is destroyed). */
  async settle(): Promise<void> {
    await Promise.all(this.background);
  }

  private async members(
    client: DynamoDBClient,
    sendOptions: SendOptions,
    user: string,
  ): Promise<string[]> {
    const { Item } = await client.send(
      new this.sdk.GetItemCommand({
        TableName: this.table,
        Key: { id: { S: userIndexId(user) } },
        ConsistentRead: true,
      }),
      sendOptions,
    );
    return Item?.sessions?.SS ?? [];
  }

  /** The live sessions of `user` among `keys`, and the keys whose session is missing or another user's. */
  private sort(user: string, keys: string[], items: Map<string, Item>) {
    const now = Date.now();
    const found: UserSessionEntry[] = [];
    const gone: string[] = [];
    for (const key of keys) {
      const item = items.get(key);
      if (item?.[USER_ATTRIBUTE]?.S !== user) gone.push(key);
      // An expired session of the user keeps its key: a touch from a host whose clock is
      // behind could still bring it back, and the TTL removes it soon (then it is pruned).
      else if (isLive(item, now)) {
        found.push({ key, value: item.data.B!, expiresAt: new Date(Number(item.expiresAtMs.N)) });
      }
    }
    return { found, gone };
  }

  private async batchGet(
    client: DynamoDBClient,
    sendOptions: SendOptions,
    keys: string[],
  ): Promise<Map<string, Item>> {
    const items = new Map<string, Item>();
    for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
      let pending: Item[] = keys.slice(i, i + BATCH_GET_KEYS).map((key) => ({ id: { S: key } }));
      for (let round = 0; pending.length > 0; round++) {
        // Keys DynamoDB left unprocessed (throttled) are asked for again, after a pause.
        if (round > 0) await sleep(Math.min(50 * 2 ** round, 1000));
        const { Responses, UnprocessedKeys } = await client.send(
          new this.sdk.BatchGetItemCommand({
            RequestItems: {
              [this.table]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: 'id, #data, expiresAtMs, #user',
                ExpressionAttributeNames: { '#data': 'data', '#user': USER_ATTRIBUTE },
              },
            },
          }),
          sendOptions,
        );
        for (const item of Responses?.[this.table] ?? []) items.set(item.id.S!, item);
        pending = UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return items;
  }

  /**
   * Removes `gone` keys from the user's item, each on the condition that its
   * session is still missing or another user's: a key whose session came back
   * to the user meanwhile stays. Keys that lose a race with another
   * transaction stay too; the next prune gets them.
   */
  private async prune(
    client: DynamoDBClient,
    user: string,
    gone: string[],
    all: boolean,
  ): Promise<void> {
    const id = { S: userIndexId(user) };
    let emptied = all;
    for (let i = 0; i < gone.length; i += PRUNE_KEYS) {
      let keys = gone.slice(i, i + PRUNE_KEYS);
      // Twice at most: once more without the keys whose condition failed.
      for (let attempt = 0; attempt < 2; attempt++) {
        const reasons = await client
          .send(new this.sdk.TransactWriteItemsCommand(this.pruning(id, user, keys)))
          .then(() => undefined, reasonsOrThrow);
        if (!reasons) break;
        emptied = false;
        const kept = keys.filter((_, k) => reasons[k + 1]?.Code !== 'ConditionalCheckFailed');
        if (kept.length === keys.length || kept.length === 0) break;
        keys = kept;
      }
    }
    if (!emptied) return;
    // An item left without keys goes too, unless a write added one meanwhile.
    await client
      .send(
        new this.sdk.DeleteItemCommand({
          TableName: this.table,
          Key: { id },
          ConditionExpression: 'attribute_not_exists(#sessions)',
          ExpressionAttributeNames: { '#sessions': 'sessions' },
        }),
      )
      .catch((error: unknown) => {
        if (dynamoDBErrorName(error) !== 'ConditionalCheckFailedException') throw error;
      });
  }

  private pruning(id: { S: string }, user: string, keys: string[]) {
    return {
      TransactItems: [
        {
          Update: {
            TableName: this.table,
            Key: { id },
            UpdateExpression: 'DELETE #sessions :keys',
            ExpressionAttributeNames: { '#sessions': 'sessions' },
            ExpressionAttributeValues: { ':keys': { SS: keys } },
          },
        },
        ...keys.map((key) => ({
          ConditionCheck: {
            TableName: this.table,
            Key: { id: { S: key } },
            ConditionExpression:
              'attribute_not_exists(id) OR attribute_not_exists(#user) OR #user <> :user',
            ExpressionAttributeNames: { '#user': USER_ATTRIBUTE },
            ExpressionAttributeValues: { ':user': { S: user } },
          },
        })),
      ],
    };
  }

  /**
   * After a write that added a key: an item holding more than {@link PRUNE_ABOVE}
   * keys is pruned in the background, so the item of a user who signs in often
   * and whose sessions are never listed does not grow to DynamoDB's 400 KB.
   */
  private pruneLater(client: DynamoDBClient, user: string): void {
    const run = (async () => {
      const keys = await this.members(client, {}, user);
      if (keys.length <= PRUNE_ABOVE) return;
      const { gone } = this.sort(user, keys, await this.batchGet(client, {}, keys));
      if (gone.length > 0) await this.prune(client, user, gone, gone.length === keys.length);
    })()
      .catch(() => undefined)
      .finally(() => this.background.delete(run));
    this.background.add(run);
  }
}
