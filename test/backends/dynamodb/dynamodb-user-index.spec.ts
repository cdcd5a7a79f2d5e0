import {
  GetItemCommand,
  ScanCommand,
  type DynamoDBClient,
  type TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBStore, type DynamoDBClientLike } from '../../../lib';
import { PRUNE_ABOVE } from '../../../lib/backends/dynamodb/dynamodb.user-index';
import { dynamoDBTestClient, useDynamoDB } from '../../utils/dynamodb-local';

jest.setTimeout(60_000);

let dynamo: Awaited<ReturnType<typeof useDynamoDB>>;
let client: DynamoDBClient;
let store: DynamoDBStore | undefined;

beforeAll(async () => {
  dynamo = await useDynamoDB();
  client = dynamoDBTestClient(dynamo.connection);
}, 90_000);

afterEach(async () => {
  await store?.close();
  store = undefined;
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const key = () => `test:${randomBytes(9).toString('base64url')}`;
const freshTable = () => `users_${randomBytes(5).toString('hex')}`;
const text = (value: Uint8Array) => Buffer.from(value).toString();
const rawItem = async (table: string, id: string) =>
  (await client.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } } }))).Item;
const indexed = async (table: string, user: string) =>
  [...((await rawItem(table, `user#${user}#`))?.sessions?.SS ?? [])].sort();
/** Waits for the prunes a write started in the background. */
const settled = () => (store as unknown as { users: { settle(): Promise<void> } }).users.settle();
const listed = async (user: string) =>
  (await store!.findByUser(user)).map((entry) => [entry.key, text(entry.value)]);

/**
 * A client that records the commands sent through it, and may change a
 * command's fate: `before` runs before it is sent and may throw instead.
 */
function recordingClient(before?: (command: object, name: string) => Promise<void>) {
  const sent: string[] = [];
  const recording: DynamoDBClientLike = {
    send: async (command: object, options) => {
      const name = command.constructor.name;
      sent.push(name);
      await before?.(command, name);
      return client.send(command as GetItemCommand, options);
    },
    destroy: () => undefined,
  };
  return { sent, recording };
}

/** A transaction DynamoDB cancelled because another one held one of its items. */
const conflict = () =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
  });

