import { SessionConfigError } from '../session.errors';

/** A `ConfigService` (anything with `get(key)`) or a plain record such as `process.env`. */
export type ConfigSource = { get(key: string): unknown } | Readonly<Record<string, unknown>>;

export type ConfigReader = (key: string) => unknown;

export function readerOf(source: ConfigSource): ConfigReader {
  const get = (source as { get?: unknown }).get;
  const read: ConfigReader =
    typeof get === 'function'
      ? (key) => (source as { get(key: string): unknown }).get(key)
      : (key) => (source as Record<string, unknown>)[key];
  // An empty environment variable means "not set".
  return (key) => {
    const value = read(key);
    return value === '' || value === null ? undefined : value;
  };
}

export function str(read: ConfigReader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new SessionConfigError(key, `expected a string, got ${typeof value}`);
  return value;
}

export function bool(read: ConfigReader, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new SessionConfigError(key, `expected true or false, got "${String(value)}"`);
}

export function num(read: ConfigReader, key: string, integer = true): number | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new SessionConfigError(
      key,
      `expected a${integer ? 'n integer' : ' number'} >= 0, got "${String(value)}"`,
    );
  }
  return n;
}

/** `0600`, `600`, `0o600` as text are octal; a number is taken as is (Python's `0o600` is 384). */
export function fileMode(read: ConfigReader, key: string): number | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const match = /^(?:0o?)?([0-7]{1,4})$/i.exec(String(value).trim());
  if (!match)
    throw new SessionConfigError(
      key,
      `expected an octal file mode such as 0600, got "${String(value)}"`,
    );
  return parseInt(match[1], 8);
}

export function list(read: ConfigReader, key: string): string[] | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  if (typeof value === 'string')
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  throw new SessionConfigError(key, 'expected a comma-separated string or an array of strings');
}

/** A client object, or a string (URL / address) the module connects to itself. */
export function clientOrUrl(read: ConfigReader, key: string): { client?: object; url?: string } {
  const value = read(key);
  if (value === undefined) return {};
  if (typeof value === 'string') return { url: value };
  if (typeof value === 'object') return { client: value as object };
  throw new SessionConfigError(
    key,
    `expected a client instance or a URL string, got ${typeof value}`,
  );
}

export function client(read: ConfigReader, key: string): object | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'object')
    throw new SessionConfigError(key, `expected a client instance, got ${typeof value}`);
  return value as object;
}

export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
