import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBStore, sessionOptionsFromConfig, type DynamoDBSessionOptions } from '../../../lib';
import { createSessionInterface } from '../../../lib/session.providers';
import { describeExpiredSweep } from '../../suites/expired-sweep';
import {
  dynamoDBTestClient,
  useDynamoDB,
  type DynamoDBConnection,
} from '../../utils/dynamodb-local';

jest.setTimeout(90_000);

let dynamo: Awaited<ReturnType<typeof useDynamoDB>>;
let connection: DynamoDBConnection;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await useDynamoDB();
  connection = dynamo.connection;
  client = dynamoDBTestClient(connection);
}, 90_000);

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const freshTable = () => `sweep_${randomBytes(5).toString('hex')}`;

/** A session table made by someone else, its TTL on an attribute of theirs. */
async function tableWithTtlOn(attribute: string): Promise<string> {
  const table = freshTable();
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    }),
  );
  return table;
}

const countItems = async (table: string) =>
  (await client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count ?? 0;

describe('DynamoDB table whose TTL is on another attribute', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  describeExpiredSweep('dynamodb (TTL on another attribute)', async () => {
    const table = await tableWithTtlOn('purgeAt');
    const store = new DynamoDBStore({ ...connection, table });
    return {
      store,
      count: () => countItems(table),
      cleanup: async () => {
        await store.close();
        await client.send(new DeleteTableCommand({ TableName: table }));
      },
    };
  });

  it('is said once, and the store then sweeps; with TTL on expiresAt it does not', async () => {
    const table = await tableWithTtlOn('purgeAt');
    const store = new DynamoDBStore({ ...connection, table });
    const own = new DynamoDBStore({ ...connection, table: freshTable() });
    try {
      await store.set('k1', Buffer.from('x'), 60_000);
      await store.set('k2', Buffer.from('x'), 60_000);
      await own.set('k1', Buffer.from('x'), 60_000);
      const said = warn.mock.calls.map(([message]) => String(message));
      expect(said.filter((message) => message.includes('"purgeAt"'))).toHaveLength(1);
      expect(said.find((message) => message.includes('purgeAt'))).toContain(table);
      expect(store.needsSweep).toBe(true);
      expect(own.needsSweep).toBe(false);
    } finally {
      await store.close();
      await own.close();
    }
  });
  it('is said at startup, before any request', async () => {
    const table = await tableWithTtlOn('purgeAt');
    const sessions = await createSessionInterface(
      { type: 'dynamodb', ...connection, table },
      undefined as never,
    );
    const store = (sessions as unknown as { store: DynamoDBStore }).store;
    try {
      const deadline = Date.now() + 10_000;
      while (!store.needsSweep && Date.now() < deadline) await sleep(50);
      expect(store.needsSweep).toBe(true);
      expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
        expect.stringContaining(`"${table}" has its TTL on "purgeAt"`),
      ]);
    } finally {
      await sessions.close();
    }
  });
});

describe('DynamoDB default table', () => {
  it('is "sessions", as the seed documents say, from options and from config keys', async () => {
    const config = sessionOptionsFromConfig({
      SESSION_TYPE: 'dynamodb',
      SESSION_DYNAMODB_ENDPOINT: connection.endpoint,
      SESSION_DYNAMODB_REGION: connection.region,
      SESSION_DYNAMODB_KEY_ID: connection.accessKeyId,
      SESSION_DYNAMODB_SECRET: connection.secretAccessKey,
    }) as DynamoDBSessionOptions;
    const sessions = await createSessionInterface(config, undefined as never);
    const store = (sessions as unknown as { store: DynamoDBStore }).store;
    expect(store.table).toBe('sessions');
    await store.set('default-table', Buffer.from('x'), 60_000);
    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames).toContain('sessions');
    expect(TableNames).not.toContain('Sessions');
    await sessions.close();
    expect(new DynamoDBStore(connection).table).toBe('sessions');
  });
});

describe('DynamoDB with rights to items only', () => {
  const setup = [
    'DescribeTableCommand',
    'CreateTableCommand',
    'DescribeTimeToLiveCommand',
    'UpdateTimeToLiveCommand',
  ];
  /** A client whose credentials may only Get, Put, Update and Delete items, as IAM answers. */
  function itemOnlyClient(refused: string[]) {
    const limited = dynamoDBTestClient(connection);
    limited.middlewareStack.add(
      (next, context) => async (args) => {
        if (refused.includes(context.commandName ?? '')) {
          throw Object.assign(
            new Error(`User is not authorized to perform: dynamodb:${context.commandName}`),
            { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } },
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'refuseTableRights' },
    );
    return limited;
  }

  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('reads and writes sessions in an existing table, warning once per refused permission', async () => {
    const table = await tableWithTtlOn('expiresAt');
    const limited = itemOnlyClient(setup);
    const store = new DynamoDBStore({ client: limited, table });
    try {
      await store.set('k', Buffer.from('one'), 60_000);
      expect(Buffer.from((await store.get('k'))!).toString()).toBe('one');
      expect(await store.update('k', Buffer.from('two'), 60_000)).toBe(true);
      expect(await store.touch('k', 60_000)).toBe(true);
      expect(await store.compareAndSet('k', Buffer.from('two'), Buffer.from('3'), 60_000)).toBe(
        'stored',
      );
      await store.delete('k');
      expect(await store.get('k')).toBeUndefined();
      const said = warn.mock.calls.map(([message]) => String(message));
      expect(said).toEqual([
        expect.stringContaining('dynamodb:DescribeTable was refused'),
        expect.stringContaining('dynamodb:DescribeTimeToLive was refused'),
      ]);
      expect(store.needsSweep).toBe(false);
    } finally {
      await store.close();
      limited.destroy();
    }
  });

  it('with DescribeTable allowed but no TTL rights, sweeps a table whose TTL is off', async () => {
    const table = freshTable();
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const limited = itemOnlyClient(['UpdateTimeToLiveCommand']);
    const store = new DynamoDBStore({ client: limited, table });
    try {
      await store.set('k', Buffer.from('one'), 60_000);
      expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
        expect.stringContaining('dynamodb:UpdateTimeToLive was refused'),
      ]);
      expect(store.needsSweep).toBe(true);
      const { TimeToLiveDescription } = await client.send(
        new DescribeTimeToLiveCommand({ TableName: table }),
      );
      expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    } finally {
      await store.close();
      limited.destroy();
    }
  });
});
