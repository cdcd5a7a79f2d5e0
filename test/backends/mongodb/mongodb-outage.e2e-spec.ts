import { describeSessionStoreOutage } from '../../../lib/testing';
import { APP_PLATFORMS } from '../../utils/platforms';
import { startMongoDBServer } from '../../utils/mongodb-server';

// A dedicated CongoDB, stopped and restarted by the test (it keeps data in memory, so a restart
// loses the sessions); the module opens its own mongoose connection.
describeSessionStoreOutage('mongodb', {
  start: (port) => startMongoDBServer(port),
  options: (port) => ({ type: 'mongodb', url: `mongodb://127.0.0.1:${port}` }),
  // The driver checks a server it lost at most every 500 ms while operations wait for it.
  recoveryMs: 1000,
  platforms: APP_PLATFORMS,
});
