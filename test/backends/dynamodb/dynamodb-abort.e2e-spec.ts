import { CreateTableCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { SessionTestModule } from '../../suites/session/session-test.module';
import {
  dynamoDBTestClient,
  useDynamoDB,
  type DynamoDBConnection,
} from '../../utils/dynamodb-local';
import { createApp } from '../../utils/platforms';
import { startTcpProxy, type TcpProxy } from '../../../lib/testing/tcp-proxy.util';

jest.setTimeout(90_000);

const STORE_TIMEOUT = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A write whose call passed `storeTimeout` answered 503; it must not land
 * later, when the server answers again. The client is the app's own, with
 * the SDK's long default timeouts, so only the store's abort can stop it.
 */
describe('dynamodb: a timed-out write is aborted', () => {
  let dynamo: { connection: DynamoDBConnection; stop(): Promise<void> };
  let direct: DynamoDBClient;
  let proxy: TcpProxy;
  let appClient: DynamoDBClient;
  let app: INestApplication | undefined;
  const table = `abort_${Date.now()}`;
  const items = async () => (await direct.send(new ScanCommand({ TableName: table }))).Count;

  beforeAll(async () => {
    dynamo = await useDynamoDB();
    direct = dynamoDBTestClient(dynamo.connection);
    await direct.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    proxy = await startTcpProxy(Number(new URL(dynamo.connection.endpoint).port));
  });

  afterAll(async () => {
    await app?.close();
    appClient?.destroy();
    await proxy?.stop();
    direct?.destroy();
    await dynamo?.stop();
  });

  it('answers 503 while the server hangs, and nothing is written once it answers again', async () => {
    appClient = dynamoDBTestClient({
      ...dynamo.connection,
      endpoint: `http://127.0.0.1:${proxy.port}`,
    });
    app = await createApp(
      'express',
      SessionTestModule.with({
        type: 'dynamodb',
        client: appClient,
        table,
        storeTimeout: STORE_TIMEOUT,
      }),
    );
    // The store's first call waits for the table, then writes: both hang.
    proxy.pause();
    await request(app.getHttpServer()).get('/count').expect(503);
    proxy.resume();
    await sleep(2000);
    expect(await items()).toBe(0);

    // The same write, in time, lands: the check above could have seen it.
    await request(app.getHttpServer()).get('/count').expect(200);
    expect(await items()).toBe(1);
  });
});
