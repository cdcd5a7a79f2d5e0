import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryStore } from '../../../lib';
import { describeUserSessions } from '../../suites/user-sessions';

// A store instance passed in: it outlives the apps of a test, as a real server does.
describeUserSessions('memory', () => ({ store: new MemoryStore() }));

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeUserSessions('filesystem', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'user-sessions-'));
  dirs.push(dir);
  return { type: 'filesystem', dir };
});
