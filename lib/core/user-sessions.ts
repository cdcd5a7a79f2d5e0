import type { RevokeUserSessionsOptions, SessionUserId, UserSession } from '../interfaces';
import { SessionConfigError } from '../session.errors';
import type { ServerSideSession, SessionState } from './server-side-session';
import type { SessionSettings } from './session-settings';
import type { SessionStorage } from './session-storage';
import { sessionUser } from './session-user';

/** A listed session with the key it is stored under. */
interface FoundSession extends UserSession {
  key: string;
}

/**
 * A user's sessions (`userKey`): listed from the store's index, each checked
 * against its stored value (it must still name the user, and be within its
 * lifetimes), and revoked by deleting their entries.
 */
export class UserSessions {
  constructor(
    private readonly storage: SessionStorage,
    private readonly settings: SessionSettings,
    private readonly idPattern: RegExp,
  ) {}

  async list(
    userId: SessionUserId,
    current?: Pick<ServerSideSession, 'sid'>,
  ): Promise<UserSession[]> {
    const found = await this.find(userId);
    return found.map(({ key: _key, ...session }) =>
      current ? { ...session, current: session.sid === current.sid } : session,
    );
  }

  /**
   * With `userKey`, a session just stored under a new id by `regenerate()` is
   * kept only if the session it came from still exists: a revocation of the
   * user's sessions either came before (that one is gone) or lists the new
   * one, which is already stored under its user. Otherwise it is deleted.
   */
  async keepsRegenerated(state: SessionState, key: string): Promise<boolean> {
    if (this.settings.userKey === undefined || !state.deadIds.length) return true;
    const previous = this.settings.keyPrefix + state.deadIds[0];
    if (await this.storage.load(previous, false)) return true;
    await this.storage.delete(key);
    state.deadIds = [];
    return false;
  }

  /** Deletes every session of the user but `except`; how many went. */
  async revokeAll(
    userId: SessionUserId,
    { except }: RevokeUserSessionsOptions = {},
  ): Promise<number> {
    const kept = typeof except === 'string' ? except : except?.sid;
    let revoked = 0;
    for (const { sid, key } of await this.find(userId)) {
      if (sid === kept) continue;
      await this.storage.delete(key);
      revoked++;
    }
    return revoked;
  }

  /** Deletes the session `sid`; whether there was one. */
  async revoke(sid: string): Promise<boolean> {
    if (typeof sid !== 'string' || !this.idPattern.test(sid)) return false;
    const key = this.settings.keyPrefix + sid;
    const existed = (await this.storage.load(key, false)) !== undefined;
    await this.storage.delete(key);
    return existed;
  }

  /** The user's live sessions, most recently seen first. */
  private async find(userId: SessionUserId): Promise<FoundSession[]> {
    const user = this.userOf(userId);
    const { keyPrefix, lifetime, absoluteLifetime, userKey } = this.settings;
    const now = Date.now();
    const found: FoundSession[] = [];
    for (const entry of await this.storage.findByUser(user)) {
      const sid = entry.key.slice(keyPrefix.length);
      if (!entry.key.startsWith(keyPrefix) || !this.idPattern.test(sid)) continue;
      const stored = this.storage.decode(entry.value, entry.key);
      if (!stored || sessionUser(stored.data, userKey) !== user) continue;
      let expiresAt = entry.expiresAt.getTime();
      // Written before creation times were kept: it began at least a lifetime before it ends.
      const createdAt = stored.createdAt ?? Math.min(now, expiresAt - lifetime);
      if (absoluteLifetime) expiresAt = Math.min(expiresAt, createdAt + absoluteLifetime);
      if (expiresAt <= now) continue;
      // Each write or refresh moves the expiry to a lifetime ahead.
      const lastSeenAt = Math.min(now, Math.max(createdAt, entry.expiresAt.getTime() - lifetime));
      found.push({
        key: entry.key,
        sid,
        createdAt: new Date(createdAt),
        lastSeenAt: new Date(lastSeenAt),
        expiresAt: new Date(expiresAt),
      });
    }
    return found.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  }

  private userOf(userId: SessionUserId): string {
    if (this.settings.userKey === undefined) {
      throw new SessionConfigError(
        'userKey (SESSION_USER_KEY)',
        "not set: name the session value that holds the user (e.g. 'userId') to list or revoke a user's sessions",
      );
    }
    if (typeof userId === 'string' && userId !== '') return userId;
    if (typeof userId === 'number' && Number.isFinite(userId)) return String(userId);
    throw new TypeError(
      `A user id is a non-empty string or a finite number, got ${JSON.stringify(userId) ?? typeof userId}`,
    );
  }
}
