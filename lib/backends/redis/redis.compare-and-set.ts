import type { CompareAndSetResult, RedisSessionClient } from '../../interfaces';

/** The name the compare-and-set script is defined under on the client (`defineCommand`). */
export const COMPARE_AND_SET_COMMAND = 'nestjsSessionCompareAndSet';

/**
 * KEYS[1] the session; ARGV the bytes read, the new bytes, the TTL in ms.
 * Lua strings hold any bytes and `~=` compares all of them. A script runs
 * alone on the server, so nothing can write between the GET and the SET.
 */
export const COMPARE_AND_SET_LUA = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if current ~= ARGV[1] then return 1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 2`;

const RESULTS: readonly CompareAndSetResult[] = ['missing', 'changed', 'stored'];

/**
 * What an ioredis `Redis` or `Cluster` has beyond {@link RedisSessionClient}
 * for the conditional writes: `SET … XX`, and scripts called by SHA.
 */
export interface RedisScriptingClient extends RedisSessionClient {
  set(key: string, value: Buffer, millisecondsToken: 'PX', milliseconds: number): Promise<unknown>;
  set(
    key: string,
    value: Buffer,
    millisecondsToken: 'PX',
    milliseconds: number,
    existsToken: 'XX',
  ): Promise<unknown>;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
}

type ScriptCommand = (
  key: string,
  expected: Buffer,
  value: Buffer,
  milliseconds: number,
) => Promise<number>;

/**
 * A client that can run the conditional writes: an ioredis instance. A
 * hand-written client typed as {@link RedisSessionClient} could drop the `XX`
 * of `SET` and so recreate a deleted session: without `defineCommand` the
 * store offers neither `update` nor `compareAndSet`.
 */
export function isScriptingClient(client: RedisSessionClient): client is RedisScriptingClient {
  return typeof (client as Partial<RedisScriptingClient>).defineCommand === 'function';
}

/**
 * Defines the script on the client once (ioredis sends it with `EVAL` the
 * first time on each connection, by SHA with `EVALSHA` after that, and again
 * in full if a server answers `NOSCRIPT`) and returns the call to it. One key
 * per call, so it runs on a Redis Cluster too.
 */
export function compareAndSetCommand(
  client: RedisScriptingClient,
): (key: string, expected: Buffer, value: Buffer, ms: number) => Promise<CompareAndSetResult> {
  const commands = client as unknown as Record<string, ScriptCommand | undefined>;
  if (typeof commands[COMPARE_AND_SET_COMMAND] !== 'function') {
    client.defineCommand(COMPARE_AND_SET_COMMAND, { numberOfKeys: 1, lua: COMPARE_AND_SET_LUA });
  }
  return async (key, expected, value, ms) => {
    const result = await commands[COMPARE_AND_SET_COMMAND]!.call(client, key, expected, value, ms);
    const outcome = RESULTS[result];
    if (!outcome)
      throw new Error(`unexpected answer ${String(result)} of the compare-and-set script`);
    return outcome;
  };
}
