import { hasMethods } from '../../utils/validation.util';
import { SessionConfigError } from '../../session.errors';
import type { FirestoreSessionOptions } from '../../interfaces';
import { requireFirestorePackage, type FirestoreClientLike } from './firestore.store';
import { FirestoreSessionInterface } from './firestore.session-interface';

const isClient = (value: unknown): value is FirestoreClientLike =>
  hasMethods(value, ['collection', 'runTransaction', 'terminate']);

/** A Firestore collection id: no `/`, not `.` or `..`, not `__reserved__`, 1 to 1500 bytes. */
function isCollectionId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value !== '' &&
    value !== '.' &&
    value !== '..' &&
    !value.includes('/') &&
    !/^__.*__$/s.test(value) &&
    Buffer.byteLength(value) <= 1500
  );
}

/** `type: 'firestore'`: checks the options, then loads the client package only if it must build a client. */
export async function buildFirestoreSessionInterface(
  options: FirestoreSessionOptions,
): Promise<FirestoreSessionInterface> {
  const { client, projectId, collection } = options;
  if (client !== undefined && !isClient(client)) {
    throw new SessionConfigError(
      'client (SESSION_FIRESTORE)',
      'expected a @google-cloud/firestore Firestore',
    );
  }
  if (projectId !== undefined && (typeof projectId !== 'string' || projectId === '')) {
    throw new SessionConfigError('projectId (GCLOUD_APP_PROJECT_ID)', 'expected a project id');
  }
  if (collection !== undefined && !isCollectionId(collection)) {
    throw new SessionConfigError(
      'collection (SESSION_FIRESTORE_COLLECT)',
      `expected a Firestore collection id (1 to 1500 bytes, no "/", not "." or "..", not __reserved__), got "${String(collection)}"`,
    );
  }
  if (client === undefined) await requireFirestorePackage();
  return new FirestoreSessionInterface(
    client,
    projectId,
    collection,
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    options,
  );
}
