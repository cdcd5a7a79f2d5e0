import type { ServerSideSession } from '../core/server-side-session';

/** One of a user's sessions, as `SessionInterface.userSessions()` lists it. */
export interface UserSession {
  /**
   * The session id. It is what the session cookie carries: keep it on the
   * server (to pass to `revokeSession`), never render it into a page.
   */
  sid: string;
  /** When the session was created, or last regenerated (sign-in regenerates). */
  createdAt: Date;
  /** The last time the session was written or refreshed. */
  lastSeenAt: Date;
  /** When it ends unless used again (or at the absolute limit, whichever comes first). */
  expiresAt: Date;
  /** With `{ current }`: whether this is that session. */
  current?: boolean;
}

/** A user id: what the session holds under `userKey`. */
export type SessionUserId = string | number;

export interface UserSessionsOptions {
  /** The request's own session, to mark it `current` in the list. */
  current?: Pick<ServerSideSession, 'sid'>;
}

export interface RevokeUserSessionsOptions {
  /** A session (or its id) to keep: usually the request's own. */
  except?: string | Pick<ServerSideSession, 'sid'>;
}
