import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from './markdown';

export interface Snippet {
  /** Where the snippet comes from, e.g. `README.md:42` (the line of its opening fence). */
  origin: string;
  code: string;
}

/** The package's own entry points, as an application imports them. */
const PACKAGE_PATHS = {
  'nestjs-server-session': ['lib/index.ts'],
  'nestjs-server-session/testing': ['lib/testing/index.ts'],
  'nestjs-server-session/health': ['lib/health/index.ts'],
};

const SNIPPET_DIR = path.join(REPO_ROOT, '.doc-snippets');

/** The tsconfig the snippets are checked with: the project's strict settings, the package mapped to lib/. */
function snippetConfig(fileNames: string[]): ts.ParsedCommandLine {
  const json = {
    compilerOptions: {
      target: 'ES2022',
      module: 'commonjs',
      moduleResolution: 'node',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noImplicitOverride: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node', 'jest'],
      baseUrl: '.',
      paths: PACKAGE_PATHS,
    },
    files: fileNames,
  };
  return ts.parseJsonConfigFileContent(json, ts.sys, REPO_ROOT);
}

/**
 * Type-checks every snippet as a module of its own, all in one program, and returns the
 * diagnostics of each snippet (empty when it compiles), keyed by origin.
 */
export function checkSnippets(snippets: Snippet[]): Map<string, string[]> {
  const byFile = new Map<string, Snippet>();
  snippets.forEach((snippet, index) => {
    const name = `${String(index).padStart(3, '0')}-${snippet.origin.replace(/[^\w.-]+/g, '_')}.ts`;
    byFile.set(path.join(SNIPPET_DIR, name), snippet);
  });
  const config = snippetConfig([...byFile.keys()]);
  const host = ts.createCompilerHost(config.options);
  const source = (file: string) => {
    const snippet = byFile.get(path.resolve(file));
    // `export {}` makes each snippet a module, so their top-level names do not collide.
    return snippet && `${snippet.code}\nexport {};\n`;
  };
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => source(file) !== undefined || fileExists.call(host, file);
  host.readFile = (file) => source(file) ?? readFile.call(host, file);
  host.getSourceFile = (file, languageVersion, ...rest) => {
    const text = source(file);
    return text !== undefined
      ? ts.createSourceFile(file, text, languageVersion, true)
      : getSourceFile.call(host, file, languageVersion, ...rest);
  };
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, host });
  const result = new Map<string, string[]>();
  for (const [file, snippet] of byFile) {
    const sourceFile = program.getSourceFile(file);
    if (!sourceFile) throw new Error(`${snippet.origin}: the snippet was not compiled`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ].map((diagnostic) => {
      const { line } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      return `line ${line + 1} of the snippet: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    result.set(snippet.origin, diagnostics);
  }
  return result;
}
