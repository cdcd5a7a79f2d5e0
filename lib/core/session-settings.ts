import { Logger } from '@nestjs/common';
import type { CookieAttributes, SameSite } from './cookie';
import { SessionConfigError } from '../session.errors';
import type { CommonSessionOptions, SameSiteOption, SessionConcurrency } from '../interfaces';
import type { SessionSerializer } from '../interfaces/session-serializer.interface';
import { jsonSerializer } from './serializer';

/** The validated, defaulted form of {@link CommonSessionOptions}. */
export interface SessionSettings {
  permanent: boolean;
  useSigner: boolean;
  secrets: readonly string[];
  keyPrefix: string;
  idLength: number;
  lifetime: number;
  refreshEachRequest: boolean;
  cookieName: string;
  cookie: CookieAttributes;
  serializer: SessionSerializer;
  storeTimeout: number;
  cleanupEvery: number;
  cleanupInterval: number;
  maxSize: number;
  concurrency: SessionConcurrency;
  /** The session value naming its user; `undefined`: sessions are not indexed by user. */
  userKey?: string;
  /** Milliseconds a session lives from creation or regeneration; `0`: no absolute limit. */
  absoluteLifetime: number;
}

export const DEFAULT_LIFETIME_MS = 31 * 24 * 3600 * 1000;
/** `storeTimeout`'s default, and the bound of a store or client used without the module. */
export const DEFAULT_STORE_TIMEOUT_MS = 3000;
/** `cleanupInterval`'s default: a background sweep every 5 minutes. */
export const DEFAULT_CLEANUP_INTERVAL_MS = 5 * 60 * 1000;
/** The longest delay Node's timers keep; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MIN_SECRET_BYTES = 32;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const COOKIE_ATTRIBUTE = /^[^;\s\x00-\x1f\x7f]*$/;

function positiveInt(
  key: string,
  value: number | undefined,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new SessionConfigError(key, `expected an integer ${range}, got ${String(value)}`);
  }
  return value;
}

/** Node fires a timer of more than 2^31-1 ms at once: every store call would time out. */
function storeTimeout(value: number | undefined): number {
  const key = 'storeTimeout (SESSION_STORE_TIMEOUT)';
  return positiveInt(key, value, DEFAULT_STORE_TIMEOUT_MS, 1, MAX_TIMER_MS);
}

function bool(key: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new SessionConfigError(key, `expected true or false, got ${String(value)}`);
  return value;
}

function sameSite(value: SameSiteOption | undefined): SameSite | undefined {
  if (value === undefined || value === false) return undefined;
  const normalized = typeof value === 'string' ? value.toLowerCase() : value;
  switch (normalized) {
    case 'strict':
      return 'Strict';
    case 'lax':
      return 'Lax';
    case 'none':
      return 'None';
  }
  throw new SessionConfigError(
    'cookie.sameSite (SESSION_COOKIE_SAMESITE)',
    `expected Strict, Lax, None or false, got ${String(value)}`,
  );
}

/**
 * Secrets only sign the cookie: a short one fails startup with `useSigner`,
 * and is only warned about otherwise (a Flask `SECRET_KEY` may serve other uses).
 */
function secrets(options: CommonSessionOptions, useSigner: boolean): readonly string[] {
  const value: unknown = options.secret;
  const given: unknown[] = value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
  const short: string[] = [];
  given.forEach((secret, i) => {
    const bytes = typeof secret === 'string' ? Buffer.byteLength(secret) : 0;
    if (bytes >= MIN_SECRET_BYTES) return;
    const key = i === 0 ? 'secret (SECRET_KEY)' : `secret[${i}] (SECRET_KEY_FALLBACKS)`;
    // Names the offending entry and its length, never its value.
    const got = typeof secret === 'string' ? `${bytes} bytes` : typeof secret;
    if (typeof secret === 'string' && !useSigner) {
      short.push(`${key} is ${got}`);
      return;
    }
    throw new SessionConfigError(
      key,
      `each secret must be a string of at least ${MIN_SECRET_BYTES} bytes, got ${got}`,
    );
  });
  if (short.length) {
    new Logger('SessionModule').warn(
      `${short.join(', ')}: under ${MIN_SECRET_BYTES} bytes, too short to sign session cookies; unused while useSigner (SESSION_USE_SIGNER) is false`,
    );
  }
  if (useSigner && given.length === 0) {
    throw new SessionConfigError(
      'useSigner (SESSION_USE_SIGNER)',
      'signing needs `secret` (SECRET_KEY) to be set',
    );
  }
  return given as string[];
}

