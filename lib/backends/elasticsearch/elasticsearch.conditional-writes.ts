import type {
  CompareAndSetResult,
  ElasticsearchClientLike,
  ElasticsearchSessionDocument,
  StoreCallOptions,
} from '../../interfaces';

/**
 * Moves the expiry of a live document; an expired one is left as it is (a
 * missing one makes the update answer 404).
 */
export const ELASTICSEARCH_TOUCH_SCRIPT =
  "if (ctx._source.expiresAt > params.now) { ctx._source.expiresAt = params.expiresAt } else { ctx.op = 'noop' }";

/** Replaces the bytes and expiry of a live document; an expired one is left as it is. */
export const ELASTICSEARCH_UPDATE_SCRIPT =
  "if (ctx._source.expiresAt > params.now) { ctx._source.data = params.data; ctx._source.expiresAt = params.expiresAt } else { ctx.op = 'noop' }";

/** How often Elasticsearch re-runs a scripted update that lost to a concurrent write. */
const RETRY_ON_CONFLICT = 5;

export function errorType(error: unknown): string | undefined {
  const body = (error as { body?: { error?: { type?: unknown } } } | null)?.body;
  const type = body?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

/** A request the credentials may not make (403, e.g. an index-scoped API key). */
export function isForbidden(error: unknown): boolean {
  const found = error as { statusCode?: unknown; meta?: { statusCode?: unknown } } | null;
  return found?.statusCode === 403 || found?.meta?.statusCode === 403;
}

export function isSessionDocument(value: unknown): value is ElasticsearchSessionDocument {
  const doc = value as Partial<ElasticsearchSessionDocument> | null;
  return (
    typeof doc === 'object' &&
    doc !== null &&
    typeof doc.data === 'string' &&
    typeof doc.expiresAt === 'number'
  );
}

/**
 * Runs `source` (one of the scripts above) on document `id` with the update
 * API, which reads, runs and writes on the server with the document's
 * sequence number, re-running on a conflict. Never an upsert: a missing
 * document answers 404. True when the script wrote (not `noop`, not missing).
 */
export async function scriptedUpdate(
  client: ElasticsearchClientLike,
  index: string,
  id: string,
  source: string,
  params: Record<string, number | string | null>,
  options?: StoreCallOptions,
): Promise<boolean> {
  const response = await client.update(
    {
      index,
      id,
      script: { source, lang: 'painless', params },
      retry_on_conflict: RETRY_ON_CONFLICT,
    },
    { ignore: [404], signal: options?.signal },
  );
  return (response as { result?: unknown } | null)?.result === 'updated';
}

/**
 * Compare-and-set on what a real-time GET `found`: if the document is live and
 * holds exactly `expected`, an index of `document` conditional on the sequence
 * number and primary term read, which answers 409 when anything wrote in between.
 */
export async function compareAndIndex(
  client: ElasticsearchClientLike,
  index: string,
  id: string,
  found: Awaited<ReturnType<ElasticsearchClientLike['get']>>,
  { expected, document }: { expected: Buffer; document: ElasticsearchSessionDocument },
  options?: StoreCallOptions,
): Promise<CompareAndSetResult> {
  if (!found.found || !isSessionDocument(found._source) || found._source.expiresAt <= Date.now()) {
    return 'missing';
  }
  if (!Buffer.from(found._source.data, 'base64').equals(expected)) return 'changed';
  const { _seq_no: seqNo, _primary_term: primaryTerm } = found;
  if (seqNo === undefined || primaryTerm === undefined) {
    throw new Error('Elasticsearch answered a GET without _seq_no and _primary_term');
  }
  try {
    await client.index(
      { index, id, document, if_seq_no: seqNo, if_primary_term: primaryTerm },
      { signal: options?.signal },
    );
    return 'stored';
  } catch (error) {
    // Written or deleted since the GET; the caller reads again.
    if (errorType(error) === 'version_conflict_engine_exception') return 'changed';
    throw error;
  }
}
