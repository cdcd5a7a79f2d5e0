import { expect, it } from '@jest/globals';
import type { SessionStore } from '../interfaces';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The contract of `update` and `compareAndSet`, inside {@link describeSessionStore}'s describe. */
export function describeConditionalWrites(
  storeOf: () => SessionStore,
  key: () => string,
  shortTtl: number,
  timeoutMs: number,
): void {
  const check = (title: string, fn: () => Promise<void>) => it(title, fn, timeoutMs);
  const long = 60_000;

  check('update replaces an existing entry and says so', async () => {
    const store = storeOf();
    const k = key();
    await store.set(k, Buffer.from('first'), long);
    expect(await store.update!(k, Buffer.from('second'), long)).toBe(true);
    expect(Buffer.from((await store.get(k))!).toString()).toBe('second');
  });

  check('update never creates: a missing, deleted or expired entry stays gone', async () => {
    const store = storeOf();
    const missing = key();
    expect(await store.update!(missing, Buffer.from('x'), long)).toBe(false);
    expect(await store.get(missing)).toBeUndefined();
    const deleted = key();
    await store.set(deleted, Buffer.from('x'), long);
    await store.delete(deleted);
    expect(await store.update!(deleted, Buffer.from('y'), long)).toBe(false);
    expect(await store.get(deleted)).toBeUndefined();
    const expired = key();
    await store.set(expired, Buffer.from('x'), shortTtl);
    await sleep(shortTtl * 2 + 100);
    expect(await store.update!(expired, Buffer.from('y'), long)).toBe(false);
    expect(await store.get(expired)).toBeUndefined();
  });

  check('update sets the new expiry', async () => {
    const store = storeOf();
    const k = key();
    await store.set(k, Buffer.from('x'), long);
    expect(await store.update!(k, Buffer.from('y'), shortTtl)).toBe(true);
    await sleep(shortTtl * 2 + 100);
    expect(await store.get(k)).toBeUndefined();
  });

  check('compareAndSet stores when the entry is still what was read', async () => {
    const store = storeOf();
    const k = key();
    const read = Uint8Array.from([0, 1, 2, 255]);
    await store.set(k, read, long);
    const current = (await store.get(k))!;
    expect(await store.compareAndSet!(k, current, Buffer.from('next'), long)).toBe('stored');
    expect(Buffer.from((await store.get(k))!).toString()).toBe('next');
  });

  check('compareAndSet writes nothing when another write came first', async () => {
    const store = storeOf();
    const k = key();
    await store.set(k, Buffer.from('read'), long);
    const read = (await store.get(k))!;
    await store.set(k, Buffer.from('other'), long);
    expect(await store.compareAndSet!(k, read, Buffer.from('mine'), long)).toBe('changed');
    expect(Buffer.from((await store.get(k))!).toString()).toBe('other');
    // Same length, one byte apart: the whole value is compared.
    await store.set(k, Buffer.from('abcd'), long);
    expect(await store.compareAndSet!(k, Buffer.from('abce'), Buffer.from('x'), long)).toBe(
      'changed',
    );
    expect(Buffer.from((await store.get(k))!).toString()).toBe('abcd');
  });

  check('compareAndSet never creates: a missing, deleted or expired entry stays gone', async () => {
    const store = storeOf();
    const missing = key();
    expect(await store.compareAndSet!(missing, Buffer.from('x'), Buffer.from('y'), long)).toBe(
      'missing',
    );
    expect(await store.get(missing)).toBeUndefined();
    const deleted = key();
    await store.set(deleted, Buffer.from('x'), long);
    await store.delete(deleted);
    expect(await store.compareAndSet!(deleted, Buffer.from('x'), Buffer.from('y'), long)).toBe(
      'missing',
    );
    expect(await store.get(deleted)).toBeUndefined();
    const expired = key();
    await store.set(expired, Buffer.from('x'), shortTtl);
    await sleep(shortTtl * 2 + 100);
    expect(await store.compareAndSet!(expired, Buffer.from('x'), Buffer.from('y'), long)).toBe(
      'missing',
    );
    expect(await store.get(expired)).toBeUndefined();
  });

  check('compareAndSet lets exactly one of concurrent writers from one read win', async () => {
    const store = storeOf();
    const k = key();
    await store.set(k, Buffer.from('base'), long);
    const read = (await store.get(k))!;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.compareAndSet!(k, read, Buffer.from(`writer-${i}`), long),
      ),
    );
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'changed')).toHaveLength(9);
    const winner = outcomes.indexOf('stored');
    expect(Buffer.from((await store.get(k))!).toString()).toBe(`writer-${winner}`);
  });
}
