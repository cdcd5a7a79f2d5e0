import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fstatSync,
  promises as fs,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

/** Each file starts with its expiry, in ms since the epoch, as a big-endian double. */
export const HEADER_BYTES = 8;
/** Default of {@link EntryFiles}' synchronous limit: sessions are far smaller. */
export const SYNC_MAX_BYTES = 64 * 1024;

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Whether a file's content is an entry that has not expired (a truncated file never is). */
export function isLive(content: Buffer): boolean {
  return content.length >= HEADER_BYTES && content.readDoubleBE(0) > Date.now();
}

function expiryHeader(ttlMs: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeDoubleBE(Date.now() + ttlMs, 0);
  return header;
}

/** `openSync` that answers `undefined` for a missing file. */
function openIfPresent(file: string, flags: string): number | undefined {
  try {
    return openSync(file, flags);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

function readAllSync(fd: number, size: number): Buffer {
  const content = Buffer.allocUnsafe(size);
  let read = 0;
  for (let n = 1; read < size && n > 0; read += n)
    n = readSync(fd, content, read, size - read, read);
  return content.subarray(0, read);
}

/**
 * Reads and writes entry files. A file of at most `syncMaxBytes` is read or
 * written with synchronous calls: in the page cache that costs microseconds,
 * less than the thread-pool round trips of the asynchronous calls, which stay
 * for larger files (and for every file with `syncMaxBytes: 0`, e.g. a
 * directory on a network filesystem). Writes always go to a temporary file
 * renamed into place, so no reader sees half an entry.
 */
export class EntryFiles {
  constructor(
    private readonly mode: number,
    readonly syncMaxBytes: number,
  ) {}

  /** The whole file, or `undefined` when it is missing. */
  async read(file: string): Promise<Buffer | undefined> {
    if (this.syncMaxBytes > 0) {
      const fd = openIfPresent(file, 'r');
      if (fd === undefined) return undefined;
      try {
        const { size } = fstatSync(fd);
        if (size <= this.syncMaxBytes) return readAllSync(fd, size);
      } finally {
        closeSync(fd);
      }
    }
    try {
      return await fs.readFile(file);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Reads a live entry and moves its expiry to `ttlMs` from now through the
   * same open file: the content (with its old header), or `undefined` when
   * the file is missing or expired (left as it is). Without a lock: the
   * header is rewritten in place, so a file deleted or replaced meanwhile stays
   * as the other writer left it.
   */
  async readAndTouch(file: string, ttlMs: number): Promise<Buffer | undefined> {
    if (this.syncMaxBytes > 0) {
      const fd = openIfPresent(file, 'r+');
      if (fd === undefined) return undefined;
      try {
        const { size } = fstatSync(fd);
        if (size <= this.syncMaxBytes) {
          const content = readAllSync(fd, size);
          if (isLive(content)) writeSync(fd, expiryHeader(ttlMs), 0, HEADER_BYTES, 0);
          return content;
        }
      } finally {
        closeSync(fd);
      }
    }
    const content = await this.read(file);
    if (content && isLive(content)) await this.touch(file, ttlMs);
    return content;
  }

  /** Moves the expiry of a live entry; `false` when it is missing or expired. */
  async touch(file: string, ttlMs: number): Promise<boolean> {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    if (this.syncMaxBytes > 0) {
      const fd = openIfPresent(file, 'r+');
      if (fd === undefined) return false;
      try {
        const bytesRead = readSync(fd, header, 0, HEADER_BYTES, 0);
        if (!isLive(header.subarray(0, bytesRead))) return false;
        writeSync(fd, expiryHeader(ttlMs), 0, HEADER_BYTES, 0);
        return true;
      } finally {
        closeSync(fd);
      }
    }
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r+');
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    try {
      const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
      // An expired entry stays expired: touching must not bring it back.
      if (!isLive(header.subarray(0, bytesRead))) return false;
      await handle.write(expiryHeader(ttlMs), 0, HEADER_BYTES, 0);
      return true;
    } finally {
      await handle.close();
    }
  }

  /** Writes a temporary file and renames it into place; the caller holds the lock. */
  async write(file: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const content = Buffer.concat([expiryHeader(ttlMs), value]);
    try {
      if (content.length <= this.syncMaxBytes) {
        const fd = openSync(temp, 'wx', this.mode);
        try {
          fchmodSync(fd, this.mode); // the umask may have narrowed the mode given to open()
          for (let at = 0; at < content.length;)
            at += writeSync(fd, content, at, content.length - at);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, file);
        return;
      }
      const handle = await fs.open(temp, 'wx', this.mode);
      try {
        await handle.chmod(this.mode);
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

  async unlink(file: string): Promise<void> {
    try {
      if (this.syncMaxBytes > 0) unlinkSync(file);
      else await fs.unlink(file);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
}
