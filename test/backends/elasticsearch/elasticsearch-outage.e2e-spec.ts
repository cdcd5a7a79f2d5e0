import { randomBytes } from 'node:crypto';
import { describeSessionStoreOutage } from '../../../lib/testing';
import { FakeElasticsearch } from '../../utils/elasticsearch-fake';
import { APP_PLATFORMS } from '../../utils/platforms';
import { startProxiedDouble } from '../../utils/proxied-double';

// The HTTP double behind a proxy that is cut (stopped) or holds every byte (hung).
describeSessionStoreOutage('elasticsearch (double over HTTP)', {
  start: (port) =>
    startProxiedDouble(async () => {
      const server = await new FakeElasticsearch().listen();
      return { port: Number(new URL(server.url).port), close: () => server.close() };
    }, port),
  options: (port) => ({
    type: 'elasticsearch',
    node: `http://127.0.0.1:${port}`,
    index: `sessions-outage-${randomBytes(6).toString('hex')}`,
  }),
  recoveryMs: 0,
  platforms: APP_PLATFORMS,
});
