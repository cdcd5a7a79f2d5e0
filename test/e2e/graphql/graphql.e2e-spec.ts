import request from 'supertest';
import { onlySessionCookie, startApp, type PathApp } from '../../utils/response-paths';
import { PLATFORMS, type Platform } from '../../utils/platforms';
import { ApolloCartModule, MercuriusCartModule } from './graphql.app';

// Mercurius loads @fastify/static (for GraphiQL's files), which requires an
// ESM-only package that Jest's CommonJS runtime cannot load on Node 20.
jest.mock('@fastify/static', () => ({}));

const DRIVERS = { express: ApolloCartModule, fastify: MercuriusCartModule };

describe.each(PLATFORMS)('@Session() in GraphQL resolvers, over %s', (platform: Platform) => {
  let paths: PathApp;
  const graphql = (query: string, cookie?: string) => {
    const call = request(paths.app.getHttpServer()).post('/graphql').send({ query });
    return cookie ? call.set('Cookie', `session=${cookie}`) : call;
  };

  beforeAll(async () => {
    paths = await startApp(platform, DRIVERS[platform]);
  });

  afterAll(async () => {
    await paths?.app.close();
  });

  it('a query gets the request session and saves it with the HTTP response', async () => {
    const first = await graphql('{ visits }').expect(200);
    expect(first.body).toEqual({ data: { visits: 1 } });
    const cookie = onlySessionCookie(first.headers);
    const second = await graphql('{ visits }', cookie.value).expect(200);
    expect(second.body).toEqual({ data: { visits: 2 } });
    expect(onlySessionCookie(second.headers).value).toBe(cookie.value);
    expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { visits: 2 } });
  });

  it('a mutation with two fields taking the session: one session, saved once, one cookie', async () => {
    const res = await graphql(
      'mutation { a: addItem(item: "apple") b: addItem(item: "pear") }',
    ).expect(200);
    expect(res.body).toEqual({ data: { a: ['apple'], b: ['apple', 'pear'] } });
    const cookie = onlySessionCookie(res.headers);
    expect(await paths.stored(cookie.value)).toEqual({ p: true, d: { items: ['apple', 'pear'] } });
  });
});
