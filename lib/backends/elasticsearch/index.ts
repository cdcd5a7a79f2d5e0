export { ElasticsearchSessionInterface } from './elasticsearch.session-interface';
export {
  ElasticsearchStore,
  ELASTICSEARCH_SESSION_MAPPINGS,
  type ElasticsearchStoreOptions,
  type ElasticsearchClientLike,
  type ElasticsearchSessionDocument,
  type ElasticsearchRequestOptions,
} from './elasticsearch.store';
