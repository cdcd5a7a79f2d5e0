import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileSystemStore } from '../../../lib';
import { describeHostileCookies } from '../../suites/hostile-cookies';

const SESSION_FILE = /^[0-9a-f]{64}$/;

/** Every file under `root`, relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

// The store directory sits three levels down, so an id that climbed out of it
// (`../`, `../../`, `../../../`) would leave a file somewhere under `root`.
const root = mkdtempSync(path.join(tmpdir(), 'hostile-cookies-'));
const storeDir = path.join('a', 'b', 'sessions');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectOnlySessionFiles(): void {
  const files = filesUnder(root);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    expect(path.dirname(file)).toBe(storeDir);
    expect(path.basename(file)).toMatch(SESSION_FILE);
  }
}

describeHostileCookies(
  'filesystem',
  () => ({ type: 'filesystem', dir: path.join(root, storeDir), threshold: 0 }),
  { verify: expectOnlySessionFiles },
);

describeHostileCookies('memory', () => ({ type: 'memory' }));

describe('filesystem store keys', () => {
  it('keeps every key, however hostile, in one file inside its directory', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'hostile-keys-'));
    const dir = path.join(base, 'x', 'y', 'sessions');
    const store = new FileSystemStore({ dir, threshold: 0 });
    const piece = fc.constantFrom('../', '..\\', '/', '\0', '%2e%2e/', 'etc/passwd', '.', '~');
    const key = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(piece, { maxLength: 20 }).map((p) => p.join('')),
      fc
        .tuple(fc.constantFrom('session:', ''), fc.string({ maxLength: 60 }))
        .map(([a, b]) => a + b),
    );
    try {
      await fc.assert(
        fc.asyncProperty(key, fc.uint8Array({ maxLength: 64 }), async (k, value) => {
          await store.set(k, value, 60_000);
          expect(Buffer.from((await store.get(k)) ?? [])).toEqual(Buffer.from(value));
          const files = filesUnder(base);
          expect(files).toHaveLength(1);
          expect(path.dirname(files[0])).toBe(path.join('x', 'y', 'sessions'));
          expect(path.basename(files[0])).toMatch(SESSION_FILE);
          await store.delete(k);
          expect(await store.get(k)).toBeUndefined();
          expect(filesUnder(base)).toEqual([]);
        }),
        { numRuns: 300 },
      );
    } finally {
      await store.close();
      rmSync(base, { recursive: true, force: true });
    }
  });
});
