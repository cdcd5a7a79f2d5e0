import type { ElasticsearchClientLike, StoreCallOptions, UserSessionEntry } from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import type { MissingPermissionWarnings } from '../../utils/missing-permission.util';
import { errorType, isForbidden, isSessionDocument } from './elasticsearch.conditional-writes';

/** The field a session index gets with `userKey`: exact-match ids, never analysed. */
export const ELASTICSEARCH_USER_FIELD = { user: { type: 'keyword' } } as const;

/**
 * Replaces the bytes, expiry and user of a live document; an expired one is
 * left as it is. The user is written in the same step as the value.
 */
export const ELASTICSEARCH_UPDATE_USER_SCRIPT =
  "if (ctx._source.expiresAt > params.now) { ctx._source.data = params.data; ctx._source.expiresAt = params.expiresAt; ctx._source.user = params.user } else { ctx.op = 'noop' }";

/** The most sessions `findByUser` lists for one user: the default `index.max_result_window`. */
export const MAX_USER_SESSIONS = 10_000;

/**
 * Adds the `user` field to the mapping of an existing index (a no-op when it
 * is there). Refused rights (403) are one warning; a `user` field of another
 * type is a {@link SessionConfigError}.
 */
export async function addUserField(
  client: ElasticsearchClientLike,
  index: string,
  missing: MissingPermissionWarnings,
): Promise<void> {
  try {
    await client.indices.putMapping({ index, properties: ELASTICSEARCH_USER_FIELD });
  } catch (error) {
    if (isForbidden(error)) {
      missing.warn(
        'manage',
        `its mapping is taken to have the field "user"; add it yourself: PUT /${index}/_mapping {"properties":{"user":{"type":"keyword"}}}`,
      );
      return;
    }
    if (errorType(error) === 'illegal_argument_exception') {
      throw new SessionConfigError(
        'userKey (SESSION_USER_KEY)',
        `Elasticsearch index "${index}" has a field "user" that is not a keyword: sessions indexed by user need {"user":{"type":"keyword"}}; reindex into an index with that mapping (${String(error)})`,
      );
    }
    throw error;
  }
}

/**
 * The live documents of `user`: a refresh (search is near-real-time: without
 * it a session written within the last refresh interval would be missed),
 * a `term` search for their ids, then a real-time `mget`, so every entry listed
 * exists now, with its current value, expiry and user. A refresh the
 * credentials may not make (403) is one warning, and the search then sees
 * what the last periodic refresh made visible.
 */
export async function findUserSessions(
  client: ElasticsearchClientLike,
  index: string,
  user: string,
  missing: MissingPermissionWarnings,
  options?: StoreCallOptions,
): Promise<UserSessionEntry[]> {
  const signal = options?.signal;
  try {
    await client.indices.refresh({ index }, { signal });
  } catch (error) {
    if (!isForbidden(error)) throw error;
    missing.warn(
      'maintenance',
      'findByUser cannot refresh the index: a session written within the last refresh interval (1 s by default) may be missed',
    );
  }
  const { hits } = await client.search(
    {
      index,
      query: { term: { user } },
      size: MAX_USER_SESSIONS,
      _source: false,
      track_total_hits: true,
    },
    { signal },
  );
  const total = typeof hits.total === 'number' ? hits.total : (hits.total?.value ?? 0);
  if (total > hits.hits.length) {
    throw new Error(
      `Elasticsearch index "${index}" holds ${total} sessions of one user; findByUser lists at most ${MAX_USER_SESSIONS}`,
    );
  }
  const ids = hits.hits.flatMap((hit) => (typeof hit._id === 'string' ? [hit._id] : []));
  if (ids.length === 0) return [];
  const { docs } = await client.mget({ index, ids }, { signal });
  const now = Date.now();
  const found: UserSessionEntry[] = [];
  for (const doc of docs) {
    const source = doc.found ? doc._source : undefined;
    if (!isSessionDocument(source) || source.expiresAt <= now || source.user !== user) continue;
    found.push({
      key: doc._id,
      value: Buffer.from(source.data, 'base64'),
      expiresAt: new Date(source.expiresAt),
    });
  }
  return found;
}
