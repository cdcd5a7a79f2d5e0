import { describeSessionStoreOutage } from '../../../lib/testing';
import { APP_PLATFORMS } from '../../utils/platforms';
import { startRedisServer } from '../../utils/redis-servers';

// A dedicated redis-server, stopped and restarted by the test; the module builds its own client.
describeSessionStoreOutage('redis', {
  start: (port) => startRedisServer(port),
  options: (port) => ({ type: 'redis', url: `redis://127.0.0.1:${port}` }),
  // The client reconnects in the background at most every 500 ms.
  recoveryMs: 1000,
  platforms: APP_PLATFORMS,
});
