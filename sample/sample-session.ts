import type { ServerSideSession } from '../lib';

/**
 * What the sample keeps in a session. The signed-in name sits under the
 * configured `userKey` (SESSION_USER_KEY, 'user' unless the environment says
 * otherwise), so the store indexes the session under that user.
 */
export interface SampleData {
  visits: number;
  cart: string[];
  [userKey: string]: unknown;
}

export type SampleSession = ServerSideSession<SampleData>;

export interface SampleUsers {
  /** The session value holding the signed-in name: the module's `userKey` when `listed`. */
  key: string;
  /** Whether `userKey` is on, so the store lists a user's sessions (not on memcached). */
  listed: boolean;
}

/** The signed-in user's name, if any. */
export function signedInUser(session: SampleSession, userKey: string): string | undefined {
  const user = session.get(userKey);
  return typeof user === 'string' && user !== '' ? user : undefined;
}
