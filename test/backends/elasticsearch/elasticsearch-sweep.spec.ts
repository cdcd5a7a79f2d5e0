import { randomBytes } from 'node:crypto';
import { ElasticsearchStore } from '../../../lib';
import { describeExpiredSweep } from '../../suites/expired-sweep';
import { FakeElasticsearch } from '../../utils/elasticsearch-fake';

jest.setTimeout(60_000);

describeExpiredSweep('elasticsearch (in-memory double through the client)', async () => {
  const fake = new FakeElasticsearch();
  const index = `sessions-sweep-${randomBytes(6).toString('hex')}`;
  return {
    store: new ElasticsearchStore({ client: fake.client(), index }),
    count: async () => fake.documents(index).size,
  };
});
