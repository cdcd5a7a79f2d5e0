import {
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import {
  DynamoDBSessionInterface,
  DynamoDBStore,
  DYNAMODB_MAX_ITEM_BYTES,
  SessionConfigError,
  SessionInterface,
  SessionStore,
  SessionTooLargeError,
  sessionOptionsFromConfig,
  type DynamoDBClientLike,
  type SessionModuleOptions,
} from '../../../lib';
import { describeSessionStore, freePort } from '../../../lib/testing';
import {
  dynamoDBLocalOptions,
  dynamoDBTestClient,
  useDynamoDB,
  type DynamoDBConnection,
} from '../../utils/dynamodb-local';
import { initSessionApp } from '../../utils/session-app';

jest.setTimeout(30_000);

let dynamo: Awaited<ReturnType<typeof useDynamoDB>>;
let connection: DynamoDBConnection;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  dynamo = await useDynamoDB();
  connection = dynamo.connection;
  client = dynamoDBTestClient(connection);
}, 90_000);

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const key = () => `test:${randomBytes(9).toString('base64url')}`;
const freshTable = () => `Sessions_${process.pid}_${++tables}`;
const rawItem = async (table: string, id: string) =>
  (await client.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } } }))).Item;
/** Writes an item behind the store's back, expiring at `expiresAtMs` (the TTL second may differ). */
const putRawItem = (id: string, data: Buffer, expiresAtMs: number, expiresAt?: number) =>
  client.send(
    new PutItemCommand({
      TableName: 'ContractSessions',
      Item: {
        id: { S: id },
        data: { B: data },
        expiresAt: { N: String(expiresAt ?? Math.ceil(expiresAtMs / 1000)) },
        expiresAtMs: { N: String(expiresAtMs) },
      },
    }),
  );
const ownStore = (options: ConstructorParameters<typeof DynamoDBStore>[0] = {}) =>
  new DynamoDBStore({ ...connection, ...options });

describeSessionStore(
  'dynamodb',
  async () => {
    const store = ownStore({ table: 'ContractSessions' });
    return { store, cleanup: () => store.close() };
  },
  // The TTL attribute is in seconds but the store compares its exact ms expiry: short TTLs hold.
  { largeValueBytes: DYNAMODB_MAX_ITEM_BYTES, findByUser: true },
);

