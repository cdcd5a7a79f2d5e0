import { hasMethods } from '../../utils/validation.util';
import { SessionConfigError } from '../../session.errors';
import type { ElasticsearchSessionOptions } from '../../interfaces';
import { requireElasticsearchPackage, type ElasticsearchClientLike } from './elasticsearch.store';
import { ElasticsearchSessionInterface } from './elasticsearch.session-interface';

const INDEX_FORBIDDEN = /[\\/*?"<>| ,#:A-Z]/;

function isClient(value: unknown): value is ElasticsearchClientLike {
  return (
    hasMethods(value, ['get', 'index', 'update', 'delete', 'deleteByQuery']) &&
    hasMethods((value as { indices?: unknown }).indices, ['exists', 'create'])
  );
}

/** `type: 'elasticsearch'`: checks the options, then loads the client package only if it must connect. */
export async function buildElasticsearchSessionInterface(
  options: ElasticsearchSessionOptions,
): Promise<ElasticsearchSessionInterface> {
  const { client, node, index } = options;
  if (client !== undefined && !isClient(client)) {
    throw new SessionConfigError(
      'client (SESSION_ELASTICSEARCH)',
      'expected an @elastic/elasticsearch Client (or a URL string)',
    );
  }
  if (node !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(node).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new SessionConfigError(
        'node (SESSION_ELASTICSEARCH_HOST)',
        `expected an http:// or https:// URL such as http://localhost:9200, got "${String(node)}"`,
      );
    }
  }
  if (
    index !== undefined &&
    (typeof index !== 'string' ||
      index === '' ||
      index === '.' ||
      index === '..' ||
      /^[-_+]/.test(index) ||
      INDEX_FORBIDDEN.test(index) ||
      Buffer.byteLength(index) > 255)
  ) {
    throw new SessionConfigError(
      'index (SESSION_ELASTICSEARCH_INDEX)',
      `expected an Elasticsearch index name (lowercase, no spaces or \\/*?"<>|,#:, not starting with -, _ or +), got "${String(index)}"`,
    );
  }
  if (client === undefined) await requireElasticsearchPackage();
  return new ElasticsearchSessionInterface(
    client,
    node,
    index,
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    options,
  );
}