function concurrency(value: unknown): SessionConcurrency {
  if (value === undefined) return 'merge';
  if (value === 'merge' || value === 'overwrite') return value;
  throw new SessionConfigError(
    'concurrency (SESSION_CONCURRENCY)',
    `expected 'merge' or 'overwrite', got ${JSON.stringify(value)}`,
  );
}

function serializer(value: CommonSessionOptions['serializer']): SessionSerializer {
  if (value === undefined || value === 'json') return jsonSerializer;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof value.dumps === 'function' &&
    typeof value.loads === 'function'
  ) {
    return value;
  }
  throw new SessionConfigError(
    'serializer (SESSION_SERIALIZATION_FORMAT)',
    `expected 'json' or an object with dumps() and loads(), got ${String(value)}`,
  );
}

/**
 * Marks settings this module resolved, so resolving them again hands them back
 * as they are. A symbol key, so a backend can spread them with an option of its own.
 */
const RESOLVED = Symbol('resolved session settings');

/** Whether `value` is settings {@link resolveSessionSettings} made (not options still to resolve). */
export function isSessionSettings(value: object): value is SessionSettings {
  return RESOLVED in value;
}

/**
 * Validates and defaults the common options, once: startup warnings print once
 * however many layers (a backend's `fromOptions`, its constructor, the base
 * class) ask for the settings.
 */
export function resolveSessionSettings(
  options: CommonSessionOptions | SessionSettings,
): SessionSettings {
  if (isSessionSettings(options)) return options;
  return Object.freeze({ ...validate(options), [RESOLVED]: true });
}

/**
 * The settings of a Flask-style positional constructor: its options, with the
 * seed's positional arguments (`keyPrefix`, `useSigner`, `permanent`) winning
 * where set. Settings already resolved (by `fromOptions`) pass through unchanged.
 */
export function seedSettings(
  options: CommonSessionOptions | SessionSettings,
  seed: Pick<CommonSessionOptions, 'keyPrefix' | 'useSigner' | 'permanent'>,
): SessionSettings {
  if (isSessionSettings(options)) return options;
  const given = Object.entries(seed).filter(([, value]) => value !== undefined);
  return resolveSessionSettings(
    given.length ? { ...options, ...Object.fromEntries(given) } : options,
  );
}

