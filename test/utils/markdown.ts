import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** README.md and every Markdown file under docs/, as paths relative to the repository root. */
export function markdownFiles(): string[] {
  const docs = path.join(REPO_ROOT, 'docs');
  const under = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return under(full);
      return entry.name.endsWith('.md') ? [full] : [];
    });
  const files = existsSync(docs) ? under(docs) : [];
  return ['README.md', ...files.map((file) => path.relative(REPO_ROOT, file))]
    .map((file) => file.split(path.sep).join('/'))
    .sort();
}

export function readMarkdown(file: string): string {
  return readFileSync(path.join(REPO_ROOT, file), 'utf8');
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The last non-blank line before the fence (where a skip mark sits). */
  before: string;
}

interface Fence {
  /** 0-based indexes of the opening and closing fence lines (the closing one may be past the end). */
  open: number;
  close: number;
  lang: string;
}

/** The fenced code blocks of a Markdown text (``` or ~~~, closed by the same fence or longer). */
function fences(all: string[]): Fence[] {
  const found: Fence[] = [];
  for (let i = 0; i < all.length; i++) {
    const open = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(all[i]);
    if (!open) continue;
    const [, fence, lang] = open;
    let j = i + 1;
    while (j < all.length && !(all[j].trim().startsWith(fence) && /^\s*(`+|~+)\s*$/.test(all[j])))
      j++;
    found.push({ open: i, close: j, lang });
    i = j;
  }
  return found;
}

interface Line {
  text: string;
  number: number;
  inFence: boolean;
}

/** Lines of a Markdown text, each told whether it belongs to a fenced code block (fences included). */
function lines(markdown: string): Line[] {
  const all = markdown.split('\n');
  const fenced = new Set(
    fences(all).flatMap(({ open, close }) =>
      Array.from({ length: close - open + 1 }, (_, k) => open + k),
    ),
  );
  return all.map((text, index) => ({ text, number: index + 1, inFence: fenced.has(index) }));
}

export function codeBlocks(file: string, markdown = readMarkdown(file)): CodeBlock[] {
  const all = markdown.split('\n');
  return fences(all).map(({ open, close, lang }) => {
    const before =
      all
        .slice(0, open)
        .reverse()
        .find((line) => line.trim() !== '') ?? '';
    return { file, line: open + 1, lang, code: all.slice(open + 1, close).join('\n'), before };
  });
}

/** Heading text as GitHub renders it into an anchor (github-slugger's rules). */
export function slug(heading: string): string {
  const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text defines: its headings, numbered like GitHub's for repeats. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text, inFence } of lines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (inFence || !heading) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) result.add(match[1]);
  return result;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Link and image targets outside code: `[text](target)`, `![alt](target)`, `src="target"`. */
export function links(file: string, markdown = readMarkdown(file)): Link[] {
  const found: Link[] = [];
  for (const { text, number, inFence } of lines(markdown)) {
    if (inFence) continue;
    const prose = text.replace(/(`+)[^`]*?\1/g, '');
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      found.push({ file, line: number, target: match[1] });
    for (const match of prose.matchAll(/\s(?:src|href)="([^"]+)"/g))
      found.push({ file, line: number, target: match[1] });
  }
  return found;
}
