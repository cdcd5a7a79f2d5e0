import { SessionConfigError } from '../session.errors';

/** Whether `value` is an object with a function under each of `methods`: how clients and stores given in options are recognised. */
export function hasMethods<T>(value: unknown, methods: readonly string[]): value is T {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}

/** `value` when it is undefined or a non-empty string; else a {@link SessionConfigError} naming `key`. */
export function optionalString(key: string, value: unknown, expected: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw new SessionConfigError(key, `expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `value` when it is undefined or a URL with one of `protocols` (e.g. `['redis:', 'rediss:']`). */
export function optionalUrl(
  key: string,
  value: unknown,
  protocols: readonly string[],
  example: string,
): string | undefined {
  if (value === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = typeof value === 'string' ? new URL(value).protocol : undefined;
  } catch {
    protocol = undefined;
  }
  if (protocol === undefined || !protocols.includes(protocol)) {
    const schemes = protocols.map((p) => `${p}//`).join(' or ');
    // "an http://", "a redis://"
    const article = /^[aeiouh]/.test(schemes) ? 'an' : 'a';
    throw new SessionConfigError(
      key,
      `expected ${article} ${schemes} URL such as ${example}, got "${String(value)}"`,
    );
  }
  return value as string;
}

/** `value` when it is undefined or a whole number from `min` to `max`. */
export function optionalInteger(
  key: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (
    value !== undefined &&
    (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
  ) {
    throw new SessionConfigError(
      key,
      `expected an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value as number | undefined;
}

/** `value` when it is undefined, true or false. */
export function optionalBoolean(key: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new SessionConfigError(key, `expected true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}
