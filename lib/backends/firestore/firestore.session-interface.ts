import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { CommonSessionOptions } from '../../interfaces';
import { FirestoreStore, type FirestoreClientLike } from './firestore.store';

/**
 * flask-session2's `GoogleFireStoreSessionInterface`: one document per
 * session in `collection`. A `client` you pass is used as is and left open;
 * without one the interface builds a `Firestore` for `projectId`
 * (`GCLOUD_APP_PROJECT_ID`; `FIRESTORE_EMULATOR_HOST` points it at an
 * emulator) and terminates it on shutdown.
 */
export class FirestoreSessionInterface extends ServerSideSessionInterface {
  constructor(
    client?: FirestoreClientLike,
    projectId?: string,
    collection = 'sessions',
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: CommonSessionOptions = {},
  ) {
    super(
      new FirestoreStore({ client, projectId, collection }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
