import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { RedisSessionInterface, RedisStore } from '../../../lib';
import { USER_INDEX_GRACE_MS } from '../../../lib/backends/redis/redis.user-index';
import {
  deleteKeys,
  ready,
  requireStandaloneRedis,
  startRedisCluster,
  STANDALONE_REDIS,
  type RedisClusterProcess,
} from '../../utils/redis-servers';

// Every key this run writes to the shared Redis is under this prefix, and removed afterwards.
const prefix = `nss-users:${randomBytes(6).toString('hex')}:`;
const long = 60_000;
const text = (value: Uint8Array | null | undefined) => value && Buffer.from(value).toString();
const fresh = (name: string) => `${name}-${randomBytes(6).toString('hex')}`;

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

describe('RedisStore user index, standalone', () => {
  it('a write with a user is one script call; without one, the plain commands', async () => {
    const store = new RedisStore(standalone);
    const [key, user] = [fresh('session:one-call'), fresh('alice')];
    await store.set(key, Buffer.from('warm'), long, { user });
    const sent = jest.spyOn(standalone, 'sendCommand');
    try {
      await store.set(key, Buffer.from('a'), long, { user });
      expect(await store.update!(key, Buffer.from('b'), long, { user })).toBe(true);
      expect(
        await store.compareAndSet!(key, Buffer.from('b'), Buffer.from('c'), long, { user }),
      ).toBe('stored');
      await store.set(key, Buffer.from('d'), long);
      const names = sent.mock.calls.map(([command]) => (command as { name: string }).name);
      expect(names).toEqual(['evalsha', 'evalsha', 'evalsha', 'set']);
    } finally {
      sent.mockRestore();
    }
    expect(await standalone.zrange(`session:user:${user}`, 0, -1)).toEqual([key]);
    // No TTL: touch moves the session's expiry without knowing its user.
    expect(await standalone.pttl(`session:user:${user}`)).toBe(-1);
  });

  it('update and compareAndSet that write nothing record nothing', async () => {
    const store = new RedisStore(standalone);
    const [key, user] = [fresh('session:unwritten'), fresh('alice')];
    expect(await store.update!(key, Buffer.from('x'), long, { user })).toBe(false);
    expect(
      await store.compareAndSet!(key, Buffer.from('x'), Buffer.from('y'), long, { user }),
    ).toBe('missing');
    await store.set(key, Buffer.from('anonymous'), long);
    expect(
      await store.compareAndSet!(key, Buffer.from('stale'), Buffer.from('y'), long, { user }),
    ).toBe('changed');
    expect(await standalone.exists(`session:user:${user}`)).toBe(0);
    expect(text(await standalone.getBuffer(key))).toBe('anonymous');
  });

  it('RedisSessionInterface keeps the index beside its sessions: keyPrefix + "user:"', async () => {
    const sessions = new RedisSessionInterface(standalone, 'app:', false, true, {});
    const user = fresh('alice');
    await sessions.store.set('app:abc', Buffer.from('x'), long, { user });
    expect(await standalone.zrange(`app:user:${user}`, 0, -1)).toEqual(['app:abc']);
    await sessions.close();
  });
});

describe.each([
  ['standalone', () => standalone],
  ['cluster', () => clusterClient],
])('RedisStore user index, %s', (_, client) => {
  it('writes the index entry first: when it fails, the session is not written', async () => {
    const store = new RedisStore(client());
    const [key, user] = [fresh('session:first'), fresh('alice')];
    // A value of the wrong type makes ZADD fail; a script is not rolled back, so order matters.
    await client().set(`session:user:${user}`, 'not a sorted set');
    await expect(store.set(key, Buffer.from('x'), long, { user })).rejects.toThrow(/WRONGTYPE/);
    expect(await store.get(key)).toBeUndefined();
    await store.set(key, Buffer.from('before'), long);
    await expect(store.update!(key, Buffer.from('x'), long, { user })).rejects.toThrow(/WRONGTYPE/);
    await expect(
      store.compareAndSet!(key, Buffer.from('before'), Buffer.from('x'), long, { user }),
    ).rejects.toThrow(/WRONGTYPE/);
    expect(text(await store.get(key))).toBe('before');
  });

  it('findByUser drops keys of missing sessions from the set, and the set with the last', async () => {
    const store = new RedisStore(client());
    const user = fresh('alice');
    const index = `session:user:${user}`;
    const [live, gone] = [fresh('session:live'), fresh('session:gone')];
    await store.set(live, Buffer.from('live'), long, { user });
    await client().zadd(index, Date.now() - USER_INDEX_GRACE_MS - 1000, gone);
    expect((await store.findByUser!(user)).map((entry) => entry.key)).toEqual([live]);
    expect(await client().zrange(index, 0, -1)).toEqual([live]);
    await store.delete(live);
    await client().zadd(index, Date.now() - USER_INDEX_GRACE_MS - 1000, live);
    expect(await store.findByUser!(user)).toEqual([]);
    expect(await client().exists(index)).toBe(0);
  });

  it('findByUser keeps the key of a session between its two cluster writes, and lists it after', async () => {
    const store = new RedisStore(client());
    const user = fresh('alice');
    const index = `session:user:${user}`;
    const key = fresh('session:in-flight');
    // The first step of a Cluster write: the index entry, its session not written yet.
    await client().zadd(index, Date.now(), key);
    expect(await store.findByUser!(user)).toEqual([]);
    expect(await client().zrange(index, 0, -1)).toEqual([key]);
    await client().set(key, 'landed', 'PX', long);
    expect((await store.findByUser!(user)).map((entry) => [entry.key, text(entry.value)])).toEqual([
      [key, 'landed'],
    ]);
  });
});

it('offers no findByUser over a client that is not ioredis', () => {
  const store = new RedisStore({
    getBuffer: (key) => standalone.getBuffer(key),
    set: (key, value, px, ms) => standalone.set(key, value, px, ms),
    pexpire: (key, ms) => standalone.pexpire(key, ms),
    del: (key) => standalone.del(key),
  });
  expect(store.findByUser).toBeUndefined();
});
