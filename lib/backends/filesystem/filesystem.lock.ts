import { closeSync, promises as fs, openSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock file older than this belongs to a holder that died: it is broken. */
export const STALE_LOCK_MS = 5_000;
/** Longest wait for a lock: a stale one is broken well before. */
const MAX_WAIT_MS = STALE_LOCK_MS + 2_000;

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * One lock per session file, held while a write reads, compares and renames,
 * so that the steps are atomic for every process on this machine: a lock file
 * next to the session file (`<file>.lock`, created with `O_EXCL`), and within
 * this process a queue per file, so its own writers wait on a promise instead
 * of polling the file. With `sync`, taking and releasing a free lock are
 * synchronous calls (microseconds on a local disk).
 */
export class FileLocks {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly sync = false) {}

  /** Runs `work` holding the lock of `file`, waiting for it as long as needed. */
  async run<T>(file: string, work: () => Promise<T>): Promise<T> {
    return this.queued(file, async () => {
      await this.acquire(`${file}.lock`);
      return this.holding(`${file}.lock`, work);
    });
  }

  /**
   * Runs `work` holding the lock of `file` if it is free now; `undefined`
   * without running it when another writer holds it.
   */
  async tryRun<T>(file: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.queues.has(file)) return undefined;
    return this.queued(file, async () => {
      const lock = `${file}.lock`;
      const acquired =
        (await this.create(lock)) || ((await this.breakIfStale(lock)) && (await this.create(lock)));
      return acquired ? this.holding(lock, work) : undefined;
    });
  }

  /**
   * Runs `work` holding, all at once, the locks of those of `files` that are
   * free now (taken one after the other, never waiting); `work` gets the files
   * whose locks it holds.
   */
  async tryRunAll<T>(files: readonly string[], work: (held: string[]) => Promise<T>): Promise<T> {
    const take = async (at: number, held: string[]): Promise<T> => {
      if (at === files.length) return work(held);
      let result: { value: T } | undefined;
      await this.tryRun(files[at], async () => {
        result = { value: await take(at + 1, [...held, files[at]]) };
      });
      return result ? result.value : take(at + 1, held);
    };
    return take(0, []);
  }

  private async queued<T>(file: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(file);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = (previous ?? Promise.resolve()).then(() => done);
    this.queues.set(file, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.queues.get(file) === tail) this.queues.delete(file);
    }
  }

  private async holding<T>(lock: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      await this.release(lock);
    }
  }

  private async release(lock: string): Promise<void> {
    try {
      if (this.sync) unlinkSync(lock);
      else await fs.unlink(lock);
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
    }
  }

  /** Waits for the lock file of another process, with a short randomized backoff. */
  private async acquire(lock: string): Promise<void> {
    const deadline = Date.now() + MAX_WAIT_MS;
    for (let attempt = 0; !(await this.create(lock)); attempt++) {
      if (await this.breakIfStale(lock)) continue;
      if (Date.now() > deadline) {
        throw new Error(
          `the session file ${path.basename(lock)} stayed locked for ${MAX_WAIT_MS} ms`,
        );
      }
      await sleep(Math.random() * Math.min(2 ** attempt, 25));
    }
  }

  private async create(lock: string): Promise<boolean> {
    try {
      if (this.sync) closeSync(openSync(lock, 'wx', 0o600));
      else await (await fs.open(lock, 'wx', 0o600)).close();
      return true;
    } catch (error) {
      if (codeOf(error) === 'EEXIST') return false;
      throw error;
    }
  }

  /**
   * Removes a lock file its holder left behind (a crash between open and
   * unlink); a live holder keeps it for milliseconds. Says whether to try again now.
   */
  private async breakIfStale(lock: string): Promise<boolean> {
    try {
      const { mtimeMs } = await fs.stat(lock);
      if (Date.now() - mtimeMs < STALE_LOCK_MS) return false;
      await fs.unlink(lock);
      return true;
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return true;
      throw error;
    }
  }
}
