import { Datastore } from '@google-cloud/datastore';
import { randomBytes } from 'node:crypto';
import { DatastoreStore } from '../../../lib';
import { describeExpiredSweep } from '../../suites/expired-sweep';
import { FakeDatastore } from '../../utils/datastore-fake';

jest.setTimeout(60_000);

/** DATASTORE_EMULATOR_HOST runs it on an emulator; otherwise on the in-process double. */
const emulatorHost = process.env.DATASTORE_EMULATOR_HOST;
const projectId = process.env.DATASTORE_PROJECT_ID ?? 'test-project';
process.env.METADATA_SERVER_DETECTION = 'none';

let fakeServer: { host: string; close(): Promise<void> } | undefined;
let client: Datastore;

beforeAll(async () => {
  if (!emulatorHost) fakeServer = await new FakeDatastore().listen();
  client = new Datastore({ projectId, apiEndpoint: emulatorHost ?? fakeServer!.host });
});

afterAll(async () => {
  for (const gapic of client.clients_.values()) await gapic.close();
  await fakeServer?.close();
});

describeExpiredSweep(
  emulatorHost ? `datastore (emulator at ${emulatorHost})` : 'datastore (gRPC double)',
  async () => {
    const kind = `sessions_sweep_${randomBytes(6).toString('hex')}`;
    return {
      store: new DatastoreStore({ client, kind }),
      count: async () =>
        (await client.runQuery(client.createQuery(kind).select('__key__')))[0].length,
    };
  },
);
