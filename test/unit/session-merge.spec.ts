import { TaggedJsonSerializer } from '../../lib';
import { applyChanges, changesBetween } from '../../lib/core/session-merge';

const serializer = new TaggedJsonSerializer();
const session = (data: Record<string, unknown>, permanent = true) => ({ permanent, data });

describe('merging a request’s changes onto a concurrently changed session', () => {
  it('keeps keys others set and applies this request’s sets and deletes', () => {
    const loaded = session({ cart: ['a'], theme: 'dark', gone: 1 });
    const mine = session({ cart: ['a', 'b'], theme: 'dark' });
    const changes = changesBetween(loaded, mine, false, serializer);
    const theirs = session({ cart: ['a'], theme: 'light', gone: 1, other: true });
    expect(applyChanges(theirs, changes)).toEqual(
      session({ cart: ['a', 'b'], theme: 'light', other: true }),
    );
  });

  it('counts a nested value changed in place, and only keys whose value changed', () => {
    const loaded = session({ profile: { name: 'ada', tags: [1] }, same: { x: 1 } });
    const mine = session({ profile: { name: 'ada', tags: [1, 2] }, same: { x: 1 } });
    const changes = changesBetween(loaded, mine, false, serializer);
    expect([...changes.set.keys()]).toEqual(['profile']);
    expect(changes.deleted.size).toBe(0);
  });

  it('after clear(), keeps none of the keys others wrote', () => {
    const changes = changesBetween(session({ a: 1 }), session({ b: 2 }), true, serializer);
    expect(applyChanges(session({ a: 1, c: 3 }), changes)).toEqual(session({ b: 2 }));
  });

  it('takes permanent from this request only when it changed it', () => {
    const unchanged = changesBetween(session({}, true), session({ a: 1 }, true), false, serializer);
    expect(applyChanges(session({}, false), unchanged).permanent).toBe(false);
    const changed = changesBetween(session({}, true), session({}, false), false, serializer);
    expect(applyChanges(session({}, true), changed).permanent).toBe(false);
  });

  it('treats __proto__ as a plain key', () => {
    const mine = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const merged = applyChanges(
      session({}),
      changesBetween(session({}), session(mine), false, serializer),
    );
    expect(Object.keys(merged.data)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
