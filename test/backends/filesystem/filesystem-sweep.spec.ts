import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileSystemStore } from '../../../lib';
import { describeExpiredSweep } from '../../suites/expired-sweep';

jest.setTimeout(60_000);

const roots: string[] = [];
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeExpiredSweep('filesystem', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-sweep-'));
  roots.push(dir);
  // No pruning by count: only the sweep may remove the files.
  return {
    store: new FileSystemStore({ dir, threshold: 0 }),
    count: async () => readdirSync(dir).length,
  };
});
