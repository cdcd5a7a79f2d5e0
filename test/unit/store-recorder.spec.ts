import type { SessionStore } from '../../lib';
import { recordStoreKeys, STORE_OPERATIONS } from '../utils/store-recorder';

/** A store with every optional method, each answering "found" or "missing" as asked. */
function fullStore(found: boolean): SessionStore {
  const bytes = new Uint8Array([1]);
  return {
    get: async () => (found ? bytes : undefined),
    set: async () => undefined,
    delete: async () => undefined,
    touch: async () => found,
    update: async () => found,
    compareAndSet: async () => (found ? 'stored' : 'missing'),
    getAndTouch: async () => (found ? bytes : undefined),
    findByUser: async () => [],
    deleteExpired: async () => 0,
    close: async () => undefined,
  };
}

async function callEverything(store: SessionStore): Promise<void> {
  const bytes = new Uint8Array([2]);
  await store.get('k:get');
  await store.set('k:set', bytes, 1000);
  await store.delete('k:delete');
  await store.touch!('k:touch', 1000);
  await store.update!('k:update', bytes, 1000);
  await store.compareAndSet!('k:cas', bytes, bytes, 1000);
  await store.getAndTouch!('k:getAndTouch', 1000);
  await store.findByUser!('ada');
  await store.deleteExpired!();
  await store.close!();
}

describe('store recorder', () => {
  it('sees every method a store may have, in call order', async () => {
    const store = fullStore(true);
    const recorder = recordStoreKeys(store);
    await callEverything(store);
    expect(recorder.calls.map((c) => c.operation)).toEqual([...STORE_OPERATIONS]);
    expect(recorder.lines()).toEqual([
      'get k:get',
      'set k:set',
      'delete k:delete',
      'touch k:touch',
      'update k:update',
      'compareAndSet k:cas',
      'getAndTouch k:getAndTouch',
      'findByUser ada',
      'deleteExpired',
      'close',
    ]);
  });

  it('counts as written every call that may have changed an entry', async () => {
    const found = fullStore(true);
    const onFound = recordStoreKeys(found);
    await callEverything(found);
    expect(onFound.writtenKeys()).toEqual([
      'k:set',
      'k:delete',
      'k:touch',
      'k:update',
      'k:cas',
      'k:getAndTouch',
    ]);
    // Calls that said the entry was missing changed nothing.
    const missing = fullStore(false);
    const onMissing = recordStoreKeys(missing);
    await callEverything(missing);
    expect(onMissing.writtenKeys()).toEqual(['k:set', 'k:delete']);
  });

  it('fails the chosen calls without reaching the store, then lets them through', async () => {
    const store = fullStore(true);
    const set = jest.spyOn(store, 'set');
    const recorder = recordStoreKeys(store);
    recorder.fail('set', 2);
    await expect(store.set('a', new Uint8Array(), 1)).rejects.toThrow('injected set failure');
    await expect(store.set('b', new Uint8Array(), 1)).rejects.toThrow('injected set failure');
    await store.set('c', new Uint8Array(), 1);
    expect(set.mock.calls.map(([key]) => key)).toEqual(['c']);
    expect(recorder.calls.map((c) => [c.key, c.failed ?? false])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
    // A failed write may have landed: it counts as written.
    expect(recorder.writtenKeys()).toEqual(['a', 'b', 'c']);
  });

  it('puts the original methods back', async () => {
    const store = fullStore(true);
    const original = store.getAndTouch;
    const recorder = recordStoreKeys(store);
    expect(store.getAndTouch).not.toBe(original);
    recorder.restore();
    expect(store.getAndTouch).toBe(original);
  });
});