describe('DynamoDBStore user index', () => {
  it('writes without a user exactly as before; with one, a user attribute and an index item without expiry', async () => {
    const table = freshTable();
    store = new DynamoDBStore({ ...dynamo.connection, table });
    const [anonymous, signedIn] = [key(), key()];
    await store.set(anonymous, Buffer.from('nobody'), 60_000);
    const { Items } = await client.send(new ScanCommand({ TableName: table }));
    expect(Items!.map((item) => Object.keys(item).sort())).toEqual([
      ['data', 'expiresAt', 'expiresAtMs', 'id'],
    ]);
    await store.set(signedIn, Buffer.from('alice'), 60_000, { user: 'alice' });
    expect((await rawItem(table, signedIn))?.user).toEqual({ S: 'alice' });
    const index = await rawItem(table, 'user#alice#');
    // No expiresAt nor expiresAtMs: neither DynamoDB's TTL nor the sweep removes it.
    expect(Object.keys(index!).sort()).toEqual(['id', 'sessions']);
    expect(index!.sessions.SS).toEqual([signedIn]);
  });

  it('costs one call per write: a transaction when the user changes, a plain Put when it stays', async () => {
    const { sent, recording } = recordingClient();
    store = new DynamoDBStore({ client: recording, table: 'UserSessions' });
    await store.prepare();
    sent.length = 0;
    const k = key();
    await store.set(k, Buffer.from('v1'), 60_000, { user: 'alice' });
    // The write, then the background check of the index item's size.
    expect(sent).toEqual(['TransactWriteItemsCommand', 'GetItemCommand']);
    await settled();
    sent.length = 0;
    expect(await store.update(k, Buffer.from('v2'), 60_000, { user: 'alice' })).toBe(true);
    const read = (await store.get(k))!;
    expect(await store.compareAndSet(k, read, Buffer.from('v3'), 60_000, { user: 'alice' })).toBe(
      'stored',
    );
    expect(await store.touch(k, 60_000)).toBe(true);
    expect(sent).toEqual([
      'PutItemCommand',
      'GetItemCommand',
      'PutItemCommand',
      'UpdateItemCommand',
    ]);
    sent.length = 0;
    // Another user: the plain Put is refused, the transaction moves the session over.
    expect(await store.update(k, Buffer.from('bob'), 60_000, { user: 'bob' })).toBe(true);
    expect(sent.slice(0, 2)).toEqual(['PutItemCommand', 'TransactWriteItemsCommand']);
    await settled();
    sent.length = 0;
    // The refused Put returns the old item: a changed or missing entry needs no transaction.
    expect(await store.compareAndSet(k, read, Buffer.from('x'), 60_000, { user: 'carol' })).toBe(
      'changed',
    );
    expect(await store.update(key(), Buffer.from('x'), 60_000, { user: 'carol' })).toBe(false);
    expect(sent).toEqual(['PutItemCommand', 'PutItemCommand', 'TransactWriteItemsCommand']);
    expect(await listed('bob')).toEqual([[k, 'bob']]);
    expect(await listed('alice')).toEqual([]);
    expect(await listed('carol')).toEqual([]);
  });

  it('tries a transaction again when another one on the same index item was in flight', async () => {
    let conflicts = 2;
    const { sent, recording } = recordingClient(async (_command, name) => {
      if (name === 'TransactWriteItemsCommand' && conflicts-- > 0) throw conflict();
    });
    store = new DynamoDBStore({ client: recording, table: 'UserSessions' });
    const [alice, k] = [`alice-${randomBytes(4).toString('hex')}`, key()];
    await store.set(k, Buffer.from('in'), 60_000, { user: alice });
    expect(sent.filter((name) => name === 'TransactWriteItemsCommand')).toHaveLength(3);
    expect(await listed(alice)).toEqual([[k, 'in']]);
    // It gives up in the end, with DynamoDB's error.
    conflicts = Infinity;
    await expect(store.set(key(), Buffer.from('x'), 60_000, { user: alice })).rejects.toMatchObject(
      { name: 'TransactionCanceledException' },
    );
  });

  it('prunes keys of deleted sessions and of sessions given to another user, then the empty item', async () => {
    const table = freshTable();
    store = new DynamoDBStore({ ...dynamo.connection, table });
    const [deleted, anonymous, bobs, kept] = [key(), key(), key(), key()];
    for (const k of [deleted, anonymous, bobs, kept]) {
      await store.set(k, Buffer.from('alice'), 60_000, { user: 'alice' });
    }
    await store.delete(deleted);
    await store.set(anonymous, Buffer.from('signed out'), 60_000);
    await store.set(bobs, Buffer.from('bob'), 60_000, { user: 'bob' });
    expect(await listed('alice')).toEqual([[kept, 'alice']]);
    expect(await indexed(table, 'alice')).toEqual([kept]);
    await store.delete(kept);
    expect(await listed('alice')).toEqual([]);
    expect(await rawItem(table, 'user#alice#')).toBeUndefined();
    expect(await indexed(table, 'bob')).toEqual([bobs]);
  });

  it('never prunes a key whose session came back to the user while the prune was on its way', async () => {
    const table = freshTable();
    const writer = new DynamoDBStore({ ...dynamo.connection, table });
    const [revived, gone] = [key(), key()];
    let raced = false;
    const { recording } = recordingClient(async (command, name) => {
      const items = (command as TransactWriteItemsCommand).input?.TransactItems ?? [];
      if (name !== 'TransactWriteItemsCommand' || !items[1]?.ConditionCheck || raced) return;
      raced = true;
      await writer.set(revived, Buffer.from('back'), 60_000, { user: 'alice' });
    });
    store = new DynamoDBStore({ client: recording, table });
    await writer.set(revived, Buffer.from('first'), 60_000, { user: 'alice' });
    await writer.set(gone, Buffer.from('first'), 60_000, { user: 'alice' });
    await writer.delete(revived);
    await writer.delete(gone);
    expect(await listed('alice')).toEqual([]);
    expect(raced).toBe(true);
    expect(await indexed(table, 'alice')).toEqual([revived]);
    expect(await listed('alice')).toEqual([[revived, 'back']]);
    await writer.close();
  });

  it(`prunes in the background, after a write, an item of more than ${PRUNE_ABOVE} keys`, async () => {
    const table = freshTable();
    store = new DynamoDBStore({ ...dynamo.connection, table });
    const keys = Array.from({ length: PRUNE_ABOVE + 1 }, key);
    for (let i = 0; i < keys.length; i += 20) {
      await Promise.all(
        keys.slice(i, i + 20).map((k) => store!.set(k, Buffer.from('x'), 60_000, { user: 'a' })),
      );
    }
    await Promise.all(keys.map((k) => store!.delete(k)));
    const last = key();
    await store.set(last, Buffer.from('last'), 60_000, { user: 'a' });
    await store.close();
    expect(await indexed(table, 'a')).toEqual([last]);
  });

  it('leaves index items to the sweep and keeps expired sessions of the user unlisted', async () => {
    const table = freshTable();
    store = new DynamoDBStore({ ...dynamo.connection, table });
    const [expired, live] = [key(), key()];
    await store.set(expired, Buffer.from('x'), 200, { user: 'alice' });
    await store.set(live, Buffer.from('live'), 60_000, { user: 'alice' });
    await sleep(400);
    expect(await store.deleteExpired()).toBe(1);
    expect(await indexed(table, 'alice')).toEqual([expired, live].sort());
    expect(await listed('alice')).toEqual([[live, 'live']]);
    expect(await indexed(table, 'alice')).toEqual([live]);
  });

  it('keeps index items apart from session keys, whatever the key prefix', async () => {
    store = new DynamoDBStore({ ...dynamo.connection, table: 'UserSessions' });
    const suffix = randomBytes(4).toString('hex');
    const k = key();
    await store.set(k, Buffer.from('indexed'), 60_000, { user: suffix });
    // What a session key with keyPrefix "user#" would look like: it must not replace the index.
    const lookalike = `user#${suffix}`;
    await store.set(lookalike, Buffer.from('session'), 60_000);
    expect(text((await store.get(lookalike))!)).toBe('session');
    expect(await listed(suffix)).toEqual([[k, 'indexed']]);
    expect(await store.get(`user#${suffix}#`)).toBeUndefined();
  });

  it('counts the user attribute in the item limit, and refuses a user too long to index', async () => {
    store = new DynamoDBStore({ ...dynamo.connection, table: 'UserSessions' });
    const k = key();
    const user = 'u'.repeat(2042);
    const limit = store.maxValueBytes(k, user);
    expect(limit).toBe(store.maxValueBytes(k) - 'user'.length - user.length);
    await store.set(k, randomBytes(limit), 60_000, { user });
    expect((await store.findByUser(user)).map((entry) => entry.key)).toEqual([k]);
    const other = key();
    await expect(store.set(other, Buffer.from('x'), 60_000, { user: `${user}u` })).rejects.toThrow(
      RangeError,
    );
    // Not written at all: an unlisted session would escape revoking.
    expect(await store.get(other)).toBeUndefined();
  });
});
