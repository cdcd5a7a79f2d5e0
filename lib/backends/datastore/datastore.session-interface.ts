import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  CommonSessionOptions,
  DatastoreClientLike,
  DatastoreSessionOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { hasMethods, optionalString } from '../../utils/validation.util';
import { loadDatastorePackage } from './datastore.client';
import { DatastoreStore } from './datastore.store';

const isDatastoreClient = (value: unknown): value is DatastoreClientLike =>
  hasMethods(value, ['key', 'get', 'save', 'delete', 'transaction', 'createQuery', 'runQuery']) &&
  typeof (value as { KEY?: unknown }).KEY === 'symbol';

/** A Datastore kind: 1 to 1500 bytes, not `__reserved__`. */
const isDatastoreKind = (value: unknown): value is string =>
  typeof value === 'string' &&
  value !== '' &&
  !/^__.*__$/.test(value) &&
  Buffer.byteLength(value) <= 1500;

/**
 * flask-session2's `GoogleCloudDatastoreSessionInterface`: one entity per
 * session, of kind `kind`. A `client` you pass is used as is and left open;
 * without one the interface builds a `Datastore` for `projectId`
 * (`GCLOUD_APP_PROJECT_ID`; `DATASTORE_EMULATOR_HOST` points it at an
 * emulator), whose calls end within `storeTimeout`, and closes it on shutdown.
 * With `userKey`, each entity also holds its user in an indexed `user` property.
 */
export class DatastoreSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client a `@google-cloud/datastore` `Datastore` (`SESSION_DATASTORE`)
   * @param projectId `GCLOUD_APP_PROJECT_ID`, for the client built without `client`
   * @param kind `SESSION_DATASTORE_KIND`, default `sessions`
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param useSigner `SESSION_USE_SIGNER`, default `false` (wins over `options`)
   * @param permanent `SESSION_PERMANENT`, default `true` (wins over `options`)
   */
  constructor(
    client?: DatastoreClientLike,
    projectId?: string,
    kind?: string,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: CommonSessionOptions | SessionSettings = {},
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    super(
      new DatastoreStore({
        client,
        projectId,
        kind,
        timeoutMs: settings.storeTimeout,
        indexUsers: settings.userKey !== undefined,
      }),
      settings,
      true,
    );
  }

  /**
   * `type: 'datastore'`: checks the options and that `@google-cloud/datastore`
   * can be loaded. Bad options throw a {@link SessionConfigError}.
   */
  static fromOptions(options: Omit<DatastoreSessionOptions, 'type'>): DatastoreSessionInterface {
    const { client, collection } = options;
    if (client !== undefined && !isDatastoreClient(client)) {
      throw new SessionConfigError(
        'client (SESSION_DATASTORE)',
        'expected a @google-cloud/datastore Datastore',
      );
    }
    const projectId = optionalString(
      'projectId (GCLOUD_APP_PROJECT_ID)',
      options.projectId,
      'a project id',
    );
    if (collection !== undefined && !isDatastoreKind(collection)) {
      throw new SessionConfigError(
        'collection (SESSION_DATASTORE_KIND)',
        `expected a Datastore kind (1 to 1500 bytes, not __reserved__), got "${String(collection)}"`,
      );
    }
    // Needed even with your client: deleteExpired() builds its filter with the package.
    loadDatastorePackage();
    const settings = resolveSessionSettings(options);
    return new DatastoreSessionInterface(
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
