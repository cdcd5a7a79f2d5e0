import { randomBytes } from 'node:crypto';
import { Client } from 'memjs';
import {
  MemcachedSessionInterface,
  MemcachedStore,
  SessionConfigError,
  SessionInterface,
  SessionStore,
  SessionTooLargeError,
  sessionOptionsFromConfig,
  type MemcachedSessionClient,
} from '../../../lib';
import { DEFAULT_LIFETIME_MS } from '../../../lib/core/session-settings';
import { createMemcachedClient } from '../../../lib/backends/memcached/memcached.client';
import {
  MEMCACHED_MAX_RELATIVE_EXPIRATION,
  memcachedExpiration,
} from '../../../lib/backends/memcached/memcached.store';
import { describeSessionStore, type ServerProcess } from '../../../lib/testing';
import { memcachedSecondsLeft, startMemcached } from '../../utils/memcached-server';
import { initSessionApp } from '../../utils/session-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DAY = 24 * 3600;

let server: ServerProcess;
let client: Client;

beforeAll(async () => {
  server = await startMemcached();
  client = Client.create(`127.0.0.1:${server.port}`, { logger: { log: () => undefined } });
}, 30_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

const key = () => `test:${randomBytes(9).toString('base64url')}`;

describeSessionStore('memcached', async () => ({ store: new MemcachedStore(client) }), {
  // memcached counts whole seconds: an entry lives its TTL rounded up plus up to two seconds.
  shortTtlMs: 2000,
  largeValueBytes: 1024 * 1024,
  deleteExpired: false,
  getAndTouch: true,
});

describe('memcachedExpiration', () => {
  const now = Date.UTC(2026, 0, 1);

  it('sends lifetimes up to 30 days as seconds from now, rounded up plus one', () => {
    expect(memcachedExpiration(1, now)).toBe(2);
    expect(memcachedExpiration(1000, now)).toBe(2);
    expect(memcachedExpiration(1500, now)).toBe(3);
    expect(memcachedExpiration((MEMCACHED_MAX_RELATIVE_EXPIRATION - 1) * 1000, now)).toBe(
      MEMCACHED_MAX_RELATIVE_EXPIRATION,
    );
  });

  it('sends longer lifetimes (the 31-day default) as an absolute Unix time', () => {
    expect(memcachedExpiration(DEFAULT_LIFETIME_MS, now)).toBe(now / 1000 + 31 * DAY + 1);
    expect(memcachedExpiration(MEMCACHED_MAX_RELATIVE_EXPIRATION * 1000, now)).toBe(
      now / 1000 + MEMCACHED_MAX_RELATIVE_EXPIRATION + 1,
    );
  });
});

describe('MemcachedStore on a real memcached', () => {
  it('keeps a session of the default 31-day lifetime, expiring in 31 days', async () => {
    const store = new MemcachedStore(client);
    const k = key();
    await store.set(k, Buffer.from('kept'), DEFAULT_LIFETIME_MS);
    expect(Buffer.from((await store.get(k))!).toString()).toBe('kept');
    const left = await memcachedSecondsLeft(server.port, k);
    expect(left).toBeGreaterThanOrEqual(31 * DAY - 5);
    expect(left).toBeLessThanOrEqual(31 * DAY + 2);
  });

  it('touch extends a short entry to the default lifetime', async () => {
    const store = new MemcachedStore(client);
    const k = key();
    await store.set(k, Buffer.from('touched'), 1000);
    expect(await memcachedSecondsLeft(server.port, k)).toBeLessThanOrEqual(2);
    await store.touch(k, DEFAULT_LIFETIME_MS);
    expect(await memcachedSecondsLeft(server.port, k)).toBeGreaterThanOrEqual(31 * DAY - 5);
    await sleep(3200);
    expect(Buffer.from((await store.get(k))!).toString()).toBe('touched');
  });

  it('getAndTouch is one GAT: no get or touch, and the entry now lives the default lifetime', async () => {
    const store = new MemcachedStore(client);
    const k = key();
    await store.set(k, Buffer.from('gat'), 1000);
    const get = jest.spyOn(client, 'get');
    const touch = jest.spyOn(client, 'touch');
    try {
      expect(Buffer.from((await store.getAndTouch(k, DEFAULT_LIFETIME_MS))!).toString()).toBe(
        'gat',
      );
      expect(await store.getAndTouch(key(), DEFAULT_LIFETIME_MS)).toBeUndefined();
      expect(get).not.toHaveBeenCalled();
      expect(touch).not.toHaveBeenCalled();
    } finally {
      get.mockRestore();
      touch.mockRestore();
    }
    expect(await memcachedSecondsLeft(server.port, k)).toBeGreaterThanOrEqual(31 * DAY - 5);
  });

  it('getAndTouch falls back to get and touch with a client that is not memjs', async () => {
    const plain = {
      get: (k: string) => client.get(k),
      set: (k: string, v: Buffer, o: { expires: number }) => client.set(k, v, o),
      delete: (k: string) => client.delete(k),
      touch: jest.fn((k: string, expires: number) => client.touch(k, expires)),
    };
    const store = new MemcachedStore(plain);
    const k = key();
    await store.set(k, Buffer.from('plain'), 1000);
    expect(Buffer.from((await store.getAndTouch(k, DEFAULT_LIFETIME_MS))!).toString()).toBe(
      'plain',
    );
    expect(plain.touch).toHaveBeenCalledTimes(1);
    expect(await memcachedSecondsLeft(server.port, k)).toBeGreaterThanOrEqual(31 * DAY - 5);
    expect(await store.getAndTouch(key(), DEFAULT_LIFETIME_MS)).toBeUndefined();
    expect(plain.touch).toHaveBeenCalledTimes(1);
  });

  it('compareAndSet from a value the store read or wrote is one SET with its CAS; from other bytes, GET then SET', async () => {
    const store = new MemcachedStore(client);
    const k = key();
    await store.set(k, Buffer.from('v1'), 60_000);
    const read = (await store.getAndTouch(k, 60_000))!;
    const perform = jest.spyOn(client as unknown as { perform: () => void }, 'perform');
    try {
      const v2 = Buffer.from('v2');
      expect(await store.compareAndSet!(k, read, v2, 60_000)).toBe('stored');
      expect(perform).toHaveBeenCalledTimes(1);
      // What it wrote is known by the CAS the SET answered with: again one round trip.
      expect(await store.compareAndSet!(k, v2, Buffer.from('v3'), 60_000)).toBe('stored');
      expect(perform).toHaveBeenCalledTimes(2);
      perform.mockClear();
      expect(await store.compareAndSet!(k, Buffer.from('v3'), Buffer.from('v4'), 60_000)).toBe(
        'stored',
      );
      expect(perform).toHaveBeenCalledTimes(2);
    } finally {
      perform.mockRestore();
    }
    expect(Buffer.from((await store.get(k))!).toString()).toBe('v4');
  });

  it('compareAndSet: the bytes are the version, so a touch or a rewrite of the same bytes is no conflict', async () => {
    const store = new MemcachedStore(client);
    const k = key();
    await store.set(k, Buffer.from('same'), 60_000);
    const read = (await store.get(k))!;
    await client.touch(k, 120);
    expect(await store.compareAndSet!(k, read, Buffer.from('after touch'), 60_000)).toBe('stored');
    const again = (await store.get(k))!;
    await client.set(k, Buffer.from('after touch'), { expires: 120 });
    expect(await store.compareAndSet!(k, again, Buffer.from('after rewrite'), 60_000)).toBe(
      'stored',
    );
    expect(Buffer.from((await store.get(k))!).toString()).toBe('after rewrite');
  });

  it('compareAndSet: of writers on separate connections, each from its own read, exactly one wins', async () => {
    const clients = Array.from({ length: 5 }, () =>
      Client.create(`127.0.0.1:${server.port}`, { logger: { log: () => undefined } }),
    );
    try {
      const stores = clients.map((c) => new MemcachedStore(c));
      const k = key();
      await stores[0].set(k, Buffer.from('base'), 60_000);
      const reads = await Promise.all(stores.map((store) => store.get(k)));
      const outcomes = await Promise.all(
        stores.map((store, i) => store.compareAndSet!(k, reads[i]!, Buffer.from(`w${i}`), 60_000)),
      );
      expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'changed')).toHaveLength(4);
      const winner = outcomes.indexOf('stored');
      expect(Buffer.from((await stores[0].get(k))!).toString()).toBe(`w${winner}`);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('compareAndSet refuses to write on a memcached without CAS (-C), where it could not be atomic', async () => {
    const noCas = await startMemcached(undefined, ['-C']);
    const noCasClient = Client.create(`127.0.0.1:${noCas.port}`, {
      logger: { log: () => undefined },
    });
    try {
      const store = new MemcachedStore(noCasClient);
      await store.set('k', Buffer.from('base'), 60_000);
      const read = (await store.get('k'))!;
      await expect(store.compareAndSet!('k', read, Buffer.from('x'), 60_000)).rejects.toThrow(
        /without CAS/,
      );
      expect(Buffer.from((await store.get('k'))!).toString()).toBe('base');
    } finally {
      noCasClient.close();
      await noCas.stop();
    }
  });

  it('offers update with a client that has replace, and compareAndSet only with memjs', async () => {
    const plain: MemcachedSessionClient = {
      get: (k) => client.get(k),
      set: (k, v, o) => client.set(k, v, o),
      delete: (k) => client.delete(k),
      touch: (k, expires) => client.touch(k, expires),
    };
    expect(new MemcachedStore(plain).update).toBeUndefined();
    expect(new MemcachedStore(plain).compareAndSet).toBeUndefined();
    const withReplace = new MemcachedStore({
      ...plain,
      replace: (k: string, v: Buffer, o: { expires: number }) => client.replace(k, v, o),
    } as MemcachedSessionClient);
    expect(withReplace.compareAndSet).toBeUndefined();
    const k = key();
    expect(await withReplace.update!(k, Buffer.from('x'), 60_000)).toBe(false);
    await withReplace.set(k, Buffer.from('x'), 60_000);
    expect(await withReplace.update!(k, Buffer.from('y'), 60_000)).toBe(true);
    expect(Buffer.from((await withReplace.get(k))!).toString()).toBe('y');
  });

  it('refuses a too-large value in update and compareAndSet too, keeping the old one', async () => {
    const store = new MemcachedStore(client);
    const k = key();
    await store.set(k, Buffer.from('previous'), 60_000);
    const read = (await store.get(k))!;
    const big = randomBytes(1024 * 1024);
    await expect(store.update!(k, big, 60_000)).rejects.toBeInstanceOf(SessionTooLargeError);
    await expect(store.compareAndSet!(k, read, big, 60_000)).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    expect(Buffer.from((await store.get(k))!).toString()).toBe('previous');
  });

  it('refuses a value above the 1 MiB item limit with SessionTooLargeError, keeping the old one', async () => {
    const store = new MemcachedStore(client);
    const k = key();
    await store.set(k, Buffer.from('previous'), 60_000);
    const error = (await store
      .set(k, randomBytes(1024 * 1024), 60_000)
      .catch((e: unknown) => e)) as SessionTooLargeError;
    expect(error).toBeInstanceOf(SessionTooLargeError);
    expect(error.size).toBe(1024 * 1024);
    expect(error.limit).toBe(1024 * 1024 - Buffer.byteLength(k) - 64);
    expect(error.message).toBe(
      `Session data is ${1024 * 1024} bytes, above the limit of ${error.limit} bytes; it was not saved`,
    );
    expect(Buffer.from((await store.get(k))!).toString()).toBe('previous');
    // Exactly at the limit still fits.
    await store.set(k, Buffer.alloc(error.limit, 7), 60_000);
    expect((await store.get(k))!.byteLength).toBe(error.limit);
  });

  it('honours a larger maxItemSize when memcached runs with a larger -I', async () => {
    const big = await startMemcached(undefined, ['-I', '2m']);
    const bigClient = Client.create(`127.0.0.1:${big.port}`, { logger: { log: () => undefined } });
    try {
      const store = new MemcachedStore(bigClient, { maxItemSize: 2 * 1024 * 1024 });
      const value = randomBytes(1536 * 1024);
      await store.set('big', value, 60_000);
      expect(Buffer.from((await store.get('big'))!).equals(value)).toBe(true);
    } finally {
      bigClient.close();
      await big.stop();
    }
  });

  it('rejects a key longer than memcached accepts', async () => {
    const store = new MemcachedStore(client);
    await expect(store.set('k'.repeat(251), Buffer.from('x'), 1000)).rejects.toThrow(/250 bytes/);
  });

  it('leaves a client it was given open on close()', async () => {
    const store = new MemcachedStore(client);
    await store.close();
    const k = key();
    await store.set(k, Buffer.from('still open'), 60_000);
    expect(Buffer.from((await store.get(k))!).toString()).toBe('still open');
  });

  it('fails fast while the server is down', async () => {
    const down = await startMemcached();
    await down.stop();
    const store = new MemcachedStore(
      await createMemcachedClient({ servers: `127.0.0.1:${down.port}` }, 1000),
      { ownsClient: true },
    );
    const started = Date.now();
    await expect(store.get('x')).rejects.toThrow();
    await expect(store.set('x', Buffer.from('x'), 1000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
    await store.close();
  });
});

describe('MemcachedSessionInterface', () => {
  it('takes Flask-Session constructor parameters and leaves the client open', async () => {
    class Probe extends MemcachedSessionInterface {
      readonly resolved = this.settings;
    }
    const sessions = new Probe(client, 'app:', false, false);
    expect(sessions.store).toBeInstanceOf(MemcachedStore);
    expect(sessions.resolved).toMatchObject({ keyPrefix: 'app:', permanent: false });
    await sessions.close();
    const k = key();
    await sessions.store.set(k, Buffer.from('open'), 60_000);
    expect(await sessions.store.get(k)).toBeDefined();
  });

  it('rejects bad options at startup, naming the key', async () => {
    await expect(
      MemcachedSessionInterface.fromOptions({ servers: 'not a server' }),
    ).rejects.toThrow('servers (SESSION_MEMCACHED)');
    await expect(
      MemcachedSessionInterface.fromOptions({ servers: '127.0.0.1:99999' }),
    ).rejects.toThrow('servers (SESSION_MEMCACHED)');
    await expect(
      MemcachedSessionInterface.fromOptions({ keyPrefix: 'p'.repeat(220) }),
    ).rejects.toThrow('keyPrefix (SESSION_KEY_PREFIX)');
    await expect(MemcachedSessionInterface.fromOptions({ maxItemSize: 10 })).rejects.toThrow(
      'maxItemSize',
    );
    await expect(
      MemcachedSessionInterface.fromOptions({ client: {} as MemcachedSessionClient }),
    ).rejects.toThrow(SessionConfigError);
  });
});

describe('memcached from Flask config keys', () => {
  it('builds a working store from SESSION_MEMCACHED', async () => {
    const options = sessionOptionsFromConfig({
      SESSION_TYPE: 'memcached',
      SESSION_MEMCACHED: `127.0.0.1:${server.port}`,
    });
    const app = await initSessionApp(options);
    expect(app.get(SessionInterface)).toBeInstanceOf(MemcachedSessionInterface);
    const store = app.get<MemcachedStore>(SessionStore);
    expect(store.client).not.toBe(client);
    const k = key();
    await store.set(k, Buffer.from('from config'), DEFAULT_LIFETIME_MS);
    // Written through the module's own client, read back through another one.
    expect((await client.get(k)).value!.toString()).toBe('from config');
    await app.close();
  });
});