describe('DynamoDBStore on DynamoDB Local', () => {
  let store: DynamoDBStore;
  afterEach(async () => {
    await store?.close();
  });

  it('creates a missing table, ACTIVE, with TTL on expiresAt, and writes one item per session', async () => {
    const table = freshTable();
    store = ownStore({ table });
    const k = key();
    const before = Date.now();
    await store.set(k, Buffer.from('shape'), 60_000);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: table }),
    );
    expect(TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    const item = await rawItem(table, k);
    expect(Object.keys(item!).sort()).toEqual(['data', 'expiresAt', 'expiresAtMs', 'id']);
    expect(Buffer.from(item!.data.B!).toString()).toBe('shape');
    const ms = Number(item!.expiresAtMs.N);
    expect(ms).toBeGreaterThanOrEqual(before + 60_000);
    expect(ms).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(Number(item!.expiresAt.N)).toBe(Math.ceil(ms / 1000));
  });

  it('creates the table again when it disappears while the store runs', async () => {
    const table = freshTable();
    store = ownStore({ table });
    const k = key();
    await store.set(k, Buffer.from('before'), 60_000);
    await client.send(new DeleteTableCommand({ TableName: table }));
    expect(await store.get(k)).toBeUndefined();
    await store.set(k, Buffer.from('after'), 60_000);
    expect(Buffer.from((await store.get(k))!).toString()).toBe('after');
  });

  it('with createTable false, neither creates nor probes the table: calls fail while it is missing', async () => {
    const table = freshTable();
    store = ownStore({ table, createTable: false });
    await expect(store.set(key(), Buffer.from('x'), 60_000)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(client.send(new DescribeTableCommand({ TableName: table }))).rejects.toMatchObject(
      { name: 'ResourceNotFoundException' },
    );
  });

  it('never returns an item past its exact expiry that DynamoDB has not deleted yet', async () => {
    store = ownStore({ table: 'ContractSessions' });
    const k = key();
    await store.set(k, Buffer.from('x'), 60_000);
    const now = Date.now();
    // The TTL second has not passed, the exact expiry has.
    await putRawItem(k, Buffer.from('stale'), now - 1, Math.ceil(now / 1000) + 3600);
    expect(await store.get(k)).toBeUndefined();
  });

  it('never writes over an item past its exact expiry that DynamoDB has not deleted yet', async () => {
    store = ownStore({ table: 'ContractSessions' });
    const k = key();
    const now = Date.now();
    await putRawItem(k, Buffer.from('stale'), now - 1, Math.ceil(now / 1000) + 3600);
    expect(await store.touch(k, 60_000)).toBe(false);
    expect(await store.update(k, Buffer.from('new'), 60_000)).toBe(false);
    expect(await store.compareAndSet(k, Buffer.from('stale'), Buffer.from('new'), 60_000)).toBe(
      'missing',
    );
    const item = await rawItem('ContractSessions', k);
    expect(Buffer.from(item!.data.B!).toString()).toBe('stale');
    expect(Number(item!.expiresAtMs.N)).toBe(now - 1);
  });

  it('compareAndSet compares every byte, also bytes that are not UTF-8', async () => {
    store = ownStore({ table: 'ContractSessions' });
    const k = key();
    await store.set(k, Buffer.from([0, 1, 2, 255]), 60_000);
    expect(
      await store.compareAndSet(k, Buffer.from([0, 1, 2, 254]), Buffer.from('x'), 60_000),
    ).toBe('changed');
    expect(Buffer.from((await store.get(k))!)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  /** A client that records the commands it sends and can drop the item of a refused write. */
  const recordingClient = (dropRefusedItem = false) => {
    const sent: string[] = [];
    const recording: DynamoDBClientLike = {
      send: async (command: object) => {
        sent.push(command.constructor.name);
        try {
          return await client.send(command as GetItemCommand);
        } catch (error) {
          if (dropRefusedItem) delete (error as { Item?: unknown }).Item;
          throw error;
        }
      },
      destroy: () => undefined,
    };
    return { sent, recording };
  };

  it('compareAndSet tells changed from missing by the refused write alone', async () => {
    const { sent, recording } = recordingClient();
    store = new DynamoDBStore({ client: recording, table: 'ContractSessions' });
    const k = key();
    await store.set(k, Buffer.from('theirs'), 60_000);
    sent.length = 0;
    expect(await store.compareAndSet(k, Buffer.from('mine'), Buffer.from('x'), 60_000)).toBe(
      'changed',
    );
    expect(await store.compareAndSet(k, Buffer.from('theirs'), Buffer.from('x'), 60_000)).toBe(
      'stored',
    );
    expect(sent).toEqual(['PutItemCommand', 'PutItemCommand']);
  });

  it('compareAndSet reads once when the server sends no item with a refusal', async () => {
    const { sent, recording } = recordingClient(true);
    store = new DynamoDBStore({ client: recording, table: 'ContractSessions' });
    const k = key();
    await store.set(k, Buffer.from('theirs'), 60_000);
    sent.length = 0;
    expect(await store.compareAndSet(k, Buffer.from('mine'), Buffer.from('x'), 60_000)).toBe(
      'changed',
    );
    expect(sent).toEqual(['PutItemCommand', 'GetItemCommand']);
    await store.delete(k);
    expect(await store.compareAndSet(k, Buffer.from('theirs'), Buffer.from('x'), 60_000)).toBe(
      'missing',
    );
  });

  it('touch moves both expiry attributes and leaves the data as it is', async () => {
    store = ownStore({ table: 'ContractSessions' });
    const k = key();
    await store.set(k, Buffer.from('mine'), 1000);
    // Rewritten behind the store's back: a touch that rewrote the value would restore "mine".
    const now = Date.now();
    await putRawItem(k, Buffer.from('theirs'), now + 1000);
    await store.touch(k, 3_600_000);
    const item = await rawItem('ContractSessions', k);
    expect(Buffer.from(item!.data.B!).toString()).toBe('theirs');
    expect(Number(item!.expiresAtMs.N)).toBeGreaterThanOrEqual(now + 3_600_000);
    expect(Number(item!.expiresAt.N)).toBe(Math.ceil(Number(item!.expiresAtMs.N) / 1000));
  });

  it('refuses a session above the 400 KB item limit with SessionTooLargeError, keeping the old one', async () => {
    store = ownStore({ table: 'ContractSessions' });
    const k = key();
    const limit = store.maxValueBytes(k);
    expect(limit).toBeGreaterThan(DYNAMODB_MAX_ITEM_BYTES - 200);
    await store.set(k, Buffer.from('previous'), 60_000);
    const error = (await store
      .set(k, randomBytes(limit + 1), 60_000)
      .catch((e: unknown) => e)) as SessionTooLargeError;
    expect(error).toBeInstanceOf(SessionTooLargeError);
    expect(error.size).toBe(limit + 1);
    expect(error.limit).toBe(limit);
    expect(error.message).toBe(
      `Session data is ${limit + 1} bytes, above the limit of ${limit} bytes; it was not saved`,
    );
    expect(Buffer.from((await store.get(k))!).toString()).toBe('previous');
    // Exactly at the limit DynamoDB still takes it.
    const largest = randomBytes(limit);
    await store.set(k, largest, 60_000);
    expect(Buffer.from((await store.get(k))!).equals(largest)).toBe(true);
    // The limit is DynamoDB's own: a few dozen bytes more and the server refuses the item.
    await expect(putRawItem(k, randomBytes(limit + 64), 1000)).rejects.toThrow(/size/i);
  });

  it('leaves a client it was given open on close(), and destroys its own', async () => {
    store = new DynamoDBStore({ client, table: 'ContractSessions' });
    const given = jest.spyOn(client, 'destroy');
    await store.close();
    expect(given).not.toHaveBeenCalled();
    given.mockRestore();
    const k = key();
    await store.set(k, Buffer.from('still open'), 60_000);
    expect(Buffer.from((await store.get(k))!).toString()).toBe('still open');

    const own = ownStore({ table: 'ContractSessions' });
    const destroy = jest.spyOn(own.client, 'destroy');
    await own.close();
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('fails fast, and queues nothing, while the server is down', async () => {
    const port = await freePort();
    store = new DynamoDBStore(dynamoDBLocalOptions(port));
    // Counted inside the SDK's retry loop: one entry per request sent, and those still open.
    const attempts: Record<string, number> = {};
    let open = 0;
    (store.client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        attempts[context.commandName ?? '?'] = (attempts[context.commandName ?? '?'] ?? 0) + 1;
        open++;
        try {
          return await next(args);
        } finally {
          open--;
        }
      },
      { step: 'deserialize', name: 'countAttempts' },
    );
    await Promise.all(Array.from({ length: 20 }, () => expect(store.get(key())).rejects.toThrow()));
    await expect(store.set(key(), Buffer.from('x'), 1000)).rejects.toThrow();
    // Nothing but the table check is sent: the 20 concurrent reads share one (a try and the one
    // retry the client allows), the later write makes one more; nothing is left waiting.
    expect(attempts).toEqual({ DescribeTableCommand: 4 });
    expect(open).toBe(0);
  });
});

describe('DynamoDBSessionInterface', () => {
  it('takes Flask-Session constructor parameters and leaves a given client open', async () => {
    class Probe extends DynamoDBSessionInterface {
      readonly resolved = this.settings;
    }
    const sessions = new Probe(client, 'app:', false, false, 'FlaskSessions');
    const store = sessions.store as DynamoDBStore;
    expect(store).toBeInstanceOf(DynamoDBStore);
    expect(store.table).toBe('FlaskSessions');
    expect(store.client).toBe(client);
    expect(sessions.resolved).toMatchObject({ keyPrefix: 'app:', permanent: false });
    await sessions.close();
    const k = key();
    await store.set(k, Buffer.from('open'), 60_000);
    expect(Buffer.from((await rawItem('FlaskSessions', k))!.data.B!).toString()).toBe('open');
  });

  it('rejects bad options at startup, naming the key', () => {
    const build = (options: Partial<SessionModuleOptions>) => () =>
      DynamoDBSessionInterface.fromOptions({ type: 'dynamodb', ...options } as never);
    const cases: [Partial<SessionModuleOptions>, string][] = [
      [{ client: {} as DynamoDBClientLike }, 'client (SESSION_DYNAMODB)'],
      [{ endpoint: 'localhost:8000' }, 'endpoint (SESSION_DYNAMODB_ENDPOINT)'],
      [{ endpoint: '' }, 'endpoint (SESSION_DYNAMODB_ENDPOINT)'],
      [{ region: 42 as unknown as string }, 'region (SESSION_DYNAMODB_REGION)'],
      [{ accessKeyId: 'id' }, 'secretAccessKey (SESSION_DYNAMODB_SECRET)'],
      [{ secretAccessKey: 'secret' }, 'accessKeyId (SESSION_DYNAMODB_KEY_ID)'],
      [{ table: 'no spaces' }, 'table (SESSION_DYNAMODB_TABLE)'],
      [{ table: 'ab' }, 'table (SESSION_DYNAMODB_TABLE)'],
      [{ createTable: 'yes' as unknown as boolean }, 'createTable (SESSION_CREATE_TABLE)'],
      [{ keyPrefix: 'p'.repeat(2048 - 42) }, 'keyPrefix (SESSION_KEY_PREFIX)'],
    ];
    for (const [options, name] of cases) {
      expect(build(options)).toThrow(SessionConfigError);
      expect(build(options)).toThrow(`${name}: `);
    }
  });
});

describe('dynamodb from Flask config keys', () => {
  it('builds a working store from SESSION_TYPE=dynamodb and the SESSION_DYNAMODB_* keys', async () => {
    const { endpoint, region, accessKeyId, secretAccessKey } = connection;
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'dynamodb',
      SESSION_DYNAMODB_ENDPOINT: endpoint,
      SESSION_DYNAMODB_REGION: region,
      SESSION_DYNAMODB_KEY_ID: accessKeyId,
      SESSION_DYNAMODB_SECRET: secretAccessKey,
      SESSION_DYNAMODB_TABLE: 'ConfigSessions',
    });
    const app = await initSessionApp(options);
    expect(app.get(SessionInterface)).toBeInstanceOf(DynamoDBSessionInterface);
    const store = app.get<DynamoDBStore>(SessionStore);
    expect(store.table).toBe('ConfigSessions');
    const destroy = jest.spyOn(store.client, 'destroy');
    const k = key();
    await store.set(k, Buffer.from('from config'), 60_000);
    // Written through the module's own client, read back through another one.
    expect(Buffer.from((await rawItem('ConfigSessions', k))!.data.B!).toString()).toBe(
      'from config',
    );
    await app.close();
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('uses the client given as SESSION_DYNAMODB as it is, and leaves it open', async () => {
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'dynamodb',
      SESSION_DYNAMODB: client,
      SESSION_DYNAMODB_TABLE: 'ConfigSessions',
    });
    const app = await initSessionApp(options);
    const store = app.get<DynamoDBStore>(SessionStore);
    expect(store.client).toBe(client);
    const destroy = jest.spyOn(client, 'destroy');
    await app.close();
    expect(destroy).not.toHaveBeenCalled();
    destroy.mockRestore();
    const k = key();
    await store.set(k, Buffer.from('still mine'), 60_000);
    expect(Buffer.from((await store.get(k))!).toString()).toBe('still mine');
  });
});
