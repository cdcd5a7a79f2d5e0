import { Logger } from '@nestjs/common';
import {
  ELASTICSEARCH_SESSION_MAPPINGS,
  ELASTICSEARCH_USER_SESSION_MAPPINGS,
  ElasticsearchSessionInterface,
  ElasticsearchStore,
  SessionConfigError,
} from '../../../lib';
import { ELASTICSEARCH_UPDATE_USER_SCRIPT } from '../../../lib/backends/elasticsearch/elasticsearch.user-index';
import { FakeElasticsearch, type EsRequest } from '../../utils/elasticsearch-fake';

/**
 * The `user` field (`userKey`) through the official client against the double:
 * the mapping at startup, the field written by the same request as the value,
 * and `findByUser` as refresh, term search, real-time mget.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const key = 'session:u/1';
const encodedId = encodeURIComponent(key);

let fake: FakeElasticsearch;
let store: ElasticsearchStore;
let warn: jest.SpyInstance;
const sent = (): Omit<EsRequest, 'body'>[] =>
  fake.requests.map(({ method, path, querystring }) => ({ method, path, querystring }));
const listed = async (user: string, from = store) =>
  (await from.findByUser(user)).map((entry) => [entry.key, Buffer.from(entry.value).toString()]);

beforeEach(() => {
  fake = new FakeElasticsearch();
  store = new ElasticsearchStore({ client: fake.client(), indexUsers: true });
  warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());

describe('ElasticsearchStore user index: the mapping', () => {
  it('creates a missing index with the user keyword in its mapping, in the create request', async () => {
    await store.get(key);
    expect(fake.requests.slice(0, 2)).toEqual([
      { method: 'HEAD', path: '/sessions', querystring: {}, body: undefined },
      {
        method: 'PUT',
        path: '/sessions',
        querystring: {},
        body: { mappings: { ...ELASTICSEARCH_USER_SESSION_MAPPINGS } },
      },
    ]);
    expect(sent()).toHaveLength(3);
    expect(fake.mapping('sessions')).toEqual({
      dynamic: 'strict',
      properties: {
        data: { type: 'binary' },
        expiresAt: { type: 'date', format: 'epoch_millis' },
        user: { type: 'keyword' },
      },
    });
  });

  it('adds the user keyword to an existing index with one put-mapping, then writes users to it', async () => {
    const client = fake.client();
    await client.indices.create({ index: 'old', mappings: ELASTICSEARCH_SESSION_MAPPINGS });
    await client.index({
      index: 'old',
      id: 'session:before',
      document: { data: 'eA==', expiresAt: Date.now() + 60_000 },
    });
    fake.requests.length = 0;
    const upgraded = new ElasticsearchStore({ client, index: 'old', indexUsers: true });
    await upgraded.set(key, Buffer.from('x'), 60_000, { user: 'alice' });
    expect(fake.requests.slice(0, 2)).toEqual([
      { method: 'HEAD', path: '/old', querystring: {}, body: undefined },
      {
        method: 'PUT',
        path: '/old/_mapping',
        querystring: {},
        body: { properties: { user: { type: 'keyword' } } },
      },
    ]);
    expect(fake.mapping('old')).toEqual(ELASTICSEARCH_USER_SESSION_MAPPINGS);
    expect(await listed('alice', upgraded)).toEqual([[key, 'x']]);
    // Documents written before keep working.
    expect(Buffer.from((await upgraded.get('session:before'))!).toString()).toBe('x');
  });

  it('fails with a SessionConfigError when the index maps user as something else', async () => {
    const client = fake.client();
    await client.indices.create({
      index: 'clash',
      mappings: {
        dynamic: 'strict',
        properties: { ...ELASTICSEARCH_SESSION_MAPPINGS.properties, user: { type: 'text' } },
      },
    } as never);
    const clashing = new ElasticsearchStore({ client, index: 'clash', indexUsers: true });
    const failure = clashing.get(key);
    await expect(failure).rejects.toBeInstanceOf(SessionConfigError);
    await expect(clashing.get(key)).rejects.toThrow(
      /"clash" has a field "user" that is not a keyword/,
    );
  });

  it('warns once when put-mapping is refused, as for the other setup steps', async () => {
    const client = fake.client();
    await client.indices.create({ index: 'given', mappings: ELASTICSEARCH_USER_SESSION_MAPPINGS });
    fake.forbid = (request) => request.path === '/given/_mapping';
    const limited = new ElasticsearchStore({ client, index: 'given', indexUsers: true });
    await limited.set(key, Buffer.from('x'), 60_000, { user: 'alice' });
    await limited.set(key, Buffer.from('y'), 60_000, { user: 'alice' });
    expect(await listed('alice', limited)).toEqual([[key, 'y']]);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/"given".*manage was refused.*PUT \/given\/_mapping/),
    ]);
  });

  it('without indexUsers: the mapping and documents stay as before userKey', async () => {
    const plain = new ElasticsearchStore({ client: fake.client() });
    await plain.set(key, Buffer.from('x'), 60_000, { user: 'alice' });
    await plain.update(key, Buffer.from('y'), 60_000, { user: 'alice' });
    expect(fake.mapping('sessions')).toEqual(ELASTICSEARCH_SESSION_MAPPINGS);
    expect(Object.keys(fake.documents('sessions').get(key)!).sort()).toEqual(['data', 'expiresAt']);
    expect(sent().some((request) => request.path.endsWith('/_mapping'))).toBe(false);
  });

  it('the interface indexes users exactly when userKey is set', async () => {
    const client = fake.client();
    const indexed = ElasticsearchSessionInterface.fromOptions({ client, userKey: 'userId' });
    const plain = ElasticsearchSessionInterface.fromOptions({ client });
    try {
      expect((indexed.store as ElasticsearchStore).indexUsers).toBe(true);
      expect((plain.store as ElasticsearchStore).indexUsers).toBe(false);
    } finally {
      // Stops their background sweeps, which would outlive the test file.
      await Promise.all([indexed.close(), plain.close()]);
    }
  });
});

describe('ElasticsearchStore user index: writes', () => {
  beforeEach(async () => {
    await store.get('warm-up');
    fake.requests.length = 0;
  });

  it('set writes the user in the same single index request, without waiting for a refresh', async () => {
    await store.set(key, Buffer.from('x'), 60_000, { user: 'alice' });
    expect(fake.requests).toEqual([
      {
        method: 'PUT',
        path: `/sessions/_doc/${encodedId}`,
        querystring: {},
        body: { data: 'eA==', expiresAt: expect.any(Number), user: 'alice' },
      },
    ]);
    await store.set(key, Buffer.from('x'), 60_000);
    expect(fake.documents('sessions').get(key)).toMatchObject({ user: null });
  });

  it('update writes the user inside its conditional script; compareAndSet in its conditional index', async () => {
    await store.set(key, Buffer.from('a'), 60_000);
    fake.requests.length = 0;
    expect(await store.update(key, Buffer.from('b'), 60_000, { user: 'alice' })).toBe(true);
    expect(fake.requests).toEqual([
      {
        method: 'POST',
        path: `/sessions/_update/${encodedId}`,
        querystring: { retry_on_conflict: '5' },
        body: {
          script: {
            source: ELASTICSEARCH_UPDATE_USER_SCRIPT,
            lang: 'painless',
            params: {
              now: expect.any(Number),
              data: 'Yg==',
              expiresAt: expect.any(Number),
              user: 'alice',
            },
          },
        },
      },
    ]);
    expect(fake.documents('sessions').get(key)).toMatchObject({ data: 'Yg==', user: 'alice' });
    fake.requests.length = 0;
    expect(
      await store.compareAndSet(key, Buffer.from('b'), Buffer.from('c'), 60_000, { user: 'bob' }),
    ).toBe('stored');
    expect(fake.requests[1]).toMatchObject({
      method: 'PUT',
      querystring: { if_seq_no: expect.any(String), if_primary_term: '1' },
      body: { data: 'Yw==', user: 'bob' },
    });
    expect(await store.update(key, Buffer.from('d'), 60_000)).toBe(true);
    expect(fake.documents('sessions').get(key)).toMatchObject({ data: 'ZA==', user: null });
  });

  it('touch moves the expiry and leaves the user as it is', async () => {
    await store.set(key, Buffer.from('a'), 60_000, { user: 'alice' });
    expect(await store.touch(key, 120_000)).toBe(true);
    expect(fake.documents('sessions').get(key)).toMatchObject({ user: 'alice' });
  });
});

describe('ElasticsearchStore user index: findByUser', () => {
  beforeEach(async () => {
    await store.get('warm-up');
    fake.requests.length = 0;
  });

  it('is a refresh, a term search for ids, then a real-time mget', async () => {
    await store.set(key, Buffer.from('a'), 60_000, { user: 'alice' });
    await store.set('session:other', Buffer.from('b'), 60_000, { user: 'bob' });
    fake.requests.length = 0;
    expect(await listed('alice')).toEqual([[key, 'a']]);
    expect(fake.requests).toEqual([
      { method: 'GET', path: '/sessions/_refresh', querystring: {}, body: undefined },
      {
        method: 'POST',
        path: '/sessions/_search',
        querystring: {},
        body: {
          query: { term: { user: 'alice' } },
          size: 10_000,
          _source: false,
          track_total_hits: true,
        },
      },
      { method: 'POST', path: '/sessions/_mget', querystring: {}, body: { ids: [key] } },
    ]);
    fake.requests.length = 0;
    expect(await listed('nobody')).toEqual([]);
    expect(sent().map((request) => request.path)).toEqual([
      '/sessions/_refresh',
      '/sessions/_search',
    ]);
  });

  it('the double searches near-real-time: a document is invisible to search until a refresh', async () => {
    fake = new FakeElasticsearch(60_000);
    const client = fake.client();
    store = new ElasticsearchStore({ client, indexUsers: true });
    await store.set(key, Buffer.from('a'), 60_000, { user: 'alice' });
    const search = () => client.search({ index: 'sessions', query: { term: { user: 'alice' } } });
    expect((await search()).hits.hits).toEqual([]);
    await client.indices.refresh({ index: 'sessions' });
    expect((await search()).hits.hits.map((hit) => hit._id)).toEqual([key]);
  });

  it('without the right to refresh, warns once and finds a new session only after the refresh interval', async () => {
    // The periodic refresh has just run; the next one is a second away.
    await fake.client().indices.refresh({ index: 'sessions' });
    fake.forbid = (request) => request.path === '/sessions/_refresh';
    await store.set(key, Buffer.from('a'), 60_000, { user: 'alice' });
    expect(await listed('alice')).toEqual([]);
    await sleep(1100);
    expect(await listed('alice')).toEqual([[key, 'a']]);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/"sessions".*maintenance was refused.*may be missed/),
    ]);
  });

  it('never lists a session deleted, expired or given to another user after the search', async () => {
    await store.set('session:deleted', Buffer.from('x'), 60_000, { user: 'alice' });
    await store.set('session:moved', Buffer.from('x'), 60_000, { user: 'alice' });
    await store.set('session:expired', Buffer.from('x'), 60_000, { user: 'alice' });
    await store.set(key, Buffer.from('kept'), 60_000, { user: 'alice' });
    fake.beforeRequest = (request) => {
      if (!request.path.endsWith('/_mget')) return;
      fake.beforeRequest = undefined;
      const doc = (body: object) => ({ method: 'PUT', querystring: {}, body });
      const path = (id: string) => `/sessions/_doc/${encodeURIComponent(id)}`;
      fake.handle({
        method: 'DELETE',
        path: path('session:deleted'),
        querystring: {},
        body: undefined,
      });
      fake.handle({
        ...doc({ data: 'eA==', expiresAt: Date.now() + 60_000, user: 'bob' }),
        path: path('session:moved'),
      });
      fake.handle({
        ...doc({ data: 'eA==', expiresAt: Date.now() - 1, user: 'alice' }),
        path: path('session:expired'),
      });
    };
    expect(await listed('alice')).toEqual([[key, 'kept']]);
  });

  it('reads the current value and expiry, not the searched snapshot', async () => {
    await store.set(key, Buffer.from('first'), 1000, { user: 'alice' });
    await store.findByUser('alice');
    await store.update(key, Buffer.from('second'), 60_000, { user: 'alice' });
    fake.forbid = (request) => request.path === '/sessions/_refresh';
    const [entry] = await store.findByUser('alice');
    expect(Buffer.from(entry.value).toString()).toBe('second');
    expect(entry.expiresAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
  });

  it('lists nothing, and creates the index again later, when the index was deleted behind its back', async () => {
    await store.set(key, Buffer.from('a'), 60_000, { user: 'alice' });
    fake.deleteIndex('sessions');
    expect(await store.findByUser('alice')).toEqual([]);
    await store.set(key, Buffer.from('b'), 60_000, { user: 'alice' });
    expect(fake.mapping('sessions')).toEqual(ELASTICSEARCH_USER_SESSION_MAPPINGS);
    expect(await listed('alice')).toEqual([[key, 'b']]);
  });
});
