import { describeSessionStoreOutage } from '../../../lib/testing';
import { APP_PLATFORMS } from '../../utils/platforms';
import { firestoreEmulatorHost, startFirestoreEmulator } from '../../utils/firestore-emulator';
import { FIRESTORE_TEST_PROJECT } from '../../utils/firestore-clients';

// The client must never look for cloud credentials or a metadata server here.
process.env.METADATA_SERVER_DETECTION = 'none';
const givenHost = process.env.FIRESTORE_EMULATOR_HOST;
afterAll(() => {
  if (givenHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
  else process.env.FIRESTORE_EMULATOR_HOST = givenHost;
});

// A dedicated npm emulator, stopped and restarted by the test; the module builds its own client.
describeSessionStoreOutage('firestore', {
  start: (port) => startFirestoreEmulator(port),
  options: (port) => {
    // The module's own client finds its server here, as an application's would.
    process.env.FIRESTORE_EMULATOR_HOST = firestoreEmulatorHost(port);
    return { type: 'firestore', projectId: FIRESTORE_TEST_PROJECT };
  },
  // The store's own client retries a connection at least every second (FIRESTORE_FAIL_FAST_SETTINGS).
  recoveryMs: 1500,
  platforms: APP_PLATFORMS,
});
