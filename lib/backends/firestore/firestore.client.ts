import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type { FirestoreClientLike } from '../../interfaces';
import { loadOptionalPackage } from '../../utils/optional-package.util';

type FirestoreModule = typeof import('@google-cloud/firestore');

const METHODS = ['BatchGetDocuments', 'RunQuery', 'BeginTransaction', 'Commit', 'Rollback'];

/**
 * Settings for a `Firestore` that fails fast when the server is down: no
 * retries by the transport and a deadline of `timeoutMs` on every call.
 * Without them a commit retries an unavailable server for up to 10 minutes
 * and each read attempt is retried again by the stream layer. (The client
 * itself still retries a failed read 5 times within about 8 seconds.)
 */
export function firestoreFailFastSettings(timeoutMs: number) {
  return {
    /** Streams (reads, queries) retry by `clientConfig` below, which says never. */
    gaxServerStreamingRetries: true,
    /** A server that is back is reached within a second (gRPC waits up to 2 minutes by default). */
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1000,
    clientConfig: {
      interfaces: {
        'google.firestore.v1.Firestore': {
          retry_codes: { never: [] },
          methods: Object.fromEntries(
            METHODS.map((method) => [
              method,
              { timeout_millis: timeoutMs, retry_codes_name: 'never' },
            ]),
          ),
        },
      },
    },
  };
}

/**
 * {@link firestoreFailFastSettings} with the default `storeTimeout` (3 s):
 * spread them into a client of yours to make it fail fast as the store's own does.
 */
export const FIRESTORE_FAIL_FAST_SETTINGS = firestoreFailFastSettings(DEFAULT_STORE_TIMEOUT_MS);

/** `@google-cloud/firestore`; a `SessionConfigError` says how to install it when it is missing. */
export function loadFirestorePackage(): FirestoreModule {
  return loadOptionalPackage<FirestoreModule>('@google-cloud/firestore', { store: 'firestore' });
}

/**
 * A `Firestore` for `projectId` (else the project the client detects;
 * `FIRESTORE_EMULATOR_HOST` points it at an emulator) that fails fast:
 * {@link firestoreFailFastSettings} with `timeoutMs` (the module passes `storeTimeout`).
 */
export function createFirestoreClient(
  projectId: string | undefined,
  timeoutMs = DEFAULT_STORE_TIMEOUT_MS,
): FirestoreClientLike {
  const { Firestore } = loadFirestorePackage();
  // These settings reach the generated gRPC client, which the typings do not say.
  return new Firestore({
    ...(projectId === undefined ? {} : { projectId }),
    ...firestoreFailFastSettings(timeoutMs),
  });
}
