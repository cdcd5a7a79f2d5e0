import { ElasticsearchStore } from '../../../lib';
import { ELASTICSEARCH_UPDATE_SCRIPT } from '../../../lib/backends/elasticsearch/elasticsearch.conditional-writes';
import { FakeElasticsearch, type EsRequest } from '../../utils/elasticsearch-fake';

/**
 * update and compareAndSet through the official client against the double:
 * what they send, and what happens when another client writes between the
 * GET of a compareAndSet and its conditional index.
 */
let fake: FakeElasticsearch;
let store: ElasticsearchStore;
const key = 'session:race';
const path = `/sessions/_doc/${encodeURIComponent(key)}`;
const sent = (): Omit<EsRequest, 'body'>[] =>
  fake.requests.map(({ method, path, querystring }) => ({ method, path, querystring }));
const stored = () => fake.documents('sessions').get(key) as { data: string } | undefined;
const text = (base64: string | undefined) =>
  base64 === undefined ? undefined : Buffer.from(base64, 'base64').toString();

/** Another client's request, answered just before the store's next conditional index. */
function beforeNextIndex(other: Omit<EsRequest, 'path'>): void {
  fake.beforeRequest = (request) => {
    if (request.method !== 'PUT' || request.querystring.if_seq_no === undefined) return;
    fake.beforeRequest = undefined;
    fake.handle({ ...other, path });
  };
}
const theirs = {
  method: 'PUT',
  querystring: {},
  body: { data: Buffer.from('theirs').toString('base64'), expiresAt: Date.now() + 60_000 },
};
const logout = { method: 'DELETE', querystring: {}, body: undefined };

beforeEach(async () => {
  fake = new FakeElasticsearch();
  store = new ElasticsearchStore({ client: fake.client() });
  await store.set(key, Buffer.from('base'), 60_000);
  fake.requests.length = 0;
});

