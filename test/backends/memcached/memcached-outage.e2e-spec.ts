import { describeSessionStoreOutage } from '../../../lib/testing';
import { APP_PLATFORMS } from '../../utils/platforms';
import { startMemcached } from '../../utils/memcached-server';

// A dedicated memcached, stopped and restarted by the test.
describeSessionStoreOutage('memcached', {
  start: (port) => startMemcached(port),
  options: (port) => ({ type: 'memcached', servers: `127.0.0.1:${port}` }),
  // memjs connects on demand: the next request after the restart reaches the server.
  recoveryMs: 0,
  platforms: APP_PLATFORMS,
});
