import { MemoryStore } from 'nestjs-server-session';
import { describeSessionStore } from 'nestjs-server-session/testing';

// Through the package's own `./testing` export, as a custom store's test file runs it.
describeSessionStore('memory', () => new MemoryStore(), {
  shortTtlMs: 100,
  findByUser: true,
  // The map itself: `get` drops an expired entry it meets, so only the map shows `deleteExpired` worked.
  holds: (key, store) => (store as unknown as { entries: Map<string, unknown> }).entries.has(key),
});

describe('MemoryStore maxEntries', () => {
  const value = Buffer.from('x');

  it('drops the least recently written session to keep maxEntries', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.set(key, value, 60_000);
    await store.set('a', Buffer.from('rewritten'), 60_000);
    await store.set('d', value, 60_000);
    expect(await store.get('b')).toBeUndefined();
    for (const key of ['a', 'c', 'd']) expect(await store.get(key)).toBeDefined();
  });

  it('drops expired sessions before live ones', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    await store.set('live-old', value, 60_000);
    await store.set('expired', value, 1);
    await store.set('live', value, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.set('new', value, 60_000);
    for (const key of ['live-old', 'live', 'new']) expect(await store.get(key)).toBeDefined();
  });

  it('holds 10,000 by default', async () => {
    const store = new MemoryStore();
    for (let i = 0; i <= 10_000; i++) await store.set(`k${i}`, value, 60_000);
    expect(await store.get('k0')).toBeUndefined();
    expect(await store.get('k1')).toBeDefined();
    expect(await store.get('k10000')).toBeDefined();
  });
});
