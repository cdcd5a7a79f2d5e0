import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type {
  CompareAndSetResult,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { Lazy } from '../../utils/lazy.util';
import { EntryFiles, HEADER_BYTES, isLive, SYNC_MAX_BYTES } from './filesystem.entry-file';
import { FileLocks } from './filesystem.lock';
import { FilePruner } from './filesystem.pruner';
import { isGone, UserIndex } from './filesystem.user-index';

export interface FileSystemStoreOptions {
  /** Directory of the session files (created when missing), default `./flask_session`. */
  dir?: string;
  /** Most files kept before the oldest are pruned; 0 for no limit. Default 500. */
  threshold?: number;
  /** File mode of session files, default `0o600`. */
  mode?: number;
  /**
   * Files up to this many bytes are read and written with synchronous calls,
   * larger ones asynchronously; 0 for asynchronous calls only (a directory on a
   * network filesystem). Default 65536.
   */
  syncMaxBytes?: number;
}

/**
 * One file per session, named by the SHA-256 of its key (so no key can
 * reach outside the directory), holding an 8-byte expiry then the data.
 * Writes go to a temporary file that is renamed into place, so a reader
 * never sees half a session. A read that refreshes opens the file once.
 *
 * Writes and deletes hold the session's lock file ({@link FileLocks}), so that
 * `update` and `compareAndSet` read, check and rename atomically for every
 * process on this machine, and never recreate a file a delete removed. A
 * directory shared between machines (NFS…) gets no such guarantee.
 *
 * The directory is never listed on a request: pruning past `threshold` runs
 * in the background ({@link FilePruner}).
 *
 * A write with a user (`userKey`) lists the key in the user's index file
 * ({@link UserIndex}) first, under the session's lock, then writes the session.
 */
export class FileSystemStore implements SessionStore {
  /** Expired files stay until a sweep (or a prune) deletes them. */
  readonly needsSweep = true;
  readonly dir: string;
  private readonly files: EntryFiles;
  private readonly directory = new Lazy(() => fs.mkdir(this.dir, { recursive: true, mode: 0o700 }));
  private readonly locks: FileLocks;
  private readonly pruner: FilePruner;
  private readonly users: UserIndex;

  constructor(options: FileSystemStoreOptions = {}) {
    this.dir = path.resolve(options.dir ?? 'flask_session');
    const syncMaxBytes = options.syncMaxBytes ?? SYNC_MAX_BYTES;
    this.files = new EntryFiles(options.mode ?? 0o600, syncMaxBytes);
    this.locks = new FileLocks(syncMaxBytes > 0);
    this.pruner = new FilePruner(this.dir, options.threshold ?? 500, (file, onlyIfExpired) =>
      this.evict(file, onlyIfExpired),
    );
    this.users = new UserIndex(this.dir, this.files, this.locks, (key) => this.fileOf(key));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.fileOf(key);
    return this.live(await this.files.read(file), file);
  }

  async getAndTouch(key: string, ttlMs: number): Promise<Uint8Array | undefined> {
    const file = this.fileOf(key);
    return this.live(await this.files.readAndTouch(file, ttlMs), file);
  }

  async set(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<void> {
    await this.ensureDir();
    const file = this.fileOf(key);
    const user = options?.user;
    await this.locks.run(file, async () => {
      if (user !== undefined) await this.users.add(user, key);
      await this.files.write(file, value, ttlMs);
    });
    this.pruner.countWrite();
  }

  async delete(key: string): Promise<void> {
    await this.ensureDir();
    const file = this.fileOf(key);
    await this.locks.run(file, () => this.files.unlink(file));
  }

  /** No lock: the header is rewritten in place, so a file deleted meanwhile stays deleted. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    return this.files.touch(this.fileOf(key), ttlMs);
  }

  async update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    return (await this.writeIf(key, () => true, value, ttlMs, options?.user)) === 'stored';
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    return this.writeIf(key, (data) => data.equals(expected), value, ttlMs, options?.user);
  }

  /** Reads the user's index and each entry it lists; entries found gone leave the index. */
  async findByUser(user: string): Promise<UserSessionEntry[]> {
    const found: UserSessionEntry[] = [];
    const gone: string[] = [];
    for (const key of await this.users.keysOf(user)) {
      const content = await this.files.read(this.fileOf(key));
      if (content && isLive(content)) {
        const expiresAt = new Date(content.readDoubleBE(0));
        found.push({ key, value: content.subarray(HEADER_BYTES), expiresAt });
      } else if (isGone(content)) gone.push(key);
    }
    if (gone.length) await this.users.drop(user, gone);
    return found;
  }

  /** Removes expired files, then the entries of gone sessions from the users' index files. */
  async deleteExpired(): Promise<number> {
    const removed = await this.pruner.deleteExpired();
    await this.users.sweep();
    return removed;
  }

  /** Waits for a prune in progress. */
  async close(): Promise<void> {
    await this.pruner.idle();
  }

  private fileOf(key: string): string {
    return path.join(this.dir, createHash('sha256').update(key).digest('hex'));
  }

  private ensureDir(): Promise<unknown> {
    return this.directory.get();
  }

  /** The data of a live entry; an expired or truncated file is removed. */
  private async live(content: Buffer | undefined, file: string): Promise<Uint8Array | undefined> {
    if (!content) return undefined;
    if (!isLive(content)) {
      await this.evict(file, true);
      return undefined;
    }
    return content.subarray(HEADER_BYTES);
  }

  /** Under the lock: writes `value` only if the entry is live and its data passes `matches`. */
  private async writeIf(
    key: string,
    matches: (data: Buffer) => boolean,
    value: Uint8Array,
    ttlMs: number,
    user: string | undefined,
  ): Promise<CompareAndSetResult> {
    await this.ensureDir();
    const file = this.fileOf(key);
    return this.locks.run(file, async () => {
      const content = await this.files.read(file);
      if (!content) return 'missing';
      if (!isLive(content)) {
        await this.files.unlink(file);
        return 'missing';
      }
      if (!matches(content.subarray(HEADER_BYTES))) return 'changed';
      if (user !== undefined) await this.users.add(user, key);
      await this.files.write(file, value, ttlMs);
      return 'stored';
    });
  }

  /**
   * Removes a file (only when expired, with `onlyIfExpired`) unless a writer
   * holds its lock right now: that writer is renewing it. Says whether it did.
   */
  private async evict(file: string, onlyIfExpired: boolean): Promise<boolean> {
    const removed = await this.locks.tryRun(file, async () => {
      if (onlyIfExpired) {
        const content = await this.files.read(file);
        if (!content || isLive(content)) return false;
      }
      await this.files.unlink(file);
      return true;
    });
    return removed === true;
  }
}
