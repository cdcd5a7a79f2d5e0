import { randomBytes } from 'node:crypto';

/** Characters of an id of `idLength` random bytes (base64url, unpadded). */
export function sessionIdChars(idLength: number): number {
  return Math.ceil((idLength * 4) / 3);
}

/** A fresh id: `idLength` bytes from `crypto.randomBytes`, base64url. */
export function generateSessionId(idLength: number): string {
  return randomBytes(idLength).toString('base64url');
}

/** What an id of `idLength` bytes looks like in a cookie; anything else is never looked up. */
export function sessionIdPattern(idLength: number): RegExp {
  return new RegExp(`^[A-Za-z0-9_-]{${sessionIdChars(idLength)}}$`);
}
