import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import type { DynamoDBClientLike, DynamoDBConnectionOptions } from '../../interfaces';
import { loadOptionalPackage } from '../../utils/optional-package.util';

export type DynamoDBModule = typeof import('@aws-sdk/client-dynamodb');

/** `@aws-sdk/client-dynamodb`, or a `SessionConfigError` that says how to install it. */
export function loadDynamoDB(): DynamoDBModule {
  return loadOptionalPackage<DynamoDBModule>('@aws-sdk/client-dynamodb', { store: 'dynamodb' });
}

/**
 * Builds a `DynamoDBClient` that fails fast on a dead or hung endpoint
 * instead of retrying for minutes: a third of `timeoutMs` to connect,
 * `timeoutMs` (the module passes `storeTimeout`) for a request, one retry.
 * The key pair is used only when both halves are given, else the SDK's
 * default credentials.
 */
export function createDynamoDBClient(
  options: DynamoDBConnectionOptions = {},
  timeoutMs = DEFAULT_STORE_TIMEOUT_MS,
): DynamoDBClientLike {
  const { accessKeyId, secretAccessKey } = options;
  return new (loadDynamoDB().DynamoDBClient)({
    region: options.region,
    endpoint: options.endpoint,
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : undefined,
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: Math.ceil(timeoutMs / 3),
      requestTimeout: timeoutMs,
      // Without it the SDK only logs a warning when a request outlives requestTimeout.
      throwOnRequestTimeout: true,
    },
  });
}
