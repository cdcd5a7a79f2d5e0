import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { describeConcurrency } from '../../suites/concurrency';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { describeUserSessions } from '../../suites/user-sessions';
import {
  deleteKeys,
  ready,
  requireStandaloneRedis,
  startRedisCluster,
  STANDALONE_REDIS_URL,
  type RedisClusterProcess,
} from '../../utils/redis-servers';

// Keys of this run in the shared Redis, removed afterwards.
const keyPrefix = `nss-e2e:${randomBytes(6).toString('hex')}:`;

let cluster: RedisClusterProcess;
let clusterClient: Cluster;

beforeAll(async () => {
  await requireStandaloneRedis();
  cluster = await startRedisCluster();
  clusterClient = new Cluster(cluster.nodes);
  await ready(clusterClient);
}, 60_000);

afterAll(async () => {
  clusterClient?.disconnect();
  await cluster?.stop();
  await deleteKeys(keyPrefix);
});

// The module opens (and closes) its own client from the URL, as SESSION_REDIS=redis://… does.
describeSessionE2E('redis', () => ({ type: 'redis', url: STANDALONE_REDIS_URL, keyPrefix }));
describeSessionFixation('redis', () => ({ type: 'redis', url: STANDALONE_REDIS_URL, keyPrefix }), {
  numRuns: 10,
});
describeConcurrency('redis', () => ({ type: 'redis', url: STANDALONE_REDIS_URL, keyPrefix }), {
  getAndTouch: true,
});
describeUserSessions('redis', () => ({ type: 'redis', url: STANDALONE_REDIS_URL, keyPrefix }));

// A Cluster client of the application's, left open by the module.
describeSessionE2E('redis cluster', () => ({ type: 'redis', client: clusterClient }));
describeSessionFixation('redis cluster', () => ({ type: 'redis', client: clusterClient }), {
  numRuns: 10,
});
describeConcurrency('redis cluster', () => ({ type: 'redis', client: clusterClient }), {
  getAndTouch: true,
});
describeUserSessions('redis cluster', () => ({ type: 'redis', client: clusterClient }));
