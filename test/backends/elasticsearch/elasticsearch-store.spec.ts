import { Client } from '@elastic/elasticsearch';
import { randomBytes } from 'node:crypto';
import {
  ELASTICSEARCH_SESSION_MAPPINGS,
  ElasticsearchStore,
  type ElasticsearchClientLike,
} from '../../../lib';
import { ELASTICSEARCH_TOUCH_SCRIPT } from '../../../lib/backends/elasticsearch/elasticsearch.conditional-writes';
import { describeSessionStore, freePort } from '../../../lib/testing';
import { FakeElasticsearch, type EsRequest } from '../../utils/elasticsearch-fake';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Set ELASTICSEARCH_URL (e.g. http://127.0.0.1:9200) to run the contract suite on a real server. */
const realUrl = process.env.ELASTICSEARCH_URL;
const uniqueIndex = () => `sessions-test-${randomBytes(6).toString('hex')}`;

describeSessionStore(
  realUrl ? `elasticsearch (${realUrl})` : 'elasticsearch (in-memory double through the client)',
  async () => {
    const index = uniqueIndex();
    if (!realUrl) {
      const client = new FakeElasticsearch().client();
      const store = new ElasticsearchStore({ client, index, indexUsers: true });
      return { store };
    }
    const client = new Client({ node: realUrl, requestTimeout: 10_000 });
    return {
      store: new ElasticsearchStore({ client, index, indexUsers: true }),
      cleanup: async () => {
        await client.indices.delete({ index }, { ignore: [404] });
        await client.close();
      },
    };
  },
  // deleteExpired's query sees a document once a refresh (every second) made it searchable:
  // entries expire after 600 ms and are checked 1.3 s after being written.
  { shortTtlMs: 600, findByUser: true },
);

describe('ElasticsearchStore requests', () => {
  let fake: FakeElasticsearch;
  let store: ElasticsearchStore;
  const key = 'session:abc/d+e';
  const encodedId = encodeURIComponent(key);
  const sent = (): Omit<EsRequest, 'body'>[] =>
    fake.requests.map(({ method, path, querystring }) => ({ method, path, querystring }));

  beforeEach(() => {
    fake = new FakeElasticsearch();
    store = new ElasticsearchStore({ client: fake.client() });
  });

  it('creates the index with an explicit mapping before the first call, once', async () => {
    expect(await store.get(key)).toBeUndefined();
    await store.get(key);
    expect(fake.requests).toEqual([
      { method: 'HEAD', path: '/sessions', querystring: {}, body: undefined },
      {
        method: 'PUT',
        path: '/sessions',
        querystring: {},
        body: {
          mappings: {
            dynamic: 'strict',
            properties: {
              data: { type: 'binary' },
              expiresAt: { type: 'date', format: 'epoch_millis' },
            },
          },
        },
      },
      { method: 'GET', path: `/sessions/_doc/${encodedId}`, querystring: {}, body: undefined },
      { method: 'GET', path: `/sessions/_doc/${encodedId}`, querystring: {}, body: undefined },
    ]);
    expect(fake.mapping('sessions')).toEqual(ELASTICSEARCH_SESSION_MAPPINGS);
  });

  it('leaves an existing index as it is', async () => {
    const client = fake.client();
    await client.indices.create({ index: 'mine', mappings: ELASTICSEARCH_SESSION_MAPPINGS });
    fake.requests.length = 0;
    await new ElasticsearchStore({ client, index: 'mine' }).get(key);
    expect(sent()).toEqual([
      { method: 'HEAD', path: '/mine', querystring: {} },
      { method: 'GET', path: `/mine/_doc/${encodedId}`, querystring: {} },
    ]);
  });

  it('accepts an index another process created between its check and its create', async () => {
    fake.beforeRequest = (request) => {
      if (request.method === 'PUT' && request.path === '/sessions') {
        fake.beforeRequest = undefined;
        fake.handle({ ...request, body: { mappings: ELASTICSEARCH_SESSION_MAPPINGS } });
      }
    };
    await store.set(key, Buffer.from('x'), 60_000);
    expect(Buffer.from((await store.get(key))!).toString()).toBe('x');
  });

  it('writes one document {data: base64, expiresAt: epoch ms} without waiting for a refresh', async () => {
    await store.get('warm-up');
    fake.requests.length = 0;
    const before = Date.now();
    await store.set(key, Uint8Array.from([0, 1, 254, 255]), 60_000);
    const [request] = fake.requests;
    expect(fake.requests).toHaveLength(1);
    expect(request).toEqual({
      method: 'PUT',
      path: `/sessions/_doc/${encodedId}`,
      querystring: {},
      body: { data: 'AAH+/w==', expiresAt: expect.any(Number) },
    });
    const { expiresAt } = request.body as { expiresAt: number };
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(fake.documents('sessions').get(key)).toEqual({ data: 'AAH+/w==', expiresAt });
  });

  it('reads a live document with one real-time GET', async () => {
    await store.set(key, Buffer.from('hello'), 60_000);
    fake.requests.length = 0;
    expect(Buffer.from((await store.get(key))!).toString()).toBe('hello');
    expect(sent()).toEqual([
      { method: 'GET', path: `/sessions/_doc/${encodedId}`, querystring: {} },
    ]);
  });

  it('deletes an expired document on read, only if it is still the version it read', async () => {
    await store.set(key, Buffer.from('old'), 50);
    await sleep(80);
    fake.requests.length = 0;
    expect(await store.get(key)).toBeUndefined();
    expect(sent()).toEqual([
      { method: 'GET', path: `/sessions/_doc/${encodedId}`, querystring: {} },
      {
        method: 'DELETE',
        path: `/sessions/_doc/${encodedId}`,
        querystring: { if_seq_no: expect.stringMatching(/^\d+$/), if_primary_term: '1' },
      },
    ]);
    expect(fake.documents('sessions').has(key)).toBe(false);
  });

  it('keeps a document rewritten between the expired read and its delete', async () => {
    await store.set(key, Buffer.from('old'), 50);
    await sleep(80);
    // Another request writes the same id just before the delete arrives.
    fake.beforeRequest = (request) => {
      if (request.method !== 'DELETE') return;
      fake.beforeRequest = undefined;
      fake.handle({
        method: 'PUT',
        path: `/sessions/_doc/${encodedId}`,
        querystring: {},
        body: { data: Buffer.from('new').toString('base64'), expiresAt: Date.now() + 60_000 },
      });
    };
    expect(await store.get(key)).toBeUndefined();
    expect(Buffer.from((await store.get(key))!).toString()).toBe('new');
  });

  it('touches with one scripted update that leaves expired and missing documents alone', async () => {
    await store.set(key, Buffer.from('kept'), 60_000);
    fake.requests.length = 0;
    const before = Date.now();
    await store.touch(key, 120_000);
    expect(fake.requests).toEqual([
      {
        method: 'POST',
        path: `/sessions/_update/${encodedId}`,
        querystring: { retry_on_conflict: '5' },
        body: {
          script: {
            source: ELASTICSEARCH_TOUCH_SCRIPT,
            lang: 'painless',
            params: { now: expect.any(Number), expiresAt: expect.any(Number) },
          },
        },
      },
    ]);
    const { params } = (fake.requests[0].body as { script: { params: Record<string, number> } })
      .script;
    expect(params.now).toBeGreaterThanOrEqual(before);
    expect(params.expiresAt).toBe(params.now + 120_000);
    expect(fake.documents('sessions').get(key)).toEqual({
      data: Buffer.from('kept').toString('base64'),
      expiresAt: params.expiresAt,
    });
    await expect(store.touch('missing', 1000)).resolves.toBe(false);
  });

  it('deletes by id, and a missing id is fine', async () => {
    await store.set(key, Buffer.from('x'), 60_000);
    fake.requests.length = 0;
    await store.delete(key);
    await store.delete(key);
    expect(sent()).toEqual([
      { method: 'DELETE', path: `/sessions/_doc/${encodedId}`, querystring: {} },
      { method: 'DELETE', path: `/sessions/_doc/${encodedId}`, querystring: {} },
    ]);
  });

  it('removes expired documents with one delete-by-query that skips conflicts', async () => {
    fake = new FakeElasticsearch(0);
    store = new ElasticsearchStore({ client: fake.client() });
    await store.set('dead', Buffer.from('x'), 10);
    await store.set('live', Buffer.from('y'), 60_000);
    await sleep(30);
    fake.requests.length = 0;
    const before = Date.now();
    expect(await store.deleteExpired()).toBe(1);
    expect(fake.requests).toEqual([
      {
        method: 'POST',
        path: '/sessions/_delete_by_query',
        querystring: { conflicts: 'proceed' },
        body: { query: { range: { expiresAt: { lte: expect.any(Number) } } } },
      },
    ]);
    const { lte } = (fake.requests[0].body as { query: { range: { expiresAt: { lte: number } } } })
      .query.range.expiresAt;
    expect(lte).toBeGreaterThanOrEqual(before);
    expect([...fake.documents('sessions').keys()]).toEqual(['live']);
  });

  it('creates the index again when it was deleted behind its back', async () => {
    await store.set(key, Buffer.from('x'), 60_000);
    fake.deleteIndex('sessions');
    expect(await store.get(key)).toBeUndefined();
    await store.set(key, Buffer.from('y'), 60_000);
    expect(fake.mapping('sessions')).toEqual(ELASTICSEARCH_SESSION_MAPPINGS);
  });

  it('surfaces server errors instead of hiding them', async () => {
    const client = fake.client();
    await client.indices.create({
      index: 'narrow',
      mappings: { dynamic: 'strict', properties: { data: { type: 'binary' } } },
    });
    const narrow = new ElasticsearchStore({ client, index: 'narrow' });
    await expect(narrow.set(key, Buffer.from('x'), 1000)).rejects.toThrow(
      /strict_dynamic_mapping_exception/,
    );
  });
});

describe('ElasticsearchStore connections', () => {
  it('fails fast when nothing listens at the node', async () => {
    const store = new ElasticsearchStore({ node: `http://127.0.0.1:${await freePort()}` });
    const started = Date.now();
    await expect(store.get('session:x')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    await store.close();
  });

  it('closes the client it built, and only that one', async () => {
    const fake = new FakeElasticsearch();
    const server = await fake.listen();
    try {
      const own = new ElasticsearchStore({ node: server.url, index: 'own' });
      await own.set('k', Buffer.from('v'), 60_000);
      expect(server.openConnections()).toBeGreaterThan(0);
      await own.close();
      await sleep(50);
      expect(server.openConnections()).toBe(0);

      const client = new Client({ node: server.url });
      const given = new ElasticsearchStore({ client, index: 'given' });
      await given.set('k', Buffer.from('v'), 60_000);
      await given.close();
      // The caller's client still works.
      expect((await client.get({ index: 'given', id: 'k' })).found).toBe(true);
      await client.close();
    } finally {
      await server.close();
    }
  });

  it('accepts an official client as its structural client type', () => {
    const client: ElasticsearchClientLike = new Client({ node: 'http://localhost:9200' });
    expect(typeof client.deleteByQuery).toBe('function');
    return client.close();
  });
});
