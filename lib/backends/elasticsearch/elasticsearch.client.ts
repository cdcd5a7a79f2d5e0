import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type { ElasticsearchClientLike } from '../../interfaces';
import { loadOptionalPackage } from '../../utils/optional-package.util';

type ElasticsearchModule = typeof import('@elastic/elasticsearch');

/** `@elastic/elasticsearch`; a `SessionConfigError` says how to install it when it is missing. */
export function loadElasticsearchPackage(): ElasticsearchModule {
  return loadOptionalPackage<ElasticsearchModule>('@elastic/elasticsearch', {
    store: 'elasticsearch',
  });
}

/**
 * A `Client` of `node` that fails fast: no retries, so a dead node fails a
 * call at once, and a stalled one within `timeoutMs` (the module passes `storeTimeout`).
 */
export function createElasticsearchClient(
  node: string,
  timeoutMs = DEFAULT_STORE_TIMEOUT_MS,
): ElasticsearchClientLike {
  const { Client } = loadElasticsearchPackage();
  return new Client({ node, requestTimeout: timeoutMs, maxRetries: 0 });
}
