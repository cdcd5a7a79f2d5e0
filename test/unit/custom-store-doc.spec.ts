import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('docs/custom-stores.md', () => {
  it('shows the custom store and its test exactly as test/e2e/custom-store runs them', () => {
    const first = /```ts\n([\s\S]*?)```/.exec(read('docs/custom-stores.md'));
    expect(first?.[1]).toBe(read('test/e2e/custom-store/map-store.spec.ts'));
  });

  it('shows the same example in the README', () => {
    const example = read('test/e2e/custom-store/map-store.spec.ts');
    expect(read('README.md')).toContain('```ts\n' + example + '```');
  });

  it('keeps that example under 40 lines', () => {
    expect(read('test/e2e/custom-store/map-store.spec.ts').split('\n').length).toBeLessThan(40);
  });
});
