import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const LIB = path.resolve(__dirname, '../../lib');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const files = filesUnder(LIB);
const rel = (file: string) => path.relative(LIB, file).split(path.sep).join('/');
const source = (file: string) =>
  ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
const withoutComments = (file: string) =>
  ts.createPrinter({ removeComments: true }).printFile(source(file));

/**
 * Lower floors never import higher ones at run time; `session.errors.ts` imports nothing from lib.
 * `testing/` (the `./testing` export) sits above everything: nothing in lib imports it.
 */
function floorOf(file: string): number {
  const name = rel(file);
  if (name.startsWith('interfaces/') || name === 'session.errors.ts') return 0;
  if (name.startsWith('utils/')) return 1;
  if (name.startsWith('core/')) return 2;
  if (name.startsWith('backends/') || name.startsWith('http/')) return 3;
  if (name.startsWith('testing/')) return 5;
  return 4;
}

interface LibImport {
  target: string;
  typeOnly: boolean;
}

function libImports(file: string): LibImport[] {
  const imports: LibImport[] = [];
  for (const statement of source(file).statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), specifier.text);
    const target = files.find((f) => f === `${base}.ts` || f === path.join(base, 'index.ts'));
    if (!target) throw new Error(`${rel(file)} imports ${specifier.text}, which is not in lib`);
    const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
    const typeOnly = ts.isImportDeclaration(statement)
      ? Boolean(clause?.isTypeOnly) ||
        Boolean(
          clause?.namedBindings &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((element) => element.isTypeOnly),
        )
      : statement.isTypeOnly;
    imports.push({ target, typeOnly });
  }
  return imports;
}

describe('lib layout', () => {
  it('has no file over 300 lines', () => {
    const long = files
      .map((file) => ({ file: rel(file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 300);
    expect(long).toEqual([]);
  });

  it('keeps interfaces/ to types: no class, no function', () => {
    const found: string[] = [];
    for (const file of files.filter((f) => rel(f).startsWith('interfaces/'))) {
      const visit = (node: ts.Node): void => {
        if (
          ts.isClassDeclaration(node) ||
          ts.isClassExpression(node) ||
          ts.isFunctionDeclaration(node) ||
          ts.isFunctionExpression(node) ||
          ts.isArrowFunction(node)
        ) {
          found.push(`${rel(file)}: ${node.getText().slice(0, 60)}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source(file));
    }
    expect(found).toEqual([]);
  });

  it('imports only from lower floors at run time (interfaces < utils < core < backends, http < module files < testing)', () => {
    const upward: string[] = [];
    for (const file of files) {
      for (const { target, typeOnly } of libImports(file)) {
        // Types are erased: only what runs can form a cycle.
        if (!typeOnly && floorOf(target) > floorOf(file))
          upward.push(`${rel(file)} -> ${rel(target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('loads jest only from testing/, so the root entry runs without it', () => {
    const jestUsers = files
      .filter((file) => !rel(file).startsWith('testing/'))
      .filter((file) =>
        source(file).statements.some(
          (statement) =>
            ts.isImportDeclaration(statement) &&
            ts.isStringLiteral(statement.moduleSpecifier) &&
            /^(@jest\/|jest$)/.test(statement.moduleSpecifier.text),
        ),
      )
      .map(rel);
    expect(jestUsers).toEqual([]);
  });

  it('keeps each backend folder to itself', () => {
    const crossing: string[] = [];
    for (const file of files.filter((f) => /^backends\/[^/]+\//.test(rel(f)))) {
      const own = rel(file).split('/')[1];
      for (const { target } of libImports(file)) {
        const [top, folder] = rel(target).split('/');
        if (top === 'backends' && folder !== own) crossing.push(`${rel(file)} -> ${rel(target)}`);
        if (top === 'http') crossing.push(`${rel(file)} -> ${rel(target)}`);
      }
    }
    expect(crossing).toEqual([]);
  });

  it.each([
    ['a byte view built by hand', /Buffer\.from\(\s*\w+\.buffer,/, 'utils/bytes.util.ts'],
    ['id characters computed by hand', /ceil\(\s*\(?\s*\w+(\.\w+)*idLength/i, 'core/session-id.ts'],
    ['the store timeout default as a literal', /\b3000\b/, 'core/session-settings.ts'],
    ['a self-resetting lazy promise', /\?\?=[^;]*\.catch\(/, 'utils/lazy.util.ts'],
    ['a Promise.race timer', /Promise\.race\(/, 'utils/timeout.util.ts'],
  ])('writes %s once', (_shape, pattern, home) => {
    const copies = files
      .filter((file) => rel(file) !== home)
      .filter((file) => pattern.test(withoutComments(file)))
      .map(rel);
    expect(copies).toEqual([]);
  });
});
