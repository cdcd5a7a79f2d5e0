import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CompareAndSetResult, SessionStore } from '../../interfaces';
import { Lazy } from '../../utils/lazy.util';
import { FileLocks } from './filesystem.lock';

export interface FileSystemStoreOptions {
  /** Directory of the session files (created when missing), default `./flask_session`. */
  dir?: string;
  /** Most files kept before the oldest are pruned; 0 for no limit. Default 500. */
  threshold?: number;
  /** File mode of session files, default `0o600`. */
  mode?: number;
}

const HEADER_BYTES = 8;
const SESSION_FILE = /^[0-9a-f]{64}$/;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Whether a file's content is an entry that has not expired (a truncated file never is). */
function isLive(content: Buffer): boolean {
  return content.length >= HEADER_BYTES && content.readDoubleBE(0) > Date.now();
}

/**
 * One file per session, named by the SHA-256 of its key (so no key can
 * reach outside the directory), holding an 8-byte expiry then the data.
 * Writes go to a temporary file that is renamed into place, so a reader
 * never sees half a session.
 *
 * Writes and deletes hold the session's lock file ({@link FileLocks}), so that
 * `update` and `compareAndSet` read, check and rename atomically for every
 * process on this machine, and never recreate a file a delete removed. A
 * directory shared between machines (NFS…) gets no such guarantee.
 */
export class FileSystemStore implements SessionStore {
  /** Expired files stay until a sweep (or a prune) deletes them. */
  readonly needsSweep = true;
  readonly dir: string;
  private readonly threshold: number;
  private readonly mode: number;
  private readonly directory = new Lazy(() => fs.mkdir(this.dir, { recursive: true, mode: 0o700 }));
  private readonly locks = new FileLocks();
  private approximateCount = -1;
  private pruning?: Promise<void>;

  constructor(options: FileSystemStoreOptions = {}) {
    this.dir = path.resolve(options.dir ?? 'flask_session');
    this.threshold = options.threshold ?? 500;
    this.mode = options.mode ?? 0o600;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.fileOf(key);
    const content = await this.read(file);
    if (!content) return undefined;
    if (!isLive(content)) {
      await this.evict(file, true);
      return undefined;
    }
    return content.subarray(HEADER_BYTES);
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await this.ensureDir();
    const file = this.fileOf(key);
    await this.locks.run(file, () => this.write(file, value, ttlMs));
    await this.pruneIfFull();
  }

  async delete(key: string): Promise<void> {
    await this.ensureDir();
    const file = this.fileOf(key);
    await this.locks.run(file, () => this.unlink(file));
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.fileOf(key), 'r+');
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    // No lock: the header is rewritten in place, so a file deleted meanwhile stays deleted.
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
      // An expired entry stays expired: touching must not bring it back.
      if (bytesRead < HEADER_BYTES || header.readDoubleBE(0) <= Date.now()) return false;
      header.writeDoubleBE(Date.now() + ttlMs, 0);
      await handle.write(header, 0, HEADER_BYTES, 0);
      return true;
    } finally {
      await handle.close();
    }
  }

  async update(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return (await this.writeIf(key, () => true, value, ttlMs)) === 'stored';
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    return this.writeIf(key, (data) => data.equals(expected), value, ttlMs);
  }

  async deleteExpired(): Promise<number> {
    const entries = await this.scan();
    const now = Date.now();
    const expired = entries.filter((entry) => entry.expiresAt <= now);
    const removed = await Promise.all(expired.map((entry) => this.evict(entry.file, true)));
    const count = removed.filter(Boolean).length;
    this.approximateCount = entries.length - count;
    return count;
  }

  async close(): Promise<void> {
    await this.pruning;
  }

  private fileOf(key: string): string {
    return path.join(this.dir, createHash('sha256').update(key).digest('hex'));
  }

  private ensureDir(): Promise<unknown> {
    return this.directory.get();
  }

  /** Under the lock: writes `value` only if the entry is live and its data passes `matches`. */
  private async writeIf(
    key: string,
    matches: (data: Buffer) => boolean,
    value: Uint8Array,
    ttlMs: number,
  ): Promise<CompareAndSetResult> {
    await this.ensureDir();
    const file = this.fileOf(key);
    return this.locks.run(file, async () => {
      const content = await this.read(file);
      if (!content) return 'missing';
      if (!isLive(content)) {
        await this.unlink(file);
        return 'missing';
      }
      if (!matches(content.subarray(HEADER_BYTES))) return 'changed';
      await this.write(file, value, ttlMs);
      return 'stored';
    });
  }

  /** Writes a temporary file and renames it into place; the caller holds the lock. */
  private async write(file: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const content = Buffer.allocUnsafe(HEADER_BYTES + value.byteLength);
    content.writeDoubleBE(Date.now() + ttlMs, 0);
    content.set(value, HEADER_BYTES);
    try {
      const handle = await fs.open(temp, 'wx', this.mode);
      try {
        await handle.chmod(this.mode); // the umask may have narrowed the mode given to open()
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      await fs.rename(temp, file);
    } catch (error) {
      await this.unlink(temp);
      throw error;
    }
  }

  private async read(file: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(file);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Removes a file (only when expired, with `onlyIfExpired`) unless a writer
   * holds its lock right now: that writer is renewing it. Says whether it did.
   */
  private async evict(file: string, onlyIfExpired: boolean): Promise<boolean> {
    const removed = await this.locks.tryRun(file, async () => {
      if (onlyIfExpired) {
        const content = await this.read(file);
        if (!content || isLive(content)) return false;
      }
      await this.unlink(file);
      return true;
    });
    return removed === true;
  }

  private async unlink(file: string): Promise<void> {
    try {
      await fs.unlink(file);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  /** Counts files only when a cheap estimate says the threshold may be exceeded. */
  private async pruneIfFull(): Promise<void> {
    if (this.threshold === 0) return;
    if (this.approximateCount >= 0 && ++this.approximateCount <= this.threshold) return;
    this.pruning ??= this.prune().finally(() => (this.pruning = undefined));
    await this.pruning;
  }

  /** Removes expired files, then the oldest, leaving a tenth of the threshold free. */
  private async prune(): Promise<void> {
    const names = (await fs.readdir(this.dir)).filter((name) => SESSION_FILE.test(name));
    this.approximateCount = names.length;
    if (names.length <= this.threshold) return;
    const entries = await this.scan();
    const now = Date.now();
    const target = this.threshold - Math.max(1, Math.floor(this.threshold / 10));
    entries.sort((a, b) => a.expiresAt - b.expiresAt);
    const doomed = entries.filter(
      (entry, i) => entry.expiresAt <= now || entries.length - i > target,
    );
    const removed = await Promise.all(doomed.map((entry) => this.evict(entry.file, false)));
    this.approximateCount = entries.length - removed.filter(Boolean).length;
  }

  private async scan(): Promise<{ file: string; expiresAt: number }[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const header = Buffer.alloc(HEADER_BYTES);
    const entries: { file: string; expiresAt: number }[] = [];
    for (const name of names.filter((n) => SESSION_FILE.test(n))) {
      const file = path.join(this.dir, name);
      try {
        const handle = await fs.open(file, 'r');
        try {
          const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
          entries.push({ file, expiresAt: bytesRead < HEADER_BYTES ? 0 : header.readDoubleBE(0) });
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    return entries;
  }
}
