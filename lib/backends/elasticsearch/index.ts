export { ElasticsearchSessionInterface } from './elasticsearch.session-interface';
export {
  ElasticsearchStore,
  ELASTICSEARCH_SESSION_MAPPINGS,
  ELASTICSEARCH_USER_SESSION_MAPPINGS,
  type ElasticsearchStoreOptions,
} from './elasticsearch.store';
