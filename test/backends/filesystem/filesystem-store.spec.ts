import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileSystemStore } from '../../../lib';
import { describeSessionStore } from 'nestjs-server-session/testing';

const roots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-fs-'));
  roots.push(dir);
  return dir;
}
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

// Through the package's own `./testing` export, as a custom store's test file runs it.
// `holds`: the session file on disk, named by the SHA-256 of the key, whether expired or not.
const holds = (key: string, store: FileSystemStore) =>
  existsSync(path.join(store.dir, createHash('sha256').update(key).digest('hex')));

describeSessionStore('filesystem', () => new FileSystemStore({ dir: tempDir() }), {
  getAndTouch: true,
  findByUser: true,
  holds,
});

describeSessionStore(
  'filesystem, asynchronous I/O only',
  () => new FileSystemStore({ dir: tempDir(), syncMaxBytes: 0 }),
  { getAndTouch: true, findByUser: true, holds },
);

describe('FileSystemStore', () => {
  it('creates its directory and writes files with mode 0600 by default', async () => {
    const dir = path.join(tempDir(), 'nested', 'sessions');
    const store = new FileSystemStore({ dir });
    await store.set('session:abc', Buffer.from('x'), 60_000);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(statSync(path.join(dir, files[0])).mode & 0o777).toBe(0o600);
  });

  it('honours another mode, whatever the umask', async () => {
    const dir = tempDir();
    const previous = process.umask(0o077);
    try {
      const store = new FileSystemStore({ dir, mode: 0o640 });
      await store.set('k', Buffer.from('x'), 60_000);
    } finally {
      process.umask(previous);
    }
    expect(statSync(path.join(dir, readdirSync(dir)[0])).mode & 0o777).toBe(0o640);
  });

  it('names files by a hash, so no key reaches outside the directory', async () => {
    const root = tempDir();
    const dir = path.join(root, 'sessions');
    const store = new FileSystemStore({ dir });
    const keys = [
      '../escape',
      '../../etc/passwd',
      '/absolute',
      'a/b/c',
      'nul\0byte',
      '%2e%2e%2fx',
      '..',
      'C:\\windows',
    ];
    for (const key of keys) await store.set(key, Buffer.from(key), 60_000);
    expect(readdirSync(root)).toEqual(['sessions']);
    const files = readdirSync(dir);
    expect(files).toHaveLength(keys.length);
    for (const file of files) expect(file).toMatch(/^[0-9a-f]{64}$/);
    for (const key of keys) expect(Buffer.from((await store.get(key))!).toString()).toBe(key);
  });

  it('leaves no temporary files behind', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.set('same', Buffer.from(`v${i}`), 60_000)),
    );
    expect(readdirSync(dir)).toHaveLength(1);
    expect(Buffer.from((await store.get('same'))!).toString()).toMatch(/^v\d+$/);
  });

  it('prunes expired files first, then the oldest, once over the threshold', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, threshold: 10 });
    // Pruning runs in the background: close() waits for it.
    const save = async (key: string, ttlMs: number) => {
      await store.set(key, Buffer.from('x'), ttlMs);
      await store.close();
    };
    await save('expired', 1);
    for (let i = 0; i < 10; i++) await save(`live${i}`, 60_000 + i * 1000);
    // The 11th file crosses the threshold of 10: the expired one goes, then the
    // oldest until a tenth of the threshold is free.
    expect(readdirSync(dir)).toHaveLength(9);
    expect(await store.get('expired')).toBeUndefined();
    expect(await store.get('live0')).toBeUndefined();
    expect(await store.get('live1')).toBeDefined();
    await save('newest', 120_000);
    expect(readdirSync(dir)).toHaveLength(10);
    await save('newest2', 120_000);
    expect(readdirSync(dir)).toHaveLength(9);
    expect(await store.get('live1')).toBeUndefined();
    expect(await store.get('live2')).toBeUndefined();
    expect(await store.get('live3')).toBeDefined();
    expect(await store.get('newest2')).toBeDefined();
  });

  it('keeps every file with threshold 0', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, threshold: 0 });
    for (let i = 0; i < 30; i++) await store.set(`k${i}`, Buffer.from('x'), 60_000);
    expect(readdirSync(dir)).toHaveLength(30);
  });

  it('treats a truncated file as missing and removes it', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('k', Buffer.from('x'), 60_000);
    const file = path.join(dir, readdirSync(dir)[0]);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, Buffer.from([1, 2, 3]));
    expect(await store.get('k')).toBeUndefined();
    expect(readdirSync(dir)).toHaveLength(0);
  });
});
