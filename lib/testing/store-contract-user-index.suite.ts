import { expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { SessionStore, UserSessionEntry } from '../interfaces';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: Uint8Array) => Buffer.from(value).toString();

/** Keys and current values of what `findByUser` lists, sorted by key. */
async function listed(store: SessionStore, user: string): Promise<[string, string][]> {
  const entries: UserSessionEntry[] = await store.findByUser!(user);
  return entries
    .map((entry): [string, string] => [entry.key, text(entry.value)])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** The contract of `findByUser` (what `userKey` needs), inside {@link describeSessionStore}'s describe. */
export function describeUserIndex(
  storeOf: () => SessionStore,
  key: () => string,
  shortTtl: number,
  timeoutMs: number,
): void {
  const check = (title: string, fn: () => Promise<void>) => it(title, fn, timeoutMs);
  const long = 60_000;
  const user = () => `user-${randomBytes(6).toString('hex')}`;

  check('findByUser lists every entry written with the user, with value and expiry', async () => {
    const store = storeOf();
    const [alice, bob] = [user(), user()];
    const keys = [key(), key(), key()].sort((a, b) => a.localeCompare(b));
    const before = Date.now();
    await store.set(keys[0], Buffer.from('a0'), long, { user: alice });
    await store.set(keys[1], Buffer.from('a1'), long, { user: alice });
    await store.set(keys[2], Buffer.from('b0'), long, { user: bob });
    await store.set(key(), Buffer.from('nobody'), long);
    expect(await listed(store, alice)).toEqual([
      [keys[0], 'a0'],
      [keys[1], 'a1'],
    ]);
    expect(await listed(store, bob)).toEqual([[keys[2], 'b0']]);
    expect(await listed(store, user())).toEqual([]);
    const [entry] = await store.findByUser!(bob);
    expect(entry.expiresAt).toBeInstanceOf(Date);
    // Stores that keep whole seconds may round either way.
    expect(entry.expiresAt.getTime()).toBeGreaterThanOrEqual(before + long - 1000);
    expect(entry.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + long + 1000);
  });

  check('findByUser follows update and compareAndSet, and the value they wrote', async () => {
    const store = storeOf();
    const alice = user();
    const [updated, swapped] = [key(), key()];
    await store.set(updated, Buffer.from('anonymous'), long);
    await store.set(swapped, Buffer.from('anonymous'), long);
    if (store.update) {
      expect(await store.update(updated, Buffer.from('signed in'), long, { user: alice })).toBe(
        true,
      );
    } else {
      await store.set(updated, Buffer.from('signed in'), long, { user: alice });
    }
    if (store.compareAndSet) {
      const read = (await store.get(swapped))!;
      const outcome = await store.compareAndSet(swapped, read, Buffer.from('cas'), long, {
        user: alice,
      });
      expect(outcome).toBe('stored');
    } else {
      await store.set(swapped, Buffer.from('cas'), long, { user: alice });
    }
    expect(await listed(store, alice)).toEqual(
      [
        [updated, 'signed in'],
        [swapped, 'cas'],
      ].sort(([a], [b]) => a.localeCompare(b)),
    );
  });

  check('findByUser never lists a deleted, expired or never-created entry', async () => {
    const store = storeOf();
    const alice = user();
    const [deleted, expired, kept] = [key(), key(), key()];
    await store.set(deleted, Buffer.from('x'), long, { user: alice });
    await store.set(expired, Buffer.from('x'), shortTtl, { user: alice });
    await store.set(kept, Buffer.from('kept'), long, { user: alice });
    await store.delete(deleted);
    if (store.update) {
      // A conditional write of a missing entry creates nothing, so lists nothing.
      expect(await store.update(key(), Buffer.from('x'), long, { user: alice })).toBe(false);
    }
    await sleep(shortTtl * 2 + 100);
    expect(await listed(store, alice)).toEqual([[kept, 'kept']]);
  });

  check('an entry rewritten without the user is listed only with its new value', async () => {
    const store = storeOf();
    const [alice, bob] = [user(), user()];
    const k = key();
    await store.set(k, Buffer.from('alice'), long, { user: alice });
    await store.set(k, Buffer.from('signed out'), long);
    for (const [, value] of await listed(store, alice)) expect(value).toBe('signed out');
    await store.set(k, Buffer.from('bob'), long, { user: bob });
    for (const [, value] of await listed(store, alice)) expect(value).toBe('bob');
    expect(await listed(store, bob)).toEqual([[k, 'bob']]);
  });

  check('touch keeps an entry listed past its first expiry', async () => {
    const store = storeOf();
    const alice = user();
    const k = key();
    await store.set(k, Buffer.from('busy'), shortTtl * 3, { user: alice });
    if (store.touch) await store.touch(k, long);
    else await store.set(k, Buffer.from('busy'), long, { user: alice });
    await sleep(shortTtl * 3 + 200);
    const entries = await store.findByUser!(alice);
    expect(entries.map((entry) => [entry.key, text(entry.value)])).toEqual([[k, 'busy']]);
    expect(entries[0].expiresAt.getTime()).toBeGreaterThan(Date.now() + long / 2);
  });

  check('findByUser takes any user id, kept apart from others that look alike', async () => {
    const store = storeOf();
    const suffix = randomBytes(4).toString('hex');
    const users = [`../${suffix}`, `${suffix} ü/:*?`, `${suffix}*`, `${suffix}`, `{${suffix}}`];
    const keys = users.map(() => key());
    await Promise.all(users.map((u, i) => store.set(keys[i], Buffer.from(u), long, { user: u })));
    for (const [i, u] of users.entries()) expect(await listed(store, u)).toEqual([[keys[i], u]]);
  });

  check('findByUser lists 50 sessions of one user written at once', async () => {
    const store = storeOf();
    const alice = user();
    const keys = Array.from({ length: 50 }, key);
    await Promise.all(keys.map((k) => store.set(k, Buffer.from(k), long, { user: alice })));
    const found = await listed(store, alice);
    expect(found.map(([k]) => k)).toEqual([...keys].sort((a, b) => a.localeCompare(b)));
    for (const [k, value] of found) expect(value).toBe(k);
  });
}
