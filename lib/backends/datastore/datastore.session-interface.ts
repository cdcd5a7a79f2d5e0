import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { CommonSessionOptions } from '../../interfaces';
import { DatastoreStore, type DatastoreClientLike } from './datastore.store';

/**
 * flask-session2's `GoogleCloudDatastoreSessionInterface`: one entity per
 * session, of kind `kind`. A `client` you pass is used as is and left open;
 * without one the interface builds a `Datastore` for `projectId`
 * (`GCLOUD_APP_PROJECT_ID`; `DATASTORE_EMULATOR_HOST` points it at an
 * emulator) and closes it on shutdown.
 */
export class DatastoreSessionInterface extends ServerSideSessionInterface {
  constructor(
    client?: DatastoreClientLike,
    projectId?: string,
    kind = 'sessions',
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: CommonSessionOptions = {},
  ) {
    super(
      new DatastoreStore({ client, projectId, kind }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
