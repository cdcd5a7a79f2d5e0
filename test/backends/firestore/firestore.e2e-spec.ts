import { Firestore } from '@google-cloud/firestore';
import request from 'supertest';
import {
  FirestoreSessionInterface,
  SessionInterface,
  sessionOptionsFromConfig,
} from '../../../lib';
import { describeConcurrency } from '../../suites/concurrency';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { describeUserSessions } from '../../suites/user-sessions';
import { configApp } from '../../utils/config-app';
import { SessionTestModule } from '../../suites/session/session-test.module';
import { firestoreEmulatorHost, startFirestoreEmulator } from '../../utils/firestore-emulator';
import {
  FIRESTORE_TEST_PROJECT,
  emptyCollection,
  firestoreClient,
  uniqueCollection,
} from '../../utils/firestore-clients';
import { sessionCookie } from '../../utils/cookies';
import type { ServerProcess } from '../../../lib/testing';

/** Set FIRESTORE_EMULATOR_HOST to run the suite on your emulator instead of the npm one. */
const givenHost = process.env.FIRESTORE_EMULATOR_HOST;
// The client must never look for cloud credentials or a metadata server here.
process.env.METADATA_SERVER_DETECTION = 'none';

let emulator: ServerProcess | undefined;
let client: Firestore;

beforeAll(async () => {
  if (givenHost === undefined) emulator = await startFirestoreEmulator();
  // The module builds its client as an application would, finding the emulator here.
  process.env.FIRESTORE_EMULATOR_HOST = givenHost ?? firestoreEmulatorHost(emulator!.port);
  client = firestoreClient(process.env.FIRESTORE_EMULATOR_HOST);
});

afterAll(async () => {
  await client?.terminate();
  if (givenHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
  await emulator?.stop();
});

// The Flask keys only: the module builds its own client and terminates it with each app.
const fromFlaskKeys = () =>
  sessionOptionsFromConfig({
    SESSION_TYPE: 'firestore',
    GCLOUD_APP_PROJECT_ID: FIRESTORE_TEST_PROJECT,
    SESSION_FIRESTORE_COLLECT: uniqueCollection('e2e'),
  });
const emulatorName = `firestore (emulator at ${givenHost ?? 'a free port'})`;
describeSessionE2E(emulatorName, fromFlaskKeys);
describeSessionFixation(emulatorName, fromFlaskKeys, { numRuns: 10 });
// 50 transactions on one document take turns through a JavaScript server that shares two cores
// with the test run: what is checked is who wins, not how fast, so the bound is looser.
describeConcurrency(emulatorName, () => ({ ...fromFlaskKeys(), storeTimeout: 10_000 }));
describeUserSessions(emulatorName, fromFlaskKeys);

describe('firestore configuration', () => {
  const apps = configApp();
  const { open } = apps;
  afterEach(async () => {
    jest.restoreAllMocks();
  });

  it('maps the Flask keys', () => {
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'firestore',
        GCLOUD_APP_PROJECT_ID: 'my-project',
        SESSION_FIRESTORE_COLLECT: 'flask_sessions',
        SESSION_KEY_PREFIX: 'app1:',
      }),
    ).toEqual({
      type: 'firestore',
      projectId: 'my-project',
      collection: 'flask_sessions',
      keyPrefix: 'app1:',
    });
  });

  it('stores sessions where the keys say, and terminates the client it built', async () => {
    const terminate = jest.spyOn(Firestore.prototype, 'terminate');
    const collection = uniqueCollection('flask');
    await open(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'firestore',
        GCLOUD_APP_PROJECT_ID: FIRESTORE_TEST_PROJECT,
        SESSION_FIRESTORE_COLLECT: collection,
        SESSION_KEY_PREFIX: 'app1:',
      }),
    );
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    const doc = await client.collection(collection).doc(`app1:${res.body.sid}`).get();
    expect(JSON.parse((doc.get('data') as Buffer).toString())).toMatchObject({ d: { count: 1 } });
    expect(terminate).not.toHaveBeenCalled();
    await apps.close();
    expect(terminate).toHaveBeenCalledTimes(1);
    await emptyCollection(client, collection);
  });

  it('uses a client passed as SESSION_FIRESTORE and leaves it open', async () => {
    const terminate = jest.spyOn(Firestore.prototype, 'terminate');
    await open(
      sessionOptionsFromConfig({
        get: (key: string) => ({ SESSION_TYPE: 'firestore', SESSION_FIRESTORE: client })[key],
      }),
    );
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    await apps.close();
    expect(terminate).not.toHaveBeenCalled();
    const doc = await client.collection('sessions').doc(`session:${res.body.sid}`).get();
    expect(doc.exists).toBe(true);
    await doc.ref.delete();
  });

  it('is selected by SESSION_TYPE=firestore through @nestjs/config', async () => {
    const app = await apps.openModule(
      SessionTestModule.fromConfig({
        SESSION_TYPE: 'firestore',
        GCLOUD_APP_PROJECT_ID: FIRESTORE_TEST_PROJECT,
        SESSION_FIRESTORE_COLLECT: uniqueCollection('config'),
      }),
    );
    expect(app.get(SessionInterface)).toBeInstanceOf(FirestoreSessionInterface);
    const first = await request(app.getHttpServer()).get('/count').expect(200);
    const second = await request(app.getHttpServer())
      .get('/count')
      .set('Cookie', `session=${sessionCookie(first.headers).value}`);
    expect(second.body).toEqual({ count: 2, sid: first.body.sid });
  });

  it.each([
    [{ SESSION_FIRESTORE_COLLECT: '__sessions__' }, 'SESSION_FIRESTORE_COLLECT'],
    [{ SESSION_FIRESTORE_COLLECT: 'a/b' }, 'SESSION_FIRESTORE_COLLECT'],
    [{ SESSION_FIRESTORE_COLLECT: '..' }, 'SESSION_FIRESTORE_COLLECT'],
    [{ SESSION_FIRESTORE_COLLECT: 'c'.repeat(1501) }, 'SESSION_FIRESTORE_COLLECT'],
  ])('refuses a bad collection at startup, naming the key (%#)', async (config, key) => {
    await apps.expectRefused({ SESSION_TYPE: 'firestore', ...config }, key);
  });

  it('refuses an object that is not a client, naming the key', async () => {
    const options = sessionOptionsFromConfig({
      get: (key: string) => ({ SESSION_TYPE: 'firestore', SESSION_FIRESTORE: {} })[key],
    });
    await expect(open(options)).rejects.toThrow(/SESSION_FIRESTORE\b.*Firestore/);
  });

  it('refuses an empty project id, naming the key', async () => {
    await expect(open({ type: 'firestore', projectId: '' })).rejects.toThrow(
      /GCLOUD_APP_PROJECT_ID/,
    );
  });
});
