import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  CommonSessionOptions,
  ElasticsearchClientLike,
  ElasticsearchSessionOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { hasMethods, optionalUrl } from '../../utils/validation.util';
import { loadElasticsearchPackage } from './elasticsearch.client';
import { ElasticsearchStore } from './elasticsearch.store';

const isElasticsearchClient = (value: unknown): value is ElasticsearchClientLike =>
  hasMethods(value, ['get', 'index', 'update', 'delete', 'deleteByQuery']) &&
  hasMethods((value as { indices?: unknown }).indices, ['exists', 'create']);

/** What `findByUser` needs besides (`userKey`). */
const canListUsers = (value: ElasticsearchClientLike): boolean =>
  hasMethods(value, ['search', 'mget']) && hasMethods(value.indices, ['putMapping', 'refresh']);

const INDEX_FORBIDDEN = /[\\/*?"<>| ,#:A-Z]/;

/** An Elasticsearch index name: lowercase, none of `\/*?"<>| ,#:`, not `.`/`..`, no leading `-_+`, at most 255 bytes. */
const isIndexName = (value: unknown): value is string =>
  typeof value === 'string' &&
  value !== '' &&
  value !== '.' &&
  value !== '..' &&
  !/^[-_+]/.test(value) &&
  !INDEX_FORBIDDEN.test(value) &&
  Buffer.byteLength(value) <= 255;

/**
 * flask-session2's `ElasticsearchSessionInterface`: one document per session
 * in `index`. A `client` you pass is used as is and left open; without one the
 * interface connects to `host`, with requests bounded by `storeTimeout`, and
 * closes that connection on shutdown. With `userKey`, each document also
 * holds its user in a `keyword` field `user`.
 */
export class ElasticsearchSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client an `@elastic/elasticsearch` `Client` (`SESSION_ELASTICSEARCH`)
   * @param host `SESSION_ELASTICSEARCH_HOST`, for the client built without `client`,
   *   default `http://localhost:9200`
   * @param index `SESSION_ELASTICSEARCH_INDEX`, default `sessions`
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param useSigner `SESSION_USE_SIGNER`, default `false` (wins over `options`)
   * @param permanent `SESSION_PERMANENT`, default `true` (wins over `options`)
   */
  constructor(
    client?: ElasticsearchClientLike,
    host?: string,
    index?: string,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: CommonSessionOptions | SessionSettings = {},
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    super(
      new ElasticsearchStore({
        client,
        node: host,
        index,
        timeoutMs: settings.storeTimeout,
        indexUsers: settings.userKey !== undefined,
      }),
      settings,
      true,
    );
  }

  /**
   * `type: 'elasticsearch'`: checks the options, then loads `@elastic/elasticsearch`
   * only if it must connect. Bad options throw a {@link SessionConfigError}.
   */
  static fromOptions(
    options: Omit<ElasticsearchSessionOptions, 'type'>,
  ): ElasticsearchSessionInterface {
    const { client, index } = options;
    if (
      client !== undefined &&
      (!isElasticsearchClient(client) || (options.userKey !== undefined && !canListUsers(client)))
    ) {
      throw new SessionConfigError(
        'client (SESSION_ELASTICSEARCH)',
        'expected an @elastic/elasticsearch Client (or a URL string)',
      );
    }
    const node = optionalUrl(
      'node (SESSION_ELASTICSEARCH_HOST)',
      options.node,
      ['http:', 'https:'],
      'http://localhost:9200',
    );
    if (index !== undefined && !isIndexName(index)) {
      throw new SessionConfigError(
        'index (SESSION_ELASTICSEARCH_INDEX)',
        `expected an Elasticsearch index name (lowercase, no spaces or \\/*?"<>|,#:, not starting with -, _ or +), got "${String(index)}"`,
      );
    }
    if (client === undefined) loadElasticsearchPackage();
    const settings = resolveSessionSettings(options);
    return new ElasticsearchSessionInterface(
      client,
      node,
      index,
      undefined,
      undefined,
      undefined,
      settings,
    );
  }
}
