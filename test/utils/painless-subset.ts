/**
 * An interpreter for the part of Elasticsearch's painless language an update
 * script of a store may use: `if (…) { … } else { … }`, assignments to
 * `ctx._source.<field>` and `ctx.op`, comparisons (`> < >= <= == !=`) of
 * `ctx._source.<field>`, `params.<name>`, numbers and 'strings'. Anything else
 * is a compile error, as on a server that does not know it: the double runs
 * what the store sends, whatever it is, rather than a copy of known scripts.
 */

type Value = unknown;
type Path = string[];
type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'path'; path: Path }
  | { kind: 'compare'; op: string; left: Expr; right: Expr };
type Statement =
  | { kind: 'if'; test: Expr; then: Statement[]; otherwise: Statement[] }
  | { kind: 'assign'; target: Path; value: Expr };

/** What running a script did to the document: its new `_source` and `ctx.op`. */
export interface ScriptResult {
  source: Record<string, unknown>;
  op: string;
}

export class PainlessCompileError extends Error {}

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?)|'([^']*)'|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|[><=(){};.]))/y;
const COMPARISONS = new Set(['>', '<', '>=', '<=', '==', '!=']);

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.trimEnd().length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (!match) throw new PainlessCompileError(`unexpected character at ${start}`);
    const [, number, string, word, symbol] = match;
    tokens.push(number ?? (string !== undefined ? `'${string}'` : (word ?? symbol)));
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: string[]) {}

  program(): Statement[] {
    const statements = this.statements();
    if (this.at < this.tokens.length) this.fail();
    return statements;
  }

  private statements(): Statement[] {
    const out: Statement[] = [];
    while (this.at < this.tokens.length && this.peek() !== '}') {
      out.push(this.statement());
      while (this.peek() === ';') this.at++;
    }
    return out;
  }

  private statement(): Statement {
    if (this.peek() === 'if') {
      this.at++;
      this.expect('(');
      const test = this.expression();
      this.expect(')');
      const then = this.block();
      const otherwise = this.peek() === 'else' ? (this.at++, this.block()) : [];
      return { kind: 'if', test, then, otherwise };
    }
    const target = this.path();
    this.expect('=');
    return { kind: 'assign', target, value: this.expression() };
  }

  private block(): Statement[] {
    this.expect('{');
    const body = this.statements();
    this.expect('}');
    return body;
  }

  private expression(): Expr {
    const left = this.operand();
    const op = this.peek();
    if (op === undefined || !COMPARISONS.has(op)) return left;
    this.at++;
    return { kind: 'compare', op, left, right: this.operand() };
  }

  private operand(): Expr {
    const token = this.peek();
    if (token === undefined) this.fail();
    if (/^\d/.test(token)) return (this.at++, { kind: 'literal', value: Number(token) });
    if (token.startsWith("'")) return (this.at++, { kind: 'literal', value: token.slice(1, -1) });
    return { kind: 'path', path: this.path() };
  }

  private path(): Path {
    const path = [this.word()];
    while (this.peek() === '.') {
      this.at++;
      path.push(this.word());
    }
    const [root, field, ...rest] = path;
    const known =
      (root === 'params' && field !== undefined && rest.length === 0) ||
      (root === 'ctx' && field === 'op' && rest.length === 0) ||
      (root === 'ctx' && field === '_source' && rest.length === 1);
    if (!known) throw new PainlessCompileError(`cannot resolve [${path.join('.')}]`);
    return path;
  }

  private word(): string {
    const token = this.peek();
    if (token === undefined || !/^[A-Za-z_]/.test(token)) this.fail();
    this.at++;
    return token;
  }

  private expect(token: string): void {
    if (this.peek() !== token) this.fail();
    this.at++;
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private fail(): never {
    throw new PainlessCompileError(`unexpected token [${this.peek() ?? 'end of script'}]`);
  }
}

/** Parses `source`, throwing {@link PainlessCompileError} for anything outside the subset. */
export function compilePainless(source: string): Statement[] {
  return new Parser(tokenize(source)).program();
}

/** Runs `script` on a copy of `source` with `params`, as an `_update` does. */
export function runPainless(
  script: Statement[],
  source: Record<string, unknown>,
  params: Record<string, unknown>,
): ScriptResult {
  const ctx = { _source: structuredClone(source), op: 'index' };
  const read = ([root, field, name]: Path): Value =>
    root === 'params' ? params[field] : name === undefined ? ctx.op : ctx._source[name];
  const evaluate = (expr: Expr): Value => {
    if (expr.kind === 'literal') return expr.value;
    if (expr.kind === 'path') return read(expr.path);
    const left = evaluate(expr.left);
    const right = evaluate(expr.right);
    if (expr.op === '==') return left === right;
    if (expr.op === '!=') return left !== right;
    // Painless unboxes both sides of an ordering: a missing operand is an error.
    if (typeof left !== 'number' || typeof right !== 'number')
      throw new TypeError(
        `Cannot apply [${expr.op}] operation to types [${typeof left}] and [${typeof right}]`,
      );
    if (expr.op === '>') return left > right;
    if (expr.op === '<') return left < right;
    return expr.op === '>=' ? left >= right : left <= right;
  };
  const run = (statements: Statement[]): void => {
    for (const statement of statements) {
      if (statement.kind === 'if') {
        const test = evaluate(statement.test);
        if (typeof test !== 'boolean') throw new TypeError('Cannot cast to [boolean]');
        run(test ? statement.then : statement.otherwise);
      } else {
        const [, field, name] = statement.target;
        const value = evaluate(statement.value);
        if (field === 'op') ctx.op = String(value);
        else ctx._source[name] = value;
      }
    }
  };
  run(script);
  return { source: ctx._source, op: ctx.op };
}
