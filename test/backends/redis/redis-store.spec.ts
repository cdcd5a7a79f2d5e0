import { createHash, randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import {
  RedisSessionInterface,
  RedisStore,
  SessionConfigError,
  SessionInterface,
  SessionStore,
  sessionOptionsFromConfig,
  type RedisSessionClient,
} from '../../../lib';
import { createRedisClient } from '../../../lib/backends/redis/redis.client';
import { COMPARE_AND_SET_LUA } from '../../../lib/backends/redis/redis.compare-and-set';
import { describeSessionStore, freePort } from '../../../lib/testing';
import {
  deleteKeys,
  ready,
  requireStandaloneRedis,
  startRedisCluster,
  STANDALONE_REDIS,
  STANDALONE_REDIS_URL,
  type RedisClusterProcess,
} from '../../utils/redis-servers';
import { initSessionApp } from '../../utils/session-app';

// Every key this run writes to the shared Redis is under this prefix, and removed afterwards.
const prefix = `nss-test:${randomBytes(6).toString('hex')}:`;

let standalone: Redis;
let cluster: RedisClusterProcess;
let clusterClient: Cluster;

beforeAll(async () => {
  await requireStandaloneRedis();
  standalone = new Redis({ ...STANDALONE_REDIS, keyPrefix: prefix });
  cluster = await startRedisCluster();
  clusterClient = new Cluster(cluster.nodes);
  await Promise.all([ready(standalone), ready(clusterClient)]);
}, 60_000);

afterAll(async () => {
  standalone?.disconnect();
  clusterClient?.disconnect();
  await cluster?.stop();
  await deleteKeys(prefix);
});

describeSessionStore('redis', async () => ({ store: new RedisStore(standalone) }), {
  deleteExpired: false,
  getAndTouch: true,
  findByUser: true,
});

describeSessionStore('redis cluster', async () => ({ store: new RedisStore(clusterClient) }), {
  deleteExpired: false,
  getAndTouch: true,
  findByUser: true,
});

describe('RedisStore', () => {
  it('writes with SET PX and refreshes with PEXPIRE, leaving the value alone', async () => {
    const store = new RedisStore(standalone);
    await store.set('layout', Buffer.from('v'), 60_000);
    const ttl = await standalone.pttl('layout');
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.touch('layout', 600_000);
    expect(await standalone.pttl('layout')).toBeGreaterThan(599_000);
    expect((await standalone.getBuffer('layout'))!.toString()).toBe('v');
    await store.delete('layout');
    expect(await standalone.exists('layout')).toBe(0);
  });

  it('stores the full key it is given (the session prefix included)', async () => {
    const store = new RedisStore(standalone);
    await store.set('session:abc', Buffer.from('x'), 60_000);
    expect(await standalone.exists('session:abc')).toBe(1);
  });

  it('spreads keys over every master of the cluster', async () => {
    const store = new RedisStore(clusterClient);
    const keys = Array.from({ length: 30 }, (_, i) => `${prefix}spread:${i}`);
    await Promise.all(keys.map((key) => store.set(key, Buffer.from(key), 60_000)));
    const masters = clusterClient.nodes('master');
    expect(masters).toHaveLength(3);
    const sizes = await Promise.all(masters.map((node) => node.dbsize()));
    for (const size of sizes) expect(size).toBeGreaterThan(0);
    for (const key of keys) expect(Buffer.from((await store.get(key))!).toString()).toBe(key);
  });

  it('compareAndSet: of writers on separate connections from one read, exactly one wins', async () => {
    const key = `${prefix}cas-connections`;
    const clients = Array.from({ length: 5 }, () => new Redis(STANDALONE_REDIS));
    try {
      await Promise.all(clients.map((client) => ready(client)));
      const stores = clients.map((client) => new RedisStore(client));
      await stores[0].set(key, Buffer.from('base'), 60_000);
      const read = (await stores[0].get(key))!;
      const outcomes = await Promise.all(
        stores.map((store, i) => store.compareAndSet!(key, read, Buffer.from(`w${i}`), 60_000)),
      );
      expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
      const winner = outcomes.indexOf('stored');
      expect((await clients[0].getBuffer(key))!.toString()).toBe(`w${winner}`);
    } finally {
      for (const client of clients) client.disconnect();
    }
  });

  it('update and compareAndSet are one command each: SET XX, and one script call', async () => {
    const store = new RedisStore(standalone);
    await store.set('one-trip', Buffer.from('a'), 60_000);
    const sent = jest.spyOn(standalone, 'sendCommand');
    try {
      expect(await store.update!('one-trip', Buffer.from('b'), 60_000)).toBe(true);
      expect(
        await store.compareAndSet!('one-trip', Buffer.from('b'), Buffer.from('c'), 60_000),
      ).toBe('stored');
      expect(
        await store.compareAndSet!('one-trip', Buffer.from('c'), Buffer.from('d'), 60_000),
      ).toBe('stored');
      const names = sent.mock.calls.map(([command]) => (command as { name: string }).name);
      // ioredis sends the script in full the first time on a connection, then by SHA.
      expect(names[0]).toBe('set');
      expect((sent.mock.calls[0][0] as { args: unknown[] }).args).toContain('XX');
      expect(names.slice(1)).toHaveLength(2);
      expect(names[2]).toBe('evalsha');
    } finally {
      sent.mockRestore();
    }
  });

  it('compareAndSet runs a script the cluster nodes keep by SHA, and one they lost is sent again', async () => {
    const store = new RedisStore(clusterClient);
    const sha = createHash('sha1').update(COMPARE_AND_SET_LUA).digest('hex');
    const masters = clusterClient.nodes('master');
    const loaded = async () =>
      (await Promise.all(masters.map((node) => node.script('EXISTS', sha)))).flat();
    // Enough keys that every master holds some.
    const keys = Array.from({ length: 48 }, (_, i) => `${prefix}cas-sha:${i}`);
    const casAll = async (from: string, to: string) => {
      await Promise.all(keys.map((k) => store.set(k, Buffer.from(from), 60_000)));
      return Promise.all(
        keys.map((k) => store.compareAndSet!(k, Buffer.from(from), Buffer.from(to), 60_000)),
      );
    };
    expect(new Set(await casAll('a', 'b'))).toEqual(new Set(['stored']));
    expect(await loaded()).toEqual([1, 1, 1]);
    await Promise.all(masters.map((node) => node.script('FLUSH')));
    expect(new Set(await casAll('b', 'c'))).toEqual(new Set(['stored']));
    expect(await loaded()).toEqual([1, 1, 1]);
    for (const k of keys) expect((await store.get(k))!.toString()).toBe('c');
  });

  it('offers no conditional writes over a client that is not ioredis (it may drop SET XX)', () => {
    const store = new RedisStore({
      getBuffer: (key) => standalone.getBuffer(key),
      set: (key, value, px, ms) => standalone.set(key, value, px, ms),
      pexpire: (key, ms) => standalone.pexpire(key, ms),
      del: (key) => standalone.del(key),
    });
    expect(store.update).toBeUndefined();
    expect(store.compareAndSet).toBeUndefined();
    expect(new RedisStore(standalone).compareAndSet).toBeInstanceOf(Function);
  });

  it('leaves a client it was given open on close()', async () => {
    const store = new RedisStore(standalone);
    await store.close();
    expect(standalone.status).toBe('ready');
    expect(await standalone.ping()).toBe('PONG');
  });
});

describe('createRedisClient', () => {
  it('connects, and the store that owns it closes it', async () => {
    const client = await createRedisClient({ url: STANDALONE_REDIS_URL });
    const store = new RedisStore(client, { ownsClient: true });
    const key = `${prefix}owned`;
    await store.set(key, Buffer.from('owned'), 60_000);
    expect(Buffer.from((await store.get(key))!).toString()).toBe('owned');
    await store.close();
    expect(client.status).toBe('end');
  });

  it('fails fast while the server is down, without queueing commands', async () => {
    const port = await freePort();
    const client = await createRedisClient({ port }, 2000);
    const store = new RedisStore(client, { ownsClient: true });
    try {
      const started = Date.now();
      await expect(store.get('x')).rejects.toThrow();
      await expect(store.set('x', Buffer.from('x'), 1000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      await store.close();
    }
  });
});

describe('RedisSessionInterface', () => {
  it('takes Flask-Session constructor parameters and leaves the client open', async () => {
    class Probe extends RedisSessionInterface {
      readonly resolved = this.settings;
    }
    const sessions = new Probe(standalone, 'app:', true, false, { secret: 's'.repeat(32) });
    expect(sessions.store).toBeInstanceOf(RedisStore);
    expect(sessions.resolved).toMatchObject({
      keyPrefix: 'app:',
      useSigner: true,
      permanent: false,
    });
    await sessions.close();
    expect(standalone.status).toBe('ready');
  });

  it('rejects bad options at startup, naming the key', async () => {
    await expect(RedisSessionInterface.fromOptions({ url: 'http://x' })).rejects.toThrow(
      'url (SESSION_REDIS)',
    );
    await expect(RedisSessionInterface.fromOptions({ port: 70000 })).rejects.toThrow(
      'port (SESSION_REDIS_PORT)',
    );
    await expect(
      RedisSessionInterface.fromOptions({ client: {} as RedisSessionClient }),
    ).rejects.toThrow(SessionConfigError);
  });
});

describe('redis from Flask config keys', () => {
  it.each([
    ['SESSION_REDIS', { SESSION_REDIS: STANDALONE_REDIS_URL }],
    ['SESSION_REDIS_HOST/PORT', { SESSION_REDIS_HOST: '127.0.0.1', SESSION_REDIS_PORT: '6379' }],
  ])('builds a working store from %s', async (_, keys) => {
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'redis',
      SESSION_KEY_PREFIX: `${prefix}config:`,
      ...keys,
    });
    const app = await initSessionApp(options);
    const sessions = app.get(SessionInterface);
    expect(sessions).toBeInstanceOf(RedisSessionInterface);
    const store = app.get<RedisStore>(SessionStore);
    const key = `${prefix}config:roundtrip`;
    await store.set(key, Buffer.from('from config'), 60_000);
    expect((await standalone.getBuffer('config:roundtrip'))!.toString()).toBe('from config');
    await app.close();
    // The module opened this client, so it closed it.
    expect(store.client.status).toBe('end');
  });
});
