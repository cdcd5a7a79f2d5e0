import { hasMethods } from '../../utils/validation.util';
import { SessionConfigError } from '../../session.errors';
import type { DatastoreSessionOptions } from '../../interfaces';
import { requireDatastorePackage, type DatastoreClientLike } from './datastore.store';
import { DatastoreSessionInterface } from './datastore.session-interface';

function isClient(value: unknown): value is DatastoreClientLike {
  return (
    hasMethods(value, ['key', 'get', 'save', 'delete', 'transaction', 'createQuery', 'runQuery']) &&
    typeof (value as { KEY?: unknown }).KEY === 'symbol'
  );
}

/** `type: 'datastore'`: checks the options and that `@google-cloud/datastore` can be loaded. */
export async function buildDatastoreSessionInterface(
  options: DatastoreSessionOptions,
): Promise<DatastoreSessionInterface> {
  const { client, projectId, collection } = options;
  if (client !== undefined && !isClient(client)) {
    throw new SessionConfigError(
      'client (SESSION_DATASTORE)',
      'expected a @google-cloud/datastore Datastore',
    );
  }
  if (projectId !== undefined && (typeof projectId !== 'string' || projectId === '')) {
    throw new SessionConfigError('projectId (GCLOUD_APP_PROJECT_ID)', 'expected a project id');
  }
  if (
    collection !== undefined &&
    (typeof collection !== 'string' ||
      collection === '' ||
      /^__.*__$/.test(collection) ||
      Buffer.byteLength(collection) > 1500)
  ) {
    throw new SessionConfigError(
      'collection (SESSION_DATASTORE_KIND)',
      `expected a Datastore kind (1 to 1500 bytes, not __reserved__), got "${String(collection)}"`,
    );
  }
  // Needed even with your client: deleteExpired() builds its filter with the package.
  await requireDatastorePackage();
  return new DatastoreSessionInterface(
    client,
    projectId,
    collection,
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    options,
  );
}
