import { describeSessionStoreOutage } from '../../../lib/testing';
import { FakeDatastore } from '../../utils/datastore-fake';
import { APP_PLATFORMS } from '../../utils/platforms';
import { startProxiedDouble } from '../../utils/proxied-double';

// The client must never look for cloud credentials or a metadata server here.
process.env.METADATA_SERVER_DETECTION = 'none';
const givenHost = process.env.DATASTORE_EMULATOR_HOST;
afterAll(() => {
  if (givenHost === undefined) delete process.env.DATASTORE_EMULATOR_HOST;
  else process.env.DATASTORE_EMULATOR_HOST = givenHost;
});

// The gRPC double behind a proxy that is cut (stopped) or holds every byte (hung).
describeSessionStoreOutage('datastore (gRPC double)', {
  start: (port) =>
    startProxiedDouble(async () => {
      const server = await new FakeDatastore().listen();
      return { port: Number(server.host.split(':')[1]), close: () => server.close() };
    }, port),
  options: (port) => {
    // The module's own client finds its server here, as an application's would.
    process.env.DATASTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    return { type: 'datastore', projectId: 'outage-project' };
  },
  // gRPC reconnects with a backoff of about a second.
  recoveryMs: 1000,
  platforms: APP_PLATFORMS,
});
