import { createHash } from 'node:crypto';
import { promises as fs, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Lazy } from '../../utils/lazy.util';
import { EntryFiles, HEADER_BYTES, isMissing } from './filesystem.entry-file';
import { FileLocks } from './filesystem.lock';

/** The subdirectory of the index files, one per user; the pruner only looks at the top level. */
export const USERS_DIR = 'users';
const INDEX_FILE = /^[0-9a-f]{64}$/;
/** An index file never expires by its header: it goes once its sessions are gone. */
const NEVER = Infinity;
/**
 * An entry leaves an index once its file is missing, or expired for this long:
 * `touch` and `getAndTouch` take no lock, so one that read the header just
 * before the expiry may still be rewriting it.
 */
export const EXPIRED_GRACE_MS = 60_000;
/**
 * A cached index is trusted on a matching `stat` only when the file was
 * already this old when it was read: a later rewrite then has a later mtime,
 * even on a filesystem with coarse timestamps that reuses the inode.
 */
const SETTLED_MS = 1_000;
/** Users whose index this process remembers. */
const CACHED_USERS = 10_000;
/** Entries one prune drops at most (it holds their locks at once); the next continues. */
const DROP_AT_ONCE = 64;
/** Index files one sweep looks at; the next sweep goes on from there. */
const SWEEP_FILES = 1_000;

interface Cached {
  file: string;
  stamp: string;
  keys: Set<string>;
}

/** Whether a session file's content may leave its user's index: missing, truncated, or long expired. */
export function isGone(content: Buffer | undefined, now = Date.now()): boolean {
  return (
    !content || content.length < HEADER_BYTES || content.readDoubleBE(0) <= now - EXPIRED_GRACE_MS
  );
}

function stampOf(stats: Stats, readAt: number): string | undefined {
  if (stats.mtimeMs > readAt - SETTLED_MS) return undefined;
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

function decode(content: Buffer | undefined): Set<string> {
  const keys = new Set<string>();
  if (!content) return keys;
  for (const line of content.subarray(HEADER_BYTES).toString('utf8').split('\n')) {
    try {
      const key: unknown = line && JSON.parse(line);
      if (typeof key === 'string') keys.add(key);
    } catch {
      // A line no writer of this store wrote: skipped.
    }
  }
  return keys;
}

const encode = (keys: Iterable<string>) =>
  Buffer.from([...keys].map((key) => JSON.stringify(key)).join('\n'));

/**
 * The keys of each user's sessions (`userKey`): one file per user under
 * `<dir>/users/`, named by the SHA-256 of the user id, one JSON-quoted key per
 * line, rewritten through a temporary file under the user's lock file.
 *
 * A key is added while the writer holds the session's lock, before the session
 * is written; a key is dropped only while its session's lock is held and its
 * file is gone. So a live session is never missing from its index, for every
 * process on this machine. A key already listed costs a `stat`: this process
 * remembers each index it read, for as long as the file stays the same.
 */
export class UserIndex {
  readonly dir: string;
  private readonly directory: Lazy<unknown>;
  private readonly cache = new Map<string, Cached>();
  private sweptUpTo = '';

  constructor(
    dir: string,
    private readonly files: EntryFiles,
    private readonly locks: FileLocks,
    private readonly sessionFileOf: (key: string) => string,
  ) {
    this.dir = path.join(dir, USERS_DIR);
    this.directory = new Lazy(() => fs.mkdir(this.dir, { recursive: true, mode: 0o700 }));
  }

  fileOf(user: string): string {
    return path.join(this.dir, createHash('sha256').update(user).digest('hex'));
  }

  /** Lists `key` under `user`; the caller holds the session's lock. */
  async add(user: string, key: string): Promise<void> {
    const index = this.cache.get(user)?.file ?? this.fileOf(user);
    if ((await this.cachedKeys(user, index)).has(key)) return;
    await this.directory.get();
    await this.locks.run(index, async () => {
      const keys = decode(await this.files.read(index));
      if (keys.has(key)) return;
      keys.add(key);
      await this.files.write(index, encode(keys), NEVER);
    });
  }

  /** The keys listed under `user` (some may be gone). */
  async keysOf(user: string): Promise<string[]> {
    return [...decode(await this.files.read(this.fileOf(user)))];
  }

  /**
   * Drops those of `keys` whose sessions are gone from `user`'s index (and
   * the index once empty), unless a writer holds the index or the session now.
   */
  async drop(user: string, keys: readonly string[]): Promise<void> {
    await this.dropFrom(this.fileOf(user), keys);
  }

  /**
   * Drops the gone entries of up to {@link SWEEP_FILES} index files, and the
   * files left empty; each sweep goes on after the last file the previous one saw.
   */
  async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const batch = names
      .filter((name) => INDEX_FILE.test(name) && name > this.sweptUpTo)
      .sort()
      .slice(0, SWEEP_FILES);
    this.sweptUpTo = batch.length < SWEEP_FILES ? '' : batch[batch.length - 1];
    for (const name of batch) {
      await nextTurn();
      const index = path.join(this.dir, name);
      const gone: string[] = [];
      let read = 0;
      for (const key of decode(await this.files.read(index))) {
        // Reads may be synchronous calls: give requests a turn now and then.
        if (++read % DROP_AT_ONCE === 0) await nextTurn();
        if (isGone(await this.files.read(this.sessionFileOf(key)))) gone.push(key);
      }
      if (gone.length) await this.dropFrom(index, gone);
    }
  }

  private async dropFrom(index: string, keys: readonly string[]): Promise<void> {
    const some = keys.slice(0, DROP_AT_ONCE);
    await this.locks.tryRun(index, () =>
      this.locks.tryRunAll(some.map(this.sessionFileOf), async (held) => {
        const heldFiles = new Set(held);
        const listed = decode(await this.files.read(index));
        let dropped = 0;
        for (const key of some) {
          const file = this.sessionFileOf(key);
          if (heldFiles.has(file) && isGone(await this.files.read(file))) {
            dropped += listed.delete(key) ? 1 : 0;
          }
        }
        if (!dropped) return;
        if (listed.size) await this.files.write(index, encode(listed), NEVER);
        else await this.files.unlink(index);
      }),
    );
  }

  /**
   * The keys of an index as this process last read it, if the file has not
   * changed since (a rewrite by any process, this one included, changes the stamp).
   */
  private async cachedKeys(user: string, index: string): Promise<Set<string>> {
    const readAt = Date.now();
    const stats = await this.stat(index);
    if (!stats) return new Set();
    const stamp = stampOf(stats, readAt);
    const cached = this.cache.get(user);
    if (cached && stamp !== undefined && cached.stamp === stamp) return cached.keys;
    // Read after the stat: the keys are at least as new as the stamp.
    const keys = decode(await this.files.read(index));
    this.cache.delete(user);
    if (stamp !== undefined) {
      if (this.cache.size >= CACHED_USERS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(user, { file: index, stamp, keys });
    }
    return keys;
  }

  private async stat(file: string): Promise<Stats | undefined> {
    if (this.files.syncMaxBytes > 0) return statSync(file, { throwIfNoEntry: false });
    try {
      return await fs.stat(file);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }
}
