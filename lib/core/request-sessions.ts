/** The session opened for each request, and the promise of the one being opened. */
import type { ServerSideSession } from './server-side-session';

// Not properties of the request: a new property on an Express request costs
// V8 several microseconds (measured). A WeakMap entry costs too, so these are
// the only two per request.
const opening = new WeakMap<object, Promise<ServerSideSession>>();
const opened = new WeakMap<object, ServerSideSession>();

/** The session already opened for `request`, if any (what `@Session()` returns). */
export function openedSession(request: object): ServerSideSession | undefined {
  return opened.get(request);
}

export function openingSession(request: object): Promise<ServerSideSession> | undefined {
  return opening.get(request);
}

export function rememberOpening(request: object, pending: Promise<ServerSideSession>): void {
  opening.set(request, pending);
  // A failed load is not remembered: the next attempt asks the store again.
  pending.catch(() => opening.delete(request));
}

export function rememberOpened(request: object, session: ServerSideSession): void {
  opened.set(request, session);
}
