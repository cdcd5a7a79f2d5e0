import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { BlobModule } from '../../suites/blob/blob.module';
import { describeConcurrency } from '../../suites/concurrency';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { describeUserSessions } from '../../suites/user-sessions';
import { setCookies } from '../../utils/cookies';
import { useDynamoDB } from '../../utils/dynamodb-local';
import { createApp, PLATFORMS } from '../../utils/platforms';

let dynamo: Awaited<ReturnType<typeof useDynamoDB>>;

beforeAll(async () => {
  dynamo = await useDynamoDB();
}, 90_000);

afterAll(async () => {
  await dynamo?.stop();
});

describeSessionE2E('dynamodb', () => ({
  type: 'dynamodb',
  ...dynamo.connection,
  table: 'E2ESessions',
}));
describeSessionFixation(
  'dynamodb',
  () => ({ type: 'dynamodb', ...dynamo.connection, table: 'E2ESessions' }),
  { numRuns: 10 },
);
describeConcurrency('dynamodb', () => ({
  type: 'dynamodb',
  ...dynamo.connection,
  table: 'E2ESessions',
}));

describeUserSessions('dynamodb', () => ({
  type: 'dynamodb',
  ...dynamo.connection,
  table: 'E2ESessions',
}));

describe.each(PLATFORMS)('dynamodb limits over %s', (platform) => {
  let app: INestApplication;
  beforeEach(async () => {
    app = await createApp(
      platform,
      BlobModule.with({
        type: 'dynamodb',
        ...dynamo.connection,
        table: 'E2ESessions',
        maxSize: 1024 * 1024,
      }),
    );
  });
  afterEach(async () => {
    await app.close();
  });

  it('saves a session just under the 400 KB item limit', async () => {
    await request(app.getHttpServer()).get('/blob?kb=390').expect(200);
  });

  it('answers a session above the 400 KB item limit with a clear error and no cookie', async () => {
    const res = await request(app.getHttpServer()).get('/blob?kb=410').expect(500);
    expect(res.body.message).toMatch(
      /^Session data is \d+ bytes, above the limit of 409\d{3} bytes; it was not saved$/,
    );
    expect(setCookies(res.headers)).toEqual([]);
  });
});