describe('ElasticsearchStore conditional writes', () => {
  it('update is one scripted _update that never upserts', async () => {
    const before = Date.now();
    expect(await store.update(key, Buffer.from('second'), 60_000)).toBe(true);
    expect(fake.requests).toEqual([
      {
        method: 'POST',
        path: `/sessions/_update/${encodeURIComponent(key)}`,
        querystring: { retry_on_conflict: '5' },
        body: {
          script: {
            source: ELASTICSEARCH_UPDATE_SCRIPT,
            lang: 'painless',
            params: {
              now: expect.any(Number),
              data: Buffer.from('second').toString('base64'),
              expiresAt: expect.any(Number),
            },
          },
        },
      },
    ]);
    const { params } = (fake.requests[0].body as { script: { params: Record<string, number> } })
      .script;
    expect(params.now).toBeGreaterThanOrEqual(before);
    expect(params.expiresAt).toBe(params.now + 60_000);
    expect(fake.documents('sessions').get(key)).toEqual({
      data: Buffer.from('second').toString('base64'),
      expiresAt: params.expiresAt,
    });
    expect(await store.update('session:missing', Buffer.from('x'), 60_000)).toBe(false);
    expect(fake.documents('sessions').has('session:missing')).toBe(false);
  });

  it('compareAndSet is a real-time GET, then an index conditional on what it read', async () => {
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('next'), 60_000)).toBe(
      'stored',
    );
    expect(sent()).toEqual([
      { method: 'GET', path, querystring: {} },
      {
        method: 'PUT',
        path,
        querystring: { if_seq_no: expect.stringMatching(/^\d+$/), if_primary_term: '1' },
      },
    ]);
    expect(text(stored()?.data)).toBe('next');
  });

  it('compareAndSet sends no write when the bytes differ or the document is gone', async () => {
    expect(await store.compareAndSet(key, Buffer.from('other'), Buffer.from('x'), 60_000)).toBe(
      'changed',
    );
    expect(await store.compareAndSet('missing', Buffer.from('x'), Buffer.from('y'), 60_000)).toBe(
      'missing',
    );
    expect(sent().map((request) => request.method)).toEqual(['GET', 'GET']);
  });

  it('compareAndSet says changed when a write lands between its GET and its index', async () => {
    beforeNextIndex(theirs);
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('mine'), 60_000)).toBe(
      'changed',
    );
    expect(text(stored()?.data)).toBe('theirs');
  });

  it('compareAndSet never recreates a document deleted between its GET and its index', async () => {
    beforeNextIndex(logout);
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('mine'), 60_000)).toBe(
      'changed',
    );
    expect(stored()).toBeUndefined();
    expect(await store.compareAndSet(key, Buffer.from('base'), Buffer.from('mine'), 60_000)).toBe(
      'missing',
    );
  });

  it('the double answers 409 to an index or delete whose if_seq_no is not the current one', () => {
    const read = fake.handle({ method: 'GET', path, querystring: {}, body: undefined });
    const { _seq_no: seqNo } = read.body as { _seq_no: number };
    fake.handle({ ...theirs, path });
    const stale = { if_seq_no: String(seqNo), if_primary_term: '1' };
    for (const request of [
      { ...theirs, path, querystring: stale },
      { ...logout, path, querystring: stale },
    ]) {
      const answer = fake.handle(request);
      expect(answer.statusCode).toBe(409);
      expect(answer.body).toMatchObject({ error: { type: 'version_conflict_engine_exception' } });
    }
    expect(text(stored()?.data)).toBe('theirs');
  });

  describe('scripted updates that lose to a concurrent write (run again, as Elasticsearch does)', () => {
    type Source = Record<string, unknown>;
    const race = (...writes: ((source: Source) => Source | undefined)[]) =>
      fake.racingWrites.set(key, writes);
    const touched = (source: Source): Source => ({ ...source, expiresAt: Date.now() + 90_000 });

    it('update wins after as many lost attempts as retry_on_conflict allows', async () => {
      race(...Array.from({ length: 5 }, () => touched));
      expect(await store.update(key, Buffer.from('mine'), 60_000)).toBe(true);
      expect(text(stored()?.data)).toBe('mine');
      expect(fake.requests).toHaveLength(1);
    });

    it('update fails (the request answers 503) when the document keeps changing', async () => {
      race(...Array.from({ length: 6 }, () => touched));
      await expect(store.update(key, Buffer.from('mine'), 60_000)).rejects.toMatchObject({
        body: { error: { type: 'version_conflict_engine_exception' } },
      });
      expect(text(stored()?.data)).toBe('base');
    });

    it('update and touch never recreate a document deleted meanwhile', async () => {
      race(() => undefined);
      expect(await store.update(key, Buffer.from('mine'), 60_000)).toBe(false);
      expect(stored()).toBeUndefined();
      await store.set(key, Buffer.from('base'), 60_000);
      race(() => undefined);
      expect(await store.touch(key, 60_000)).toBe(false);
      expect(stored()).toBeUndefined();
    });

    it('update and touch leave a document that expired meanwhile as it is', async () => {
      // Long expired: the script compares with the `now` the store sent, a little before the race.
      const expired = (source: Source): Source => ({ ...source, expiresAt: 1 });
      race(expired);
      expect(await store.update(key, Buffer.from('mine'), 60_000)).toBe(false);
      expect(text(stored()?.data)).toBe('base');
      race(expired);
      expect(await store.touch(key, 60_000)).toBe(false);
      expect(text(stored()?.data)).toBe('base');
      expect(await store.get(key)).toBeUndefined();
    });
  });

  it('the double runs the script sent, not a known copy: another script does what it says', () => {
    const update = (source: string) =>
      fake.handle({
        method: 'POST',
        path: `/sessions/_update/${encodeURIComponent(key)}`,
        querystring: {},
        body: { script: { source, lang: 'painless', params: { now: 0, data: 'eA==' } } },
      });
    expect(
      update('if (ctx._source.expiresAt < params.now) { ctx._source.data = params.data }'),
    ).toMatchObject({
      statusCode: 200,
      body: { result: 'updated' },
    });
    expect(text(stored()?.data)).toBe('base');
    expect(update("ctx._source.data = params.data; ctx.op = 'index'").statusCode).toBe(200);
    expect(text(stored()?.data)).toBe('x');
    expect(update('ctx._source.data = params.missing.x')).toMatchObject({
      statusCode: 400,
      body: { error: { caused_by: { type: 'script_exception' } } },
    });
    expect(update('if (ctx._source.expiresAt > params.absent) { }')).toMatchObject({
      statusCode: 400,
      body: { error: { caused_by: { type: 'script_exception' } } },
    });
  });
});
