import type { CompareAndSetResult, UserSessionEntry } from '../../interfaces';
import type { RedisScriptingClient } from './redis.compare-and-set';

/** Where a hand-built store keeps each user's index: `session:user:` + the user id. */
export const DEFAULT_USER_INDEX_PREFIX = 'session:user:';

/**
 * A key whose session is missing leaves its user's index only when it was last
 * written with that user longer ago than this. On a Cluster the index entry and
 * the session are two writes: a session between the two looks missing, and
 * must not lose its entry to a `findByUser` running at that moment. It also
 * absorbs clock differences between application servers (the scores are theirs).
 */
export const USER_INDEX_GRACE_MS = 5 * 60_000;

export const WRITE_WITH_USER_COMMAND = 'nestjsSessionWriteWithUser';
export const PRUNE_USER_INDEX_COMMAND = 'nestjsSessionPruneUserIndex';

/**
 * KEYS[1] the session, KEYS[2] the user's index (a sorted set: member the
 * session key, score when it was last written with the user); ARGV the mode
 * (`set`, `update`, `cas`), the bytes, the TTL in ms, the member, the score,
 * and for `cas` the bytes read. Answers as the compare-and-set script: 0
 * missing, 1 changed, 2 stored. A script is not rolled back when a command
 * fails, so the index entry goes first: a failure leaves no unlisted session.
 */
export const WRITE_WITH_USER_LUA = `
if ARGV[1] == 'update' then
  if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
elseif ARGV[1] == 'cas' then
  local current = redis.call('GET', KEYS[1])
  if not current then return 0 end
  if current ~= ARGV[6] then return 1 end
end
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 2`;

/**
 * KEYS[1] a user's index; ARGV[1] the cutoff score, ARGV[2…] members whose
 * session was found missing. Removes those last written before the cutoff (a
 * rewrite in the meantime moved the score past it); Redis deletes the set with
 * its last member.
 */
export const PRUNE_USER_INDEX_LUA = `
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) < tonumber(ARGV[1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed`;

const RESULTS: readonly CompareAndSetResult[] = ['missing', 'changed', 'stored'];

export type UserWriteMode = 'set' | 'update' | 'cas';

/** What an ioredis `Redis` or `Cluster` has beyond {@link RedisScriptingClient} for the index. */
interface RedisIndexClient extends RedisScriptingClient {
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrange(key: string, start: number, stop: number): Promise<string[]>;
  pttl(key: string): Promise<number>;
  readonly isCluster?: boolean;
}

type WriteScript = (
  sessionKey: string,
  indexKey: string,
  mode: UserWriteMode,
  value: Buffer,
  milliseconds: number,
  member: string,
  score: number,
  ...expected: Buffer[]
) => Promise<number>;
type PruneScript = (indexKey: string, cutoff: number, ...members: string[]) => Promise<number>;
type CompareAndSet = (
  key: string,
  expected: Buffer,
  value: Buffer,
  ms: number,
) => Promise<CompareAndSetResult>;

/**
 * Each user's session keys, in a sorted set at `prefix + user`. On one server
 * a write with a user is one script (the index entry and the write, atomic);
 * on a Cluster (the two keys live on different slots) the entry is written
 * first and the session second. The set has no TTL: `touch` moves a session's
 * expiry without knowing its user, so the set could expire first. Keys of
 * missing sessions leave it when {@link find} meets them.
 */
export class RedisUserIndex {
  private readonly client: RedisIndexClient;
  private readonly commands: Record<string, WriteScript | PruneScript | undefined>;

  constructor(
    client: RedisScriptingClient,
    readonly prefix: string,
    private readonly compareAndSet: CompareAndSet,
  ) {
    this.client = client as RedisIndexClient;
    this.commands = client as unknown as Record<string, WriteScript | PruneScript | undefined>;
    if (typeof this.commands[WRITE_WITH_USER_COMMAND] !== 'function') {
      client.defineCommand(WRITE_WITH_USER_COMMAND, { numberOfKeys: 2, lua: WRITE_WITH_USER_LUA });
    }
    if (typeof this.commands[PRUNE_USER_INDEX_COMMAND] !== 'function') {
      client.defineCommand(PRUNE_USER_INDEX_COMMAND, {
        numberOfKeys: 1,
        lua: PRUNE_USER_INDEX_LUA,
      });
    }
  }

  /** Writes `key` (as `mode` says) and records it under `user`, only when the write happens. */
  async write(
    mode: UserWriteMode,
    key: string,
    user: string,
    value: Buffer,
    ms: number,
    expected?: Buffer,
  ): Promise<CompareAndSetResult> {
    const indexKey = this.prefix + user;
    if (this.client.isCluster) {
      await this.client.zadd(indexKey, Date.now(), key);
      if (mode === 'cas') return this.compareAndSet(key, expected!, value, ms);
      if (mode === 'set') await this.client.set(key, value, 'PX', ms);
      else if ((await this.client.set(key, value, 'PX', ms, 'XX')) === null) return 'missing';
      return 'stored';
    }
    const script = this.commands[WRITE_WITH_USER_COMMAND] as WriteScript;
    const extra = mode === 'cas' ? [expected!] : [];
    const result = await script.call(
      this.client,
      key,
      indexKey,
      mode,
      value,
      ms,
      key,
      Date.now(),
      ...extra,
    );
    const outcome = RESULTS[result];
    if (!outcome) throw new Error(`unexpected answer ${String(result)} of the user write script`);
    return outcome;
  }

  /** The live sessions recorded under `user`; drops the keys of missing ones from the set. */
  async find(user: string): Promise<UserSessionEntry[]> {
    const indexKey = this.prefix + user;
    const keys = await this.client.zrange(indexKey, 0, -1);
    // Sent together: one connection pipelines them (per node on a Cluster).
    const reads = await Promise.all(
      keys.map((key) => Promise.all([this.client.getBuffer(key), this.client.pttl(key)])),
    );
    const now = Date.now();
    const found: UserSessionEntry[] = [];
    const missing: string[] = [];
    reads.forEach(([value, pttl], i) => {
      // PTTL -2: deleted between the two reads; -1 (no expiry) is never written by the store.
      if (value === null || pttl === -2) missing.push(keys[i]);
      else found.push({ key: keys[i], value, expiresAt: new Date(now + Math.max(pttl, 0)) });
    });
    if (missing.length) {
      const prune = this.commands[PRUNE_USER_INDEX_COMMAND] as PruneScript;
      await prune.call(this.client, indexKey, now - USER_INDEX_GRACE_MS, ...missing);
    }
    return found;
  }
}
