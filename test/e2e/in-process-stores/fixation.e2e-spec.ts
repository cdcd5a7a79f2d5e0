import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeSessionFixation } from '../../suites/session-fixation';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeSessionFixation('filesystem', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-fixation-'));
  dirs.push(dir);
  return { type: 'filesystem', dir };
});

describeSessionFixation('memory', () => ({ type: 'memory' }));
