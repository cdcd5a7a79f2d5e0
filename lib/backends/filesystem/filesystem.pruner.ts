import { Logger } from '@nestjs/common';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { eachLimited } from '../../utils/concurrency.util';
import { HEADER_BYTES, isMissing } from './filesystem.entry-file';

const SESSION_FILE = /^[0-9a-f]{64}$/;
/**
 * Files a prune or sweep works on at once: few enough to leave most of
 * libuv's four threads to requests on the asynchronous path.
 */
const CONCURRENCY = 4;

interface EntryHeader {
  file: string;
  expiresAt: number;
}

/** Removes a file (only if expired, with `onlyIfExpired`) unless a writer holds it; says whether it did. */
export type Evict = (file: string, onlyIfExpired: boolean) => Promise<boolean>;

/**
 * Keeps the directory under `threshold` files: a cheap count after each
 * write, and once it may be exceeded, one prune at a time in the background,
 * never awaited by the write that started it. It lists the directory, reads
 * the expiry headers a few at a time, and removes expired files, then the
 * oldest, leaving a tenth of the threshold free. A failure is logged; no
 * request ever waits for it or fails with it.
 */
export class FilePruner {
  private readonly logger = new Logger('FileSystemStore');
  private approximateCount = -1;
  private running?: Promise<void>;

  constructor(
    private readonly dir: string,
    private readonly threshold: number,
    private readonly evict: Evict,
  ) {}

  /** Counts one write; starts a prune in the background when the threshold may be exceeded. */
  countWrite(): void {
    if (this.threshold === 0) return;
    if (this.approximateCount >= 0 && ++this.approximateCount <= this.threshold) return;
    this.running ??= this.pruneInBackground();
  }

  private async pruneInBackground(): Promise<void> {
    try {
      await nextTurn();
      await this.prune();
    } catch (error) {
      this.logger.error(`Pruning session files in ${this.dir} failed: ${String(error)}`);
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves once no prune is running (on shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Removes every expired file; returns how many. */
  async deleteExpired(): Promise<number> {
    const entries = await this.scan();
    const now = Date.now();
    const count = await this.evictAll(
      entries.filter((entry) => entry.expiresAt <= now),
      true,
    );
    this.approximateCount = entries.length - count;
    return count;
  }

  private async prune(): Promise<void> {
    const entries = await this.scan();
    this.approximateCount = entries.length;
    if (entries.length <= this.threshold) return;
    const now = Date.now();
    const target = this.threshold - Math.max(1, Math.floor(this.threshold / 10));
    entries.sort((a, b) => a.expiresAt - b.expiresAt);
    const doomed = entries.filter(
      (entry, i) => entry.expiresAt <= now || entries.length - i > target,
    );
    this.approximateCount = entries.length - (await this.evictAll(doomed, false));
  }

  private async evictAll(entries: EntryHeader[], onlyIfExpired: boolean): Promise<number> {
    let removed = 0;
    await eachLimited(entries, CONCURRENCY, async (entry) => {
      // Evictions may be synchronous calls: give requests a turn between them.
      await nextTurn();
      if (await this.evict(entry.file, onlyIfExpired)) removed++;
    });
    return removed;
  }

  /** The expiry header of every session file; a file that is too short counts as expired. */
  private async scan(): Promise<EntryHeader[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const entries: EntryHeader[] = [];
    const files = names.filter((n) => SESSION_FILE.test(n)).map((n) => path.join(this.dir, n));
    await eachLimited(files, CONCURRENCY, async (file) => {
      const header = Buffer.alloc(HEADER_BYTES);
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
    });
    return entries;
  }
}
