import { createHash } from 'node:crypto';
import fs, {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemStore } from '../../../lib';

const roots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-fs-users-'));
  roots.push(dir);
  return dir;
}
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
afterEach(() => jest.restoreAllMocks());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sessionFile = (dir: string, key: string) => path.join(dir, sha256(key));
const indexFile = (dir: string, user: string) => path.join(dir, 'users', sha256(user));
/** The keys an index file lists, as another process would read them. */
function indexed(dir: string, user: string): string[] | undefined {
  const file = indexFile(dir, user);
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file).subarray(8).toString().split('\n').filter(Boolean);
  return lines.map((line) => JSON.parse(line) as string).sort();
}
/** Makes the index look written long ago, so that a process may trust what it cached. */
function settle(dir: string, user: string): void {
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(indexFile(dir, user), old, old);
}
const found = async (store: FileSystemStore, user: string) =>
  (await store.findByUser(user)).map((entry) => entry.key).sort();
const long = 60_000;

describe('FileSystemStore user index files', () => {
  it('keeps one index per user under users/, which pruning and sweeps never take for a session', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, threshold: 4 });
    const users = ['../x', 'a b ü/:*?', '{x}', 'session:k0'];
    for (const [i, user] of users.entries()) {
      await store.set(`session:k${i}`, Buffer.from('x'), long, { user });
      await store.set(`session:extra${i}`, Buffer.from('x'), i === 0 ? 1 : long);
      await store.close();
    }
    await sleep(5);
    // The prune ran: at most 4 session files are left, beside the users/ folder.
    expect(readdirSync(dir).filter((name) => name !== 'users').length).toBeLessThanOrEqual(4);
    expect(readdirSync(path.join(dir, 'users')).sort()).toEqual(users.map(sha256).sort());
    await store.deleteExpired();
    expect(existsSync(path.join(dir, 'users'))).toBe(true);
    for (const [i, user] of users.entries()) {
      const live = existsSync(sessionFile(dir, `session:k${i}`));
      expect(await found(store, user)).toEqual(live ? [`session:k${i}`] : []);
    }
  });

  it('does not rewrite, or once settled even read, the index when the key is already listed', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('k', Buffer.from('a'), long, { user: 'alice' });
    settle(dir, 'alice');
    const { ino } = statSync(indexFile(dir, 'alice'));
    await store.set('k', Buffer.from('b'), long, { user: 'alice' });
    const openSync = jest.spyOn(fs, 'openSync');
    await store.update('k', Buffer.from('c'), long, { user: 'alice' });
    await store.compareAndSet('k', Buffer.from('c'), Buffer.from('d'), long, { user: 'alice' });
    await store.set('k', Buffer.from('e'), long, { user: 'alice' });
    const opened = openSync.mock.calls.map(([file]) => String(file));
    expect(opened.filter((file) => file.startsWith(path.join(dir, 'users')))).toEqual([]);
    expect(statSync(indexFile(dir, 'alice')).ino).toBe(ino);
    expect(await found(store, 'alice')).toEqual(['k']);
  });

  it('loses no key when store instances write one user’s sessions at once', async () => {
    const dir = tempDir();
    // Asynchronous I/O, so that the writes of one instance interleave too.
    const stores = Array.from({ length: 4 }, () => new FileSystemStore({ dir, syncMaxBytes: 0 }));
    const keys = Array.from({ length: 60 }, (_, i) => `session:${i}`);
    await Promise.all(
      keys.map((k, i) => stores[i % 4].set(k, Buffer.from(k), long, { user: 'alice' })),
    );
    expect(indexed(dir, 'alice')).toEqual([...keys].sort());
    expect(await found(stores[1], 'alice')).toEqual([...keys].sort());
  });

  it('lists a session written again after another instance dropped it from the index', async () => {
    const dir = tempDir();
    const [mine, other] = [new FileSystemStore({ dir }), new FileSystemStore({ dir })];
    for (const keep of [false, true]) {
      const user = `alice-${keep}`;
      if (keep) await mine.set('kept', Buffer.from('x'), long, { user });
      await mine.set('k', Buffer.from('x'), long, { user });
      settle(dir, user);
      await mine.set('k', Buffer.from('x'), long, { user }); // cached now
      await other.delete('k');
      expect(await found(other, user)).toEqual(keep ? ['kept'] : []);
      expect(indexed(dir, user)).toEqual(keep ? ['kept'] : undefined);
      if (keep) settle(dir, user);
      await mine.set('k', Buffer.from('again'), long, { user });
      expect(await found(other, user)).toEqual(keep ? ['k', 'kept'] : ['k']);
    }
  });

  it('findByUser drops gone entries from the index, keeps recently expired ones, removes an empty index', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('live', Buffer.from('x'), long, { user: 'alice' });
    await store.set('deleted', Buffer.from('x'), long, { user: 'alice' });
    await store.set('just-expired', Buffer.from('x'), 1, { user: 'alice' });
    await store.set('long-expired', Buffer.from('x'), -120_000, { user: 'alice' });
    await store.delete('deleted');
    await sleep(5);
    expect(await found(store, 'alice')).toEqual(['live']);
    // A refresh that read the header just before the expiry may still be writing it.
    expect(indexed(dir, 'alice')).toEqual(['just-expired', 'live']);
    await store.set('gone', Buffer.from('x'), long, { user: 'bob' });
    await store.delete('gone');
    expect(await found(store, 'bob')).toEqual([]);
    expect(indexed(dir, 'bob')).toBeUndefined();
  });

  it('never drops the key of a session a writer holds, nor prunes an index a writer holds', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('k', Buffer.from('x'), long, { user: 'alice' });
    // Another process holds the lock: it listed the key and is about to write the session.
    unlinkSync(sessionFile(dir, 'k'));
    writeFileSync(`${sessionFile(dir, 'k')}.lock`, '');
    expect(await found(store, 'alice')).toEqual([]);
    expect(indexed(dir, 'alice')).toEqual(['k']);
    unlinkSync(`${sessionFile(dir, 'k')}.lock`);
    writeFileSync(`${indexFile(dir, 'alice')}.lock`, '');
    expect(await found(store, 'alice')).toEqual([]);
    expect(indexed(dir, 'alice')).toEqual(['k']);
    unlinkSync(`${indexFile(dir, 'alice')}.lock`);
    expect(await found(store, 'alice')).toEqual([]);
    expect(indexed(dir, 'alice')).toBeUndefined();
  });

  it('lists every session written while findByUser prunes the same index', async () => {
    const dir = tempDir();
    const [writer, reader] = [
      new FileSystemStore({ dir, syncMaxBytes: 0 }),
      new FileSystemStore({ dir, syncMaxBytes: 0 }),
    ];
    const keys = Array.from({ length: 40 }, (_, i) => `session:${i}`);
    let writing = true;
    const reads = (async () => {
      while (writing) await reader.findByUser('alice');
    })();
    for (let i = 0; i < keys.length; i += 4) {
      await Promise.all(
        keys.slice(i, i + 4).map((k) => writer.set(k, Buffer.from(k), long, { user: 'alice' })),
      );
    }
    writing = false;
    await reads;
    expect(await found(reader, 'alice')).toEqual([...keys].sort());
  });

  it('writes the index before the session: a failed index write leaves no session behind', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('old', Buffer.from('x'), long);
    const renameSync = fs.renameSync.bind(fs);
    jest.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (String(to).includes(`${path.sep}users${path.sep}`)) throw new Error('ENOSPC');
      renameSync(from, to);
    });
    await expect(store.set('new', Buffer.from('x'), long, { user: 'alice' })).rejects.toThrow();
    await expect(store.update('old', Buffer.from('y'), long, { user: 'alice' })).rejects.toThrow();
    jest.restoreAllMocks();
    expect(await store.get('new')).toBeUndefined();
    expect(Buffer.from((await store.get('old'))!).toString()).toBe('x');
  });

  it('the sweep removes index files whose sessions are all gone, and prunes the others', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, threshold: 0 });
    await store.set('a1', Buffer.from('x'), -120_000, { user: 'alice' });
    await store.set('a2', Buffer.from('x'), long, { user: 'alice' });
    await store.delete('a2');
    await store.set('b1', Buffer.from('x'), -120_000, { user: 'bob' });
    await store.set('b2', Buffer.from('x'), long, { user: 'bob' });
    expect(await store.deleteExpired()).toBe(2);
    expect(indexed(dir, 'alice')).toBeUndefined();
    expect(indexed(dir, 'bob')).toEqual(['b2']);
    expect(readdirSync(path.join(dir, 'users'))).toEqual([sha256('bob')]);
  });
});