function validate(options: CommonSessionOptions): SessionSettings {
  const cookie = options.cookie ?? {};
  const useSigner = bool('useSigner (SESSION_USE_SIGNER)', options.useSigner, false);
  const cookieName = cookie.name ?? 'session';
  if (!COOKIE_NAME.test(cookieName)) {
    throw new SessionConfigError(
      'cookie.name (SESSION_COOKIE_NAME)',
      `"${cookieName}" is not a valid cookie name`,
    );
  }
  const path = cookie.path ?? '/';
  if (!path.startsWith('/') || !COOKIE_ATTRIBUTE.test(path)) {
    throw new SessionConfigError(
      'cookie.path (SESSION_COOKIE_PATH)',
      `expected a path starting with "/", got "${path}"`,
    );
  }
  if (
    cookie.domain !== undefined &&
    (cookie.domain === '' || !COOKIE_ATTRIBUTE.test(cookie.domain))
  ) {
    throw new SessionConfigError(
      'cookie.domain (SESSION_COOKIE_DOMAIN)',
      `"${cookie.domain}" is not a valid domain`,
    );
  }
  const keyPrefix = options.keyPrefix ?? 'session:';
  if (typeof keyPrefix !== 'string')
    throw new SessionConfigError('keyPrefix (SESSION_KEY_PREFIX)', 'expected a string');
  const autoDelete = bool('autoDelete (SESSION_AUTODELETE)', options.autoDelete, false);
  const cookieAttributes: CookieAttributes = {
    domain: cookie.domain,
    path,
    httpOnly: bool('cookie.httpOnly (SESSION_COOKIE_HTTPONLY)', cookie.httpOnly, true),
    secure: bool('cookie.secure (SESSION_COOKIE_SECURE)', cookie.secure, false),
    sameSite: sameSite(cookie.sameSite),
    partitioned: bool('cookie.partitioned (SESSION_COOKIE_PARTITIONED)', cookie.partitioned, false),
  };
  warnOfCookiesBrowsersDrop(cookieAttributes);
  return {
    permanent: bool('permanent (SESSION_PERMANENT)', options.permanent, true),
    useSigner,
    secrets: secrets(options, useSigner),
    keyPrefix,
    idLength: positiveInt('idLength (SESSION_ID_LENGTH)', options.idLength, 32, 16),
    lifetime: positiveInt(
      'lifetime (PERMANENT_SESSION_LIFETIME)',
      options.lifetime,
      DEFAULT_LIFETIME_MS,
    ),
    refreshEachRequest: bool(
      'refreshEachRequest (SESSION_REFRESH_EACH_REQUEST)',
      options.refreshEachRequest,
      true,
    ),
    cookieName,
    cookie: cookieAttributes,
    serializer: serializer(options.serializer),
    storeTimeout: storeTimeout(options.storeTimeout),
    cleanupEvery: positiveInt(
      'cleanupEvery (SESSION_CLEANUP_N_REQUESTS)',
      options.cleanupEvery,
      autoDelete ? 1000 : 0,
      0,
    ),
    cleanupInterval: positiveInt(
      'cleanupInterval (SESSION_CLEANUP_INTERVAL)',
      options.cleanupInterval,
      DEFAULT_CLEANUP_INTERVAL_MS,
      0,
      MAX_TIMER_MS,
    ),
    maxSize: positiveInt('maxSize (SESSION_MAX_SIZE)', options.maxSize, 0, 0),
    concurrency: concurrency(options.concurrency),
    userKey: userKey(options.userKey),
    absoluteLifetime: positiveInt(
      'absoluteLifetime (SESSION_ABSOLUTE_LIFETIME)',
      options.absoluteLifetime,
      0,
      0,
    ),
  };
}

function userKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new SessionConfigError(
      'userKey (SESSION_USER_KEY)',
      `expected the name of a session value, got ${JSON.stringify(value) ?? String(value)}`,
    );
  return value;
}

/**
 * Browsers refuse a `SameSite=None` or `Partitioned` cookie without `Secure`,
 * so no session would stick. Flask-Session accepts such settings, so they are
 * allowed (a proxy may add `Secure`), but said at startup.
 */
function warnOfCookiesBrowsersDrop(cookie: CookieAttributes): void {
  if (cookie.secure) return;
  const unsafe = [
    cookie.sameSite === 'None' && 'cookie.sameSite (SESSION_COOKIE_SAMESITE) is None',
    cookie.partitioned && 'cookie.partitioned (SESSION_COOKIE_PARTITIONED) is true',
  ].filter((reason): reason is string => typeof reason === 'string');
  for (const reason of unsafe) {
    new Logger('SessionModule').warn(
      `${reason} but cookie.secure (SESSION_COOKIE_SECURE) is false: browsers drop such a cookie unless it is Secure`,
    );
  }
}
