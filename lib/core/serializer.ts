import type { SessionSerializer } from '../interfaces/session-serializer.interface';
import { asBuffer } from '../utils/bytes.util';

// Tagged values are single-key objects whose key starts with a space, as in
// Flask's TaggedJSONSerializer; a plain object that looks like a tag is escaped.
const TAG_DATE = ' d';
const TAG_BYTES = ' b';
const TAG_MAP = ' m';
const TAG_SET = ' s';
const TAG_BIGINT = ' n';
const TAG_OBJECT = ' o';
const TAGS = new Set([TAG_DATE, TAG_BYTES, TAG_MAP, TAG_SET, TAG_BIGINT, TAG_OBJECT]);

const MAX_DEPTH = 200;

function typeName(value: object): string {
  return value.constructor?.name ?? 'null-prototype object';
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Assigns without ever reaching a prototype setter (`__proto__` is plain data). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

function encode(value: unknown, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new TypeError(`Session value at ${path} is nested too deeply`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`Session value at ${path} is ${value}, which JSON cannot hold`);
      return value;
    case 'bigint':
      return { [TAG_BIGINT]: value.toString() };
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      throw new TypeError(`Session value at ${path} is a ${typeof value}, which cannot be stored`);
  }
  if (value === null) return null;
  if (Array.isArray(value))
    return value.map((item, i) => encode(item, `${path}[${i}]`, depth + 1) ?? null);
  if (value instanceof Date) return { [TAG_DATE]: value.getTime() };
  if (value instanceof Uint8Array)
    return {
      [TAG_BYTES]: asBuffer(value).toString('base64'),
    };
  if (value instanceof Map) {
    return {
      [TAG_MAP]: [...value].map(([k, v], i) => [
        encode(k, `${path}<key ${i}>`, depth + 1),
        encode(v, `${path}<${i}>`, depth + 1),
      ]),
    };
  }
  if (value instanceof Set)
    return { [TAG_SET]: [...value].map((v, i) => encode(v, `${path}<${i}>`, depth + 1)) };
  if (!isPlainObject(value))
    throw new TypeError(`Session value at ${path} is a ${typeName(value)}, which cannot be stored`);
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (const key of keys) {
    const encoded = encode(value[key], `${path}.${key}`, depth + 1);
    if (encoded !== undefined) define(out, key, encoded);
  }
  return keys.length === 1 && keys[0].startsWith(' ') ? { [TAG_OBJECT]: out } : out;
}

function decode(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new TypeError('Stored session is nested too deeply');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => decode(item, depth + 1));
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && TAGS.has(keys[0])) return decodeTagged(keys[0], record[keys[0]], depth);
  return decodeObject(record, depth);
}

function decodeObject(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) define(out, key, decode(record[key], depth + 1));
  return out;
}

function decodeTagged(tag: string, payload: unknown, depth: number): unknown {
  switch (tag) {
    case TAG_DATE:
      if (typeof payload !== 'number') break;
      return new Date(payload);
    case TAG_BYTES:
      if (typeof payload !== 'string') break;
      return Buffer.from(payload, 'base64');
    case TAG_BIGINT:
      if (typeof payload !== 'string' || !/^-?\d+$/.test(payload)) break;
      return BigInt(payload);
    case TAG_SET:
      if (!Array.isArray(payload)) break;
      return new Set(payload.map((v) => decode(v, depth + 1)));
    case TAG_MAP:
      if (!Array.isArray(payload) || !payload.every((e) => Array.isArray(e) && e.length === 2))
        break;
      return new Map(
        payload.map(([k, v]: unknown[]) => [decode(k, depth + 1), decode(v, depth + 1)]),
      );
    case TAG_OBJECT:
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) break;
      return decodeObject(payload as Record<string, unknown>, depth + 1);
  }
  throw new TypeError(`Stored session has a malformed "${tag.trim()}" tag`);
}

/**
 * JSON with tags for `Date`, `Buffer`/`Uint8Array`, `Map`, `Set` and `bigint`
 * (like Flask's tagged JSON). Reading only ever builds plain data.
 */
export class TaggedJsonSerializer implements SessionSerializer {
  dumps(value: unknown): Uint8Array {
    return Buffer.from(JSON.stringify(encode(value, 'session', 0)), 'utf8');
  }

  loads(bytes: Uint8Array): unknown {
    const text = asBuffer(bytes).toString('utf8');
    return decode(JSON.parse(text), 0);
  }
}

export const jsonSerializer: SessionSerializer = new TaggedJsonSerializer();
