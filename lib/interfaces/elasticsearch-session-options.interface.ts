import type { CommonSessionOptions } from './session-module-options.interface';
import type { ElasticsearchClientLike } from '../backends/elasticsearch/elasticsearch.store';

export interface ElasticsearchSessionOptions extends CommonSessionOptions {
  type: 'elasticsearch';
  /** `SESSION_ELASTICSEARCH`: an `@elastic/elasticsearch` `Client` you own. */
  client?: ElasticsearchClientLike;
  /** `SESSION_ELASTICSEARCH_HOST`, default `http://localhost:9200`. */
  node?: string;
  /** `SESSION_ELASTICSEARCH_INDEX`, default `sessions`. */
  index?: string;
}
