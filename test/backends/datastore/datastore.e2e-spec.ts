import { Datastore, v1 } from '@google-cloud/datastore';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { sessionOptionsFromConfig } from '../../../lib';
import { describeConcurrency } from '../../suites/concurrency';
import { describeUserSessions } from '../../suites/user-sessions';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { configApp } from '../../utils/config-app';
import { FakeDatastore } from '../../utils/datastore-fake';
import { freePort } from '../../../lib/testing';

/** Set DATASTORE_EMULATOR_HOST to run the e2e suite on a real emulator. */
const emulatorHost = process.env.DATASTORE_EMULATOR_HOST;
const projectId = process.env.DATASTORE_PROJECT_ID ?? 'e2e-project';
// The client must never look for cloud credentials or a metadata server here.
process.env.METADATA_SERVER_DETECTION = 'none';
const uniqueKind = () => `sessions_e2e_${randomBytes(6).toString('hex')}`;

let double: FakeDatastore;
let server: { host: string; close(): Promise<void> };

beforeAll(async () => {
  double = new FakeDatastore();
  server = await double.listen();
  // The module builds its client as an application would, finding the endpoint here.
  process.env.DATASTORE_EMULATOR_HOST = emulatorHost ?? server.host;
});

afterAll(async () => {
  if (emulatorHost === undefined) delete process.env.DATASTORE_EMULATOR_HOST;
  else process.env.DATASTORE_EMULATOR_HOST = emulatorHost;
  await server.close();
});

// The Flask keys only: the module builds its own client and closes it with each app.
const fromFlaskKeys = () =>
  sessionOptionsFromConfig({
    SESSION_TYPE: 'datastore',
    GCLOUD_APP_PROJECT_ID: projectId,
    SESSION_DATASTORE_KIND: uniqueKind(),
  });
const serverName = emulatorHost
  ? `datastore (emulator at ${emulatorHost})`
  : 'datastore (in-process gRPC double through the client)';
describeSessionE2E(serverName, fromFlaskKeys);
describeSessionFixation(serverName, fromFlaskKeys, { numRuns: 10 });
// 50 transactions on one document take turns through a JavaScript server that shares two cores
// with the test run: what is checked is who wins, not how fast, so the bound is looser.
describeConcurrency(serverName, () => ({ ...fromFlaskKeys(), storeTimeout: 10_000 }));
describeUserSessions(serverName, fromFlaskKeys);

describe('datastore configuration', () => {
  const apps = configApp();
  const { open } = apps;
  beforeEach(() => {
    // These check what the module sends, so they always talk to the double.
    process.env.DATASTORE_EMULATOR_HOST = server.host;
  });
  afterEach(async () => {
    process.env.DATASTORE_EMULATOR_HOST = emulatorHost ?? server.host;
    jest.restoreAllMocks();
  });

  it('maps the Flask keys', () => {
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'datastore',
        GCLOUD_APP_PROJECT_ID: 'my-project',
        SESSION_DATASTORE_KIND: 'flask_sessions',
        SESSION_KEY_PREFIX: 'app1:',
      }),
    ).toEqual({
      type: 'datastore',
      projectId: 'my-project',
      collection: 'flask_sessions',
      keyPrefix: 'app1:',
    });
  });

  it('stores sessions where the keys say, and closes the client it built', async () => {
    const close = jest.spyOn(v1.DatastoreClient.prototype, 'close');
    await open(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'datastore',
        GCLOUD_APP_PROJECT_ID: 'flask-project',
        SESSION_DATASTORE_KIND: 'flask_sessions',
        SESSION_KEY_PREFIX: 'app1:',
      }),
    );
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    const entity = double.entitiesOf('flask_sessions').get(`app1:${res.body.sid}`);
    expect(entity?.data.excludeFromIndexes).toBe(true);
    expect(JSON.parse(Buffer.from(entity!.data.blobValue!).toString())).toMatchObject({
      d: { count: 1 },
    });
    const commit = double.calls.filter((call) => call.method === 'Commit').pop();
    expect((commit!.request as { projectId: string }).projectId).toBe('flask-project');
    expect(close).not.toHaveBeenCalled();
    await apps.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('uses a client passed as SESSION_DATASTORE and leaves it open', async () => {
    const close = jest.spyOn(v1.DatastoreClient.prototype, 'close');
    const client = new Datastore({ projectId: 'given', apiEndpoint: server.host });
    await open(
      sessionOptionsFromConfig({
        get: (key: string) => ({ SESSION_TYPE: 'datastore', SESSION_DATASTORE: client })[key],
      }),
    );
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    await apps.close();
    expect(close).not.toHaveBeenCalled();
    const [entity] = await client.get(client.key(['sessions', `session:${res.body.sid}`]));
    expect(entity).toBeDefined();
    close.mockRestore();
    for (const gapic of client.clients_.values()) await gapic.close();
  });

  it.each([
    [{ SESSION_DATASTORE_KIND: '__sessions__' }, 'SESSION_DATASTORE_KIND'],
    [{ SESSION_DATASTORE_KIND: 'k'.repeat(1501) }, 'SESSION_DATASTORE_KIND'],
  ])('refuses a bad kind at startup, naming the key (%#)', async (config, key) => {
    await apps.expectRefused({ SESSION_TYPE: 'datastore', ...config }, key);
  });

  it('refuses an object that is not a client, naming the key', async () => {
    const options = sessionOptionsFromConfig({
      get: (key: string) => ({ SESSION_TYPE: 'datastore', SESSION_DATASTORE: {} })[key],
    });
    await expect(open(options)).rejects.toThrow(/SESSION_DATASTORE\b.*Datastore/);
  });

  it('answers 503 at once when the endpoint is down, and other routes keep working', async () => {
    process.env.DATASTORE_EMULATOR_HOST = `127.0.0.1:${await freePort()}`;
    await open(sessionOptionsFromConfig({ SESSION_TYPE: 'datastore', GCLOUD_APP_PROJECT_ID: 'x' }));
    const started = Date.now();
    const res = await request(apps.app.getHttpServer()).get('/count').expect(503);
    expect(res.body.message).toBe('Session store unavailable');
    expect(Date.now() - started).toBeLessThan(1500);
    await request(apps.app.getHttpServer()).get('/plain').expect(200);
  });
});
