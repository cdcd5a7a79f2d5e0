import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { sessionOptionsFromConfig } from '../../../lib';
import { describeConcurrency } from '../../suites/concurrency';
import { describeUserSessions } from '../../suites/user-sessions';
import { describeSessionE2E } from '../../suites/session-e2e';
import { describeSessionFixation } from '../../suites/session-fixation';
import { configApp } from '../../utils/config-app';
import { FakeElasticsearch } from '../../utils/elasticsearch-fake';
import { freePort } from '../../../lib/testing';

/** Set ELASTICSEARCH_URL (e.g. http://127.0.0.1:9200) to run these on a real server. */
const realUrl = process.env.ELASTICSEARCH_URL;
const uniqueIndex = () => `sessions-e2e-${randomBytes(6).toString('hex')}`;

let server: Awaited<ReturnType<FakeElasticsearch['listen']>> | undefined;
let url: string;

beforeAll(async () => {
  if (realUrl) {
    url = realUrl;
    return;
  }
  server = await new FakeElasticsearch().listen();
  url = server.url;
});

afterAll(async () => {
  await server?.close();
});

// The Flask keys only: the module builds its own client and closes it with each app.
const fromFlaskKeys = () =>
  sessionOptionsFromConfig({
    SESSION_TYPE: 'elasticsearch',
    SESSION_ELASTICSEARCH_HOST: url,
    SESSION_ELASTICSEARCH_INDEX: uniqueIndex(),
  });
const serverName = realUrl
  ? `elasticsearch (${realUrl})`
  : 'elasticsearch (in-memory double over HTTP)';
describeSessionE2E(serverName, fromFlaskKeys);
describeSessionFixation(serverName, fromFlaskKeys, { numRuns: 10 });
describeConcurrency(serverName, fromFlaskKeys);
describeUserSessions(serverName, fromFlaskKeys);

describe('elasticsearch configuration', () => {
  const apps = configApp();
  const { open } = apps;

  it('maps the Flask keys', () => {
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'elasticsearch',
        SESSION_ELASTICSEARCH_HOST: 'http://es.internal:9200',
        SESSION_ELASTICSEARCH_INDEX: 'flask_sessions',
        SESSION_KEY_PREFIX: 'app1:',
      }),
    ).toEqual({
      type: 'elasticsearch',
      node: 'http://es.internal:9200',
      index: 'flask_sessions',
      keyPrefix: 'app1:',
    });
    // SESSION_ELASTICSEARCH is a URL or a client.
    expect(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'elasticsearch',
        SESSION_ELASTICSEARCH: 'https://es.internal:9243',
      }),
    ).toEqual({ type: 'elasticsearch', node: 'https://es.internal:9243' });
  });

  it('stores sessions where the keys say, and closes the client it built', async () => {
    const local = new FakeElasticsearch();
    const http = await local.listen();
    try {
      await open(
        sessionOptionsFromConfig({
          SESSION_TYPE: 'elasticsearch',
          SESSION_ELASTICSEARCH_HOST: http.url,
          SESSION_ELASTICSEARCH_INDEX: 'flask_sessions',
          SESSION_KEY_PREFIX: 'app1:',
        }),
      );
      const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
      expect(local.mapping('flask_sessions')).toEqual({
        dynamic: 'strict',
        properties: {
          data: { type: 'binary' },
          expiresAt: { type: 'date', format: 'epoch_millis' },
        },
      });
      const doc = local.documents('flask_sessions').get(`app1:${res.body.sid}`);
      expect(JSON.parse(Buffer.from(doc!.data as string, 'base64').toString())).toMatchObject({
        d: { count: 1 },
      });
      expect(http.openConnections()).toBeGreaterThan(0);
      await apps.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(http.openConnections()).toBe(0);
    } finally {
      await http.close();
    }
  });

  it('uses a client passed as SESSION_ELASTICSEARCH and leaves it open', async () => {
    const client = new FakeElasticsearch().client();
    const options = sessionOptionsFromConfig({
      get: (key: string) => ({ SESSION_TYPE: 'elasticsearch', SESSION_ELASTICSEARCH: client })[key],
    });
    await open(options);
    const res = await request(apps.app.getHttpServer()).get('/count').expect(200);
    await apps.close();
    const found = await client.get({ index: 'sessions', id: `session:${res.body.sid}` });
    expect(found.found).toBe(true);
  });

  it.each([
    [{ SESSION_ELASTICSEARCH_HOST: 'localhost:9200' }, 'SESSION_ELASTICSEARCH_HOST'],
    [{ SESSION_ELASTICSEARCH_INDEX: 'Sessions' }, 'SESSION_ELASTICSEARCH_INDEX'],
    [{ SESSION_ELASTICSEARCH_INDEX: '_sessions' }, 'SESSION_ELASTICSEARCH_INDEX'],
  ])('refuses %j at startup, naming the key', async (config, key) => {
    await apps.expectRefused({ SESSION_TYPE: 'elasticsearch', ...config }, key);
  });

  it('refuses an object that is not a client, naming the key', async () => {
    const options = sessionOptionsFromConfig({
      get: (key: string) =>
        ({ SESSION_TYPE: 'elasticsearch', SESSION_ELASTICSEARCH: { node: 'x' } })[key],
    });
    await expect(open(options)).rejects.toThrow(/SESSION_ELASTICSEARCH\b.*Client/);
  });

  it('answers 503 at once when the server is down, and other routes keep working', async () => {
    await open(
      sessionOptionsFromConfig({
        SESSION_TYPE: 'elasticsearch',
        SESSION_ELASTICSEARCH_HOST: `http://127.0.0.1:${await freePort()}`,
      }),
    );
    const started = Date.now();
    const res = await request(apps.app.getHttpServer()).get('/count').expect(503);
    expect(res.body.message).toBe('Session store unavailable');
    expect(Date.now() - started).toBeLessThan(1000);
    await request(apps.app.getHttpServer()).get('/plain').expect(200);
  });
});
