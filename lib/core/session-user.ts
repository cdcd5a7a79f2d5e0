import { Logger } from '@nestjs/common';
import type { SessionData } from './session-codec';

/** Keys whose value of the wrong type was already reported. */
const reported = new Set<string>();

/**
 * The user a session belongs to: its value under `userKey`, when that is a
 * string or a finite number (as a string). Any other value indexes nothing,
 * and is reported once.
 */
export function sessionUser(data: SessionData, userKey: string | undefined): string | undefined {
  if (userKey === undefined || !Object.hasOwn(data, userKey)) return undefined;
  const value = data[userKey];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value !== undefined && value !== null && !reported.has(userKey)) {
    reported.add(userKey);
    new Logger('SessionModule').warn(
      `Session value "${userKey}" (userKey, SESSION_USER_KEY) is a ${typeof value}: only a string or a number names a user, so this session is not listed under any`,
    );
  }
  return undefined;
}
