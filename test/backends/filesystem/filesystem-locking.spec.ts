import { createHash } from 'node:crypto';
import {
  promises as fsp,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemStore } from '../../../lib';

const roots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-fs-lock-'));
  roots.push(dir);
  return dir;
}
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
afterEach(() => jest.restoreAllMocks());

const fileOf = (dir: string, key: string) =>
  path.join(dir, createHash('sha256').update(key).digest('hex'));
const lockOf = (dir: string, key: string) => `${fileOf(dir, key)}.lock`;
const text = (value: Uint8Array | undefined) => value && Buffer.from(value).toString();

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return !settled;
}

// Separate store instances share nothing but the directory, as separate processes do.
describe('FileSystemStore conditional writes across processes', () => {
  it('lets exactly one of concurrent compareAndSets win across store instances', async () => {
    const dir = tempDir();
    const stores = Array.from({ length: 5 }, () => new FileSystemStore({ dir }));
    await stores[0].set('k', Buffer.from('base'), 60_000);
    const read = (await stores[0].get('k'))!;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % 5].compareAndSet('k', read, Buffer.from(`writer-${i}`), 60_000),
      ),
    );
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'changed')).toHaveLength(19);
    expect(text(await stores[1].get('k'))).toBe(`writer-${outcomes.indexOf('stored')}`);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('a delete during an in-flight compareAndSet or update is never undone', async () => {
    // Asynchronous I/O, so the delete can arrive between the read and the rename; the
    // synchronous path takes the same lock file, which the tests below hold from outside.
    const dir = tempDir();
    const [request, logout] = [
      new FileSystemStore({ dir, syncMaxBytes: 0 }),
      new FileSystemStore({ dir, syncMaxBytes: 0 }),
    ];
    const rename = fsp.rename.bind(fsp);
    for (const write of [
      (read: Uint8Array) => request.compareAndSet('k', read, Buffer.from('mine'), 60_000),
      () => request.update('k', Buffer.from('mine'), 60_000),
    ]) {
      await request.set('k', Buffer.from('base'), 60_000);
      const read = (await request.get('k'))!;
      let deletion: Promise<void> | undefined;
      // The logout arrives between the write's read and its rename.
      jest.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
        deletion ??= logout.delete('k');
        await sleep(50);
        return rename(from, to);
      });
      await write(read);
      await deletion;
      jest.restoreAllMocks();
      expect(await request.get('k')).toBeUndefined();
    }
  });

  it('waits for a lock another process holds, then sees its write', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('k', Buffer.from('base'), 60_000);
    const read = (await store.get('k'))!;
    writeFileSync(lockOf(dir, 'k'), '');
    const mine = store.compareAndSet('k', read, Buffer.from('mine'), 60_000);
    expect(await pendingAfter(mine, 100)).toBe(true);
    // The holder writes the entry (8-byte expiry, then the data) and lets go.
    const entry = Buffer.concat([Buffer.alloc(8), Buffer.from('other')]);
    entry.writeDoubleBE(Date.now() + 60_000, 0);
    writeFileSync(fileOf(dir, 'k'), entry);
    await fsp.unlink(lockOf(dir, 'k'));
    expect(await mine).toBe('changed');
    expect(text(await store.get('k'))).toBe('other');
  });

  it('breaks a lock left by a holder that died', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('k', Buffer.from('base'), 60_000);
    const lock = lockOf(dir, 'k');
    writeFileSync(lock, '');
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lock, old, old);
    expect(await store.compareAndSet('k', Buffer.from('base'), Buffer.from('next'), 60_000)).toBe(
      'stored',
    );
    expect(text(await store.get('k'))).toBe('next');
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('leaves an expired file alone while a writer holds its lock, and removes it otherwise', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('k', Buffer.from('x'), 1);
    await sleep(5);
    writeFileSync(lockOf(dir, 'k'), '');
    expect(await store.get('k')).toBeUndefined();
    expect(readdirSync(dir)).toHaveLength(2);
    await fsp.unlink(lockOf(dir, 'k'));
    expect(await store.get('k')).toBeUndefined();
    expect(readdirSync(dir)).toHaveLength(0);
  });
});
