import { TaggedJsonSerializer } from '../../lib';

describe('TaggedJsonSerializer', () => {
  const serializer = new TaggedJsonSerializer();
  const roundTrip = (value: unknown) => serializer.loads(serializer.dumps(value));

  it('round-trips JSON values', () => {
    const value = { a: 1, b: 'two', c: [true, null, 3.5], d: { e: { f: [] } } };
    expect(roundTrip(value)).toEqual(value);
  });

  it('round-trips Date, Buffer, Uint8Array, Map, Set and bigint', () => {
    const date = new Date('2026-01-02T03:04:05.678Z');
    const value = {
      date,
      buffer: Buffer.from([0, 1, 254, 255]),
      bytes: new Uint8Array([9, 8, 7]),
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, new Set(['x'])],
      ]),
      set: new Set([1, 'a', date]),
      big: 12345678901234567890n,
    };
    const back = roundTrip(value) as typeof value;
    expect(back.date).toBeInstanceOf(Date);
    expect(back.date.getTime()).toBe(date.getTime());
    expect(Buffer.isBuffer(back.buffer) && back.buffer.equals(value.buffer)).toBe(true);
    expect([...back.bytes]).toEqual([9, 8, 7]);
    expect(back.map).toEqual(value.map);
    expect(back.set).toEqual(value.set);
    expect(back.big).toBe(12345678901234567890n);
  });

  it('keeps plain objects that look like tags as plain objects', () => {
    const value = { tricky: { ' d': 5 }, other: { ' o': { ' d': 1 } } };
    expect(roundTrip(value)).toEqual(value);
  });

  it('treats __proto__ and constructor as plain data, never touching prototypes', () => {
    const value = JSON.parse(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}',
    ) as object;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(back).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    const parsed = serializer.loads(Buffer.from('{"__proto__":{"polluted":1}}')) as Record<
      string,
      unknown
    >;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
  });

  it('refuses values it cannot restore, naming where they are', () => {
    class Custom {}
    expect(() => serializer.dumps({ a: { b: new Custom() } })).toThrow(/session\.a\.b is a Custom/);
    expect(() => serializer.dumps({ f: () => 1 })).toThrow(/session\.f is a function/);
    expect(() => serializer.dumps({ n: NaN })).toThrow(/NaN/);
  });

  it('drops undefined object values and turns undefined array items into null, as JSON does', () => {
    expect(roundTrip({ a: undefined, b: [undefined] })).toEqual({ b: [null] });
  });

  it('rejects malformed tags and invalid JSON instead of guessing', () => {
    expect(() => serializer.loads(Buffer.from('{"x":{" d":"not a number"}}'))).toThrow(
      /malformed "d" tag/,
    );
    expect(() => serializer.loads(Buffer.from('{"x":{" n":"12abc"}}'))).toThrow(/malformed/);
    expect(() => serializer.loads(Buffer.from('{not json'))).toThrow(SyntaxError);
  });

  it('never calls code from stored data', () => {
    const payload = '{"toJSON":{"__proto__":null},"valueOf":"x","then":"y"}';
    const back = serializer.loads(Buffer.from(payload)) as Record<string, unknown>;
    expect(back.valueOf).toBe('x');
    expect(back.then).toBe('y');
  });
});
