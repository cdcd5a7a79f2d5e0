import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import fs, { promises as fsp, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileSystemStore } from '../../../lib';

const roots: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-fs-prune-'));
  roots.push(dir);
  return dir;
}
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
afterEach(() => jest.restoreAllMocks());

/** `count` session files as another process would have left them, all live. */
function fill(dir: string, count: number): void {
  const entry = Buffer.alloc(8 + 200, 'x');
  for (let i = 0; i < count; i++) {
    entry.writeDoubleBE(Date.now() + 3_600_000 + i, 0);
    writeFileSync(path.join(dir, randomBytes(32).toString('hex')), entry);
  }
}

describe('FileSystemStore pruning', () => {
  it('with threshold 10,000, no save takes 200 ms while a prune runs', async () => {
    const dir = tempDir();
    fill(dir, 10_100);
    const store = new FileSystemStore({ dir, threshold: 10_000 });
    const durations: number[] = [];
    let saves = 0;
    // The first save lists the directory (in the background) and finds it over the threshold.
    const pruned = () => readdirSync(dir).length <= 9_000 + saves;
    const deadline = Date.now() + 60_000;
    do {
      const started = performance.now();
      await store.set(`session:${saves++}`, Buffer.from('{"n":1}'), 7_200_000);
      durations.push(performance.now() - started);
      await sleep(5);
    } while (!pruned() && Date.now() < deadline);
    await store.close();
    expect(pruned()).toBe(true);
    // The saves overlapped the prune, and none waited for it.
    expect(saves).toBeGreaterThanOrEqual(5);
    expect(Math.max(...durations)).toBeLessThan(200);
    for (let i = 0; i < saves; i++) expect(await store.get(`session:${i}`)).toBeDefined();
  }, 90_000);

  it('never lists the directory before a save resolves', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, threshold: 5 });
    const readdir = jest.spyOn(fsp, 'readdir');
    for (let i = 0; i < 8; i++) {
      const calls = readdir.mock.calls.length;
      await store.set(`k${i}`, Buffer.from('x'), 60_000);
      expect(readdir.mock.calls.length).toBe(calls);
      await store.close();
    }
    expect(readdir).toHaveBeenCalled();
    expect(readdirSync(dir).length).toBeLessThanOrEqual(5);
  });

  it('a failing prune is logged and fails no save', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, threshold: 5 });
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(fsp, 'readdir').mockRejectedValue(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(store.set('k', Buffer.from('x'), 60_000)).resolves.toBeUndefined();
    await store.close();
    expect(error).toHaveBeenCalledWith(expect.stringContaining('EIO'));
    expect(Buffer.from((await store.get('k'))!).toString()).toBe('x');
  });

  it('removes expired files in a sweep, reading headers a few at a time', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, threshold: 0 });
    for (let i = 0; i < 50; i++) await store.set(`old${i}`, Buffer.from('x'), 1);
    for (let i = 0; i < 5; i++) await store.set(`new${i}`, Buffer.from('x'), 60_000);
    await sleep(5);
    let open = 0;
    let most = 0;
    const realOpen = fsp.open.bind(fsp);
    jest.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      most = Math.max(most, ++open);
      try {
        return await realOpen(...args);
      } finally {
        open--;
      }
    });
    expect(await store.deleteExpired()).toBe(50);
    expect(readdirSync(dir)).toHaveLength(5);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });
});

describe('FileSystemStore reads', () => {
  it('reads and refreshes a session through one open file', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir });
    await store.set('k', Buffer.from('data'), 1_000);
    const openSync = jest.spyOn(fs, 'openSync');
    const read = await store.getAndTouch('k', 3_600_000);
    expect(Buffer.from(read!).toString()).toBe('data');
    expect(openSync).toHaveBeenCalledTimes(1);
    const content = fs.readFileSync(path.join(dir, readdirSync(dir)[0]));
    expect(content.readDoubleBE(0)).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it('reads files above syncMaxBytes asynchronously, and the same bytes', async () => {
    const dir = tempDir();
    const store = new FileSystemStore({ dir, syncMaxBytes: 1024 });
    const small = Buffer.alloc(100, 's');
    const large = Buffer.alloc(5000, 'l');
    await store.set('small', small, 60_000);
    await store.set('large', large, 60_000);
    const readFile = jest.spyOn(fsp, 'readFile');
    expect(Buffer.from((await store.getAndTouch('small', 60_000))!)).toEqual(small);
    expect(readFile).not.toHaveBeenCalled();
    expect(Buffer.from((await store.getAndTouch('large', 60_000))!)).toEqual(large);
    expect(readFile).toHaveBeenCalledTimes(1);
  });
});
