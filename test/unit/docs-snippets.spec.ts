import { codeBlocks, markdownFiles } from '../utils/markdown';
import { checkSnippets, type Snippet } from '../utils/snippet-program';

/** The comment that, right before a fence, exempts a deliberately partial snippet. */
const SKIP_MARK = '<!-- snippet: partial -->';

/** Every snippet exempted with SKIP_MARK (`file: first line of the snippet`); keep it short. */
const PARTIAL_SNIPPETS: string[] = [
  'docs/custom-stores.md: async update(key: string, value: Uint8Array, ttlMs: number) {',
  'docs/custom-stores.md: SessionModule.forRoot({ store: MapStore });       // a class: built through DI, closed on shutdown',
  'docs/custom-stores.md: describeSessionStore(name, setup, options?)',
  "docs/custom-stores.md: platforms: [{ name: 'fastify', create: (module) => NestFactory.create(module, new FastifyAdapter()) }],",
];

const TS_LANGS = ['ts', 'typescript'];

describe('TypeScript examples in README.md and docs/', () => {
  const blocks = markdownFiles()
    .flatMap((file) => codeBlocks(file))
    .filter((block) => TS_LANGS.includes(block.lang));
  const origin = (block: { file: string; line: number }) => `${block.file}:${block.line}`;
  const checked = blocks.filter((block) => block.before.trim() !== SKIP_MARK);
  const snippets: Snippet[] = checked.map((block) => ({ origin: origin(block), code: block.code }));
  // A snippet that must not compile, to show the check can fail.
  const broken: Snippet = {
    origin: 'self-test',
    code: "import { SessionModule } from 'nestjs-server-session';\nSessionModule.forRoot({ type: 'redis', lifetime: '1 day' });",
  };
  let results: Map<string, string[]>;

  beforeAll(() => {
    results = checkSnippets([...snippets, broken]);
  }, 120_000);

  it('finds the examples', () => {
    expect(checked.length).toBeGreaterThan(15);
  });

  it('lists every snippet marked as partial', () => {
    const marked = blocks
      .filter((block) => block.before.trim() === SKIP_MARK)
      .map((block) => `${block.file}: ${block.code.split('\n')[0]}`);
    expect(marked).toEqual(PARTIAL_SNIPPETS);
  });

  it('reports a snippet that does not type-check', () => {
    expect(results.get('self-test')?.join('\n')).toMatch(/lifetime/);
  });

  it.each(snippets.map((snippet) => snippet.origin))('%s compiles against the package', (name) => {
    expect(results.get(name)).toEqual([]);
  });
});
