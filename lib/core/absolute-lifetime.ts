import type { SessionSettings } from './session-settings';

/** Milliseconds until a session begun at `createdAt` reaches `absoluteLifetime` (`Infinity` without one). */
export function absoluteRemaining(
  settings: SessionSettings,
  createdAt: number | undefined,
): number {
  const limit = settings.absoluteLifetime;
  if (!limit || createdAt === undefined) return Infinity;
  return createdAt + limit - Date.now();
}

/** `expires`, but never past the session's absolute end. */
export function capExpiry(expires: Date | undefined, remaining: number): Date | undefined {
  if (!expires || remaining === Infinity) return expires;
  return new Date(Math.min(expires.getTime(), Date.now() + remaining));
}
