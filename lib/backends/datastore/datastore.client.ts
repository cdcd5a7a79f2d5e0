import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type { DatastoreClientLike } from '../../interfaces';
import { loadOptionalPackage } from '../../utils/optional-package.util';

type DatastoreModule = typeof import('@google-cloud/datastore');

const METHODS = ['Lookup', 'RunQuery', 'BeginTransaction', 'Commit', 'Rollback'];

/** The generated gRPC client's call settings: no retries, and every call ends within `timeoutMs`. */
function failFastClientConfig(timeoutMs: number) {
  return {
    interfaces: {
      'google.datastore.v1.Datastore': {
        retry_codes: { never: [] },
        methods: Object.fromEntries(
          METHODS.map((method) => [
            method,
            { timeout_millis: timeoutMs, retry_codes_name: 'never' },
          ]),
        ),
      },
    },
  };
}

/** `@google-cloud/datastore`; a `SessionConfigError` says how to install it when it is missing. */
export function loadDatastorePackage(): DatastoreModule {
  return loadOptionalPackage<DatastoreModule>('@google-cloud/datastore', { store: 'datastore' });
}

/**
 * A `Datastore` for `projectId` (else the project the client detects;
 * `DATASTORE_EMULATOR_HOST` points it at an emulator) that fails fast: no
 * retries, and a deadline of `timeoutMs` (the module passes `storeTimeout`) on every call.
 */
export function createDatastoreClient(
  projectId: string | undefined,
  timeoutMs = DEFAULT_STORE_TIMEOUT_MS,
): DatastoreClientLike {
  const { Datastore } = loadDatastorePackage();
  // `clientConfig` reaches the generated gRPC client, which the typings do not say.
  const options = {
    ...(projectId === undefined ? {} : { projectId }),
    clientConfig: failFastClientConfig(timeoutMs),
  };
  return new Datastore(options);
}
