import type { CommonSessionOptions } from './session-module-options.interface';
import type { DatastoreClientLike } from '../backends/datastore/datastore.store';

export interface DatastoreSessionOptions extends CommonSessionOptions {
  type: 'datastore';
  /** `SESSION_DATASTORE`: a `@google-cloud/datastore` `Datastore` you own. */
  client?: DatastoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID` */
  projectId?: string;
  /** `SESSION_DATASTORE_KIND`: the entity kind, default `sessions`. */
  collection?: string;
}
