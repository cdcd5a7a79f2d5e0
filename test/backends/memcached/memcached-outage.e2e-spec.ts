import { describeStoreOutage } from '../../suites/store-outage';
import { startMemcached } from '../../utils/memcached-server';

// A dedicated memcached, stopped and restarted by the test.
describeStoreOutage('memcached', {
  start: (port) => startMemcached(port),
  options: (port) => ({ type: 'memcached', servers: `127.0.0.1:${port}` }),
  // memjs connects on demand: the next request after the restart reaches the server.
  recoveryMs: 0,
});
