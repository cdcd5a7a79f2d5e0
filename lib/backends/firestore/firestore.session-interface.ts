import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  CommonSessionOptions,
  FirestoreClientLike,
  FirestoreSessionOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { hasMethods, optionalString } from '../../utils/validation.util';
import { loadFirestorePackage } from './firestore.client';
import { isFirestoreCollectionId } from './firestore.document-codec';
import { FirestoreStore } from './firestore.store';

const isFirestoreClient = (value: unknown) =>
  hasMethods<FirestoreClientLike>(value, ['collection', 'runTransaction', 'terminate']);

/**
 * flask-session2's `GoogleFireStoreSessionInterface`: one document per
 * session in `collection`. A `client` you pass is used as is and left open;
 * without one the interface builds a `Firestore` for `projectId`
 * (`GCLOUD_APP_PROJECT_ID`; `FIRESTORE_EMULATOR_HOST` points it at an
 * emulator), whose calls end within `storeTimeout`, and terminates it on shutdown.
 */
export class FirestoreSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client a `@google-cloud/firestore` `Firestore` (`SESSION_FIRESTORE`)
   * @param projectId `GCLOUD_APP_PROJECT_ID`, for the client built without `client`
   * @param collection `SESSION_FIRESTORE_COLLECT`, default `sessions`
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param useSigner `SESSION_USE_SIGNER`, default `false` (wins over `options`)
   * @param permanent `SESSION_PERMANENT`, default `true` (wins over `options`)
   */
  constructor(
    client?: FirestoreClientLike,
    projectId?: string,
    collection?: string,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: CommonSessionOptions | SessionSettings = {},
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    super(
      new FirestoreStore({ client, projectId, collection, timeoutMs: settings.storeTimeout }),
      settings,
      true,
    );
  }

  /**
   * `type: 'firestore'`: checks the options, then loads `@google-cloud/firestore`
   * only if it must build a client. Bad options throw a {@link SessionConfigError}.
   */
  static fromOptions(options: Omit<FirestoreSessionOptions, 'type'>): FirestoreSessionInterface {
    const { client, collection } = options;
    if (client !== undefined && !isFirestoreClient(client)) {
      throw new SessionConfigError(
        'client (SESSION_FIRESTORE)',
        'expected a @google-cloud/firestore Firestore',
      );
    }
    const projectId = optionalString(
      'projectId (GCLOUD_APP_PROJECT_ID)',
      options.projectId,
      'a project id',
    );
    if (collection !== undefined && !isFirestoreCollectionId(collection)) {
      throw new SessionConfigError(
        'collection (SESSION_FIRESTORE_COLLECT)',
        `expected a Firestore collection id (1 to 1500 bytes, no "/", not "." or "..", not __reserved__), got "${String(collection)}"`,
      );
    }
    if (client === undefined) loadFirestorePackage();
    const settings = resolveSessionSettings(options);
    return new FirestoreSessionInterface(
      client,
      projectId,
      collection,
      undefined,
      undefined,
      undefined,
      settings,
    );
  }
}
