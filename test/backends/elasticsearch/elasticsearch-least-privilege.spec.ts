import { Logger } from '@nestjs/common';
import { ELASTICSEARCH_SESSION_MAPPINGS, ElasticsearchStore } from '../../../lib';
import { FakeElasticsearch, type EsRequest } from '../../utils/elasticsearch-fake';

/** An index-scoped API key: documents only, no index management (`HEAD` / `PUT /<index>`). */
const indexManagement = (request: EsRequest) =>
  request.path.split('/').filter(Boolean).length === 1 &&
  (request.method === 'HEAD' || request.method === 'PUT');

describe('Elasticsearch with rights to documents only', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('reads and writes sessions in an existing index, warning once', async () => {
    const fake = new FakeElasticsearch();
    const client = fake.client();
    await client.indices.create({
      index: 'app-sessions',
      mappings: ELASTICSEARCH_SESSION_MAPPINGS,
    });
    fake.forbid = indexManagement;
    const store = new ElasticsearchStore({ client, index: 'app-sessions' });
    await store.set('k', Buffer.from('one'), 60_000);
    expect(Buffer.from((await store.get('k'))!).toString()).toBe('one');
    expect(await store.update('k', Buffer.from('two'), 60_000)).toBe(true);
    expect(await store.touch('k', 60_000)).toBe(true);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/"app-sessions".*view_index_metadata was refused/),
    ]);
  });

  it('may check the index but not create it: warns, and writes still reach an index made later', async () => {
    const fake = new FakeElasticsearch();
    const client = fake.client();
    fake.forbid = (request) => request.method === 'PUT' && indexManagement(request);
    const store = new ElasticsearchStore({ client, index: 'late' });
    await store.get('k');
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/"late".*create_index was refused/),
    ]);
    fake.forbid = undefined;
    await client.indices.create({ index: 'late', mappings: ELASTICSEARCH_SESSION_MAPPINGS });
    fake.forbid = indexManagement;
    await store.set('k', Buffer.from('one'), 60_000);
    expect(Buffer.from((await store.get('k'))!).toString()).toBe('one');
    // The index went missing once, so it was looked up again: that refusal is said too, once.
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringContaining('create_index was refused'),
      expect.stringContaining('view_index_metadata was refused'),
    ]);
  });
});
