import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryStore } from '../../../lib';
import { describeConcurrency } from '../../suites/concurrency';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeConcurrency(
  'filesystem',
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'session-concurrency-'));
    dirs.push(dir);
    return { type: 'filesystem', dir };
  },
  { getAndTouch: true },
);

// A store instance passed in: it outlives the apps of a test, as a real server does.
describeConcurrency('memory (custom store instance)', () => ({ store: new MemoryStore() }));
