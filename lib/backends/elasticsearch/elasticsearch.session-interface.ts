import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { CommonSessionOptions } from '../../interfaces';
import { ElasticsearchStore, type ElasticsearchClientLike } from './elasticsearch.store';

/**
 * flask-session2's `ElasticsearchSessionInterface`: one document per session
 * in `index`. A `client` you pass is used as is and left open; without one the
 * interface connects to `host` and closes that connection on shutdown.
 */
export class ElasticsearchSessionInterface extends ServerSideSessionInterface {
  constructor(
    client?: ElasticsearchClientLike,
    host = 'http://localhost:9200',
    index = 'sessions',
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: CommonSessionOptions = {},
  ) {
    super(
      new ElasticsearchStore({ client, node: host, index }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
