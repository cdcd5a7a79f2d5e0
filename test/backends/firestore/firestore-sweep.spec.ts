import type { Firestore } from '@google-cloud/firestore';
import { FirestoreStore } from '../../../lib';
import { describeExpiredSweep } from '../../suites/expired-sweep';
import { firestoreClient, uniqueCollection } from '../../utils/firestore-clients';
import { firestoreEmulatorHost, startFirestoreEmulator } from '../../utils/firestore-emulator';
import type { ServerProcess } from '../../../lib/testing/server-process.util';

jest.setTimeout(90_000);

/** FIRESTORE_EMULATOR_HOST runs it on your emulator; otherwise on one of its own. */
const givenHost = process.env.FIRESTORE_EMULATOR_HOST;
process.env.METADATA_SERVER_DETECTION = 'none';

let emulator: ServerProcess | undefined;
let client: Firestore;

beforeAll(async () => {
  if (givenHost === undefined) emulator = await startFirestoreEmulator();
  client = firestoreClient(givenHost ?? firestoreEmulatorHost(emulator!.port));
});

afterAll(async () => {
  await client?.terminate();
  await emulator?.stop();
});

describeExpiredSweep('firestore (emulator)', async () => {
  const collection = uniqueCollection('sweep');
  return {
    store: new FirestoreStore({ client, collection }),
    count: async () => (await client.collection(collection).select().get()).size,
  };
});
