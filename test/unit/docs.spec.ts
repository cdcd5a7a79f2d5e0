import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  anchors,
  codeBlocks,
  links,
  markdownFiles,
  readMarkdown,
  REPO_ROOT,
  slug,
} from '../utils/markdown';

const README_MAX_LINES = 400;

/** The problem with one link, or undefined when it resolves. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z+.-]*:/i.test(target)) return undefined; // https:, mailto:
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const resolved = pathPart
    ? path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(pathPart)))
    : file;
  if (resolved.startsWith('../')) return `${target} leaves the repository`;
  const full = path.join(REPO_ROOT, resolved);
  if (!existsSync(full)) return `${resolved} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(full).isDirectory() || !resolved.endsWith('.md'))
    return `#${anchor} points into ${resolved}, which has no headings`;
  return anchors(readMarkdown(resolved)).has(anchor)
    ? undefined
    : `${resolved} has no heading #${anchor}`;
}

describe('documentation', () => {
  const files = markdownFiles();

  it(`keeps the README to at most ${README_MAX_LINES} lines`, () => {
    expect(readMarkdown('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(
      README_MAX_LINES,
    );
  });

  it('starts the README with the two commands: the sample app and the whole test suite', () => {
    const [first] = codeBlocks('README.md');
    expect(first.line).toBeLessThan(15);
    expect(first.code.split('\n').map((line) => line.split('#')[0].trim())).toEqual([
      'npm ci && npm start',
      'npm test',
    ]);
  });

  it('has docs pages beside the README', () => {
    expect(files.filter((file) => file.startsWith('docs/')).length).toBeGreaterThan(10);
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    const broken = links(file)
      .map((link) => ({ ...link, problem: brokenLink(link.file, link.target) }))
      .filter((link) => link.problem !== undefined)
      .map((link) => `${link.file}:${link.line}: ${link.problem}`);
    expect(broken).toEqual([]);
  });

  it('checks links the way GitHub renders anchors', () => {
    expect(slug('The request life cycle')).toBe('the-request-life-cycle');
    expect(slug("`@Session()` is not `@nestjs/common`'s `Session`")).toBe(
      'session-is-not-nestjscommons-session',
    );
    expect(slug('sqlalchemy / typeorm and peewee (SQL through TypeORM)')).toBe(
      'sqlalchemy--typeorm-and-peewee-sql-through-typeorm',
    );
    expect([...anchors('# A\n```\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1']);
    expect(brokenLink('README.md', 'docs/nowhere.md')).toBe('docs/nowhere.md does not exist');
    expect(brokenLink('README.md', '#no-such-heading')).toBe(
      'README.md has no heading #no-such-heading',
    );
  });
});
