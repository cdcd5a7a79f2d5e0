import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryStore } from '../../../lib';
import { describeSessionE2E } from '../../suites/session-e2e';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeSessionE2E('filesystem', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-e2e-'));
  dirs.push(dir);
  return { type: 'filesystem', dir };
});

// A store instance passed in: it outlives the apps of a test, as a real server does.
describeSessionE2E('memory (custom store instance)', () => ({ store: new MemoryStore() }));
