import { hasMethods } from '../../utils/validation.util';
import { SessionConfigError } from '../../session.errors';
import type { DynamoDBSessionOptions } from '../../interfaces';
import { resolveSessionSettings } from '../../core/session-settings';
import { requireDynamoDBPackage, type DynamoDBClientLike } from './dynamodb.store';
import { DynamoDBSessionInterface } from './dynamodb.session-interface';

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** DynamoDB's limit on a partition key value. */
const MAX_KEY_BYTES = 2048;

function optionalString(key: string, value: unknown, expected: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw new SessionConfigError(key, `expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkEndpoint(endpoint: unknown): string | undefined {
  const url = optionalString('endpoint (SESSION_DYNAMODB_ENDPOINT)', endpoint, 'a URL');
  if (url === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new SessionConfigError(
      'endpoint (SESSION_DYNAMODB_ENDPOINT)',
      `expected an http:// or https:// URL such as http://127.0.0.1:8000, got "${url}"`,
    );
  }
  return url;
}

/** `type: 'dynamodb'`: checks the options and that `@aws-sdk/client-dynamodb` can be loaded. */
export function buildDynamoDBSessionInterface(
  options: DynamoDBSessionOptions,
): DynamoDBSessionInterface {
  const { client, table, createTable } = options;
  if (client !== undefined && !hasMethods<DynamoDBClientLike>(client, ['send', 'destroy'])) {
    throw new SessionConfigError(
      'client (SESSION_DYNAMODB)',
      'expected an @aws-sdk/client-dynamodb DynamoDBClient',
    );
  }
  const endpoint = checkEndpoint(options.endpoint);
  const region = optionalString('region (SESSION_DYNAMODB_REGION)', options.region, 'a region');
  const accessKeyId = optionalString(
    'accessKeyId (SESSION_DYNAMODB_KEY_ID)',
    options.accessKeyId,
    'an access key id',
  );
  const secretAccessKey = optionalString(
    'secretAccessKey (SESSION_DYNAMODB_SECRET)',
    options.secretAccessKey,
    'a secret access key',
  );
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new SessionConfigError(
      accessKeyId === undefined
        ? 'accessKeyId (SESSION_DYNAMODB_KEY_ID)'
        : 'secretAccessKey (SESSION_DYNAMODB_SECRET)',
      'the access key id and the secret go together: set both or neither',
    );
  }
  if (table !== undefined && (typeof table !== 'string' || !TABLE_NAME.test(table))) {
    throw new SessionConfigError(
      'table (SESSION_DYNAMODB_TABLE)',
      `expected a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -), got ${JSON.stringify(table)}`,
    );
  }
  if (createTable !== undefined && typeof createTable !== 'boolean') {
    throw new SessionConfigError(
      'createTable (SESSION_CREATE_TABLE)',
      `expected true or false, got ${JSON.stringify(createTable)}`,
    );
  }
  const settings = resolveSessionSettings(options);
  const idChars = Math.ceil((settings.idLength * 4) / 3);
  if (Buffer.byteLength(settings.keyPrefix) + idChars > MAX_KEY_BYTES) {
    throw new SessionConfigError(
      'keyPrefix (SESSION_KEY_PREFIX)',
      `with ${idChars}-character ids, DynamoDB keys would exceed ${MAX_KEY_BYTES} bytes`,
    );
  }
  // Needed even with your client: the store builds its commands with the package.
  requireDynamoDBPackage();
  return new DynamoDBSessionInterface(
    client,
    options.keyPrefix,
    options.useSigner,
    options.permanent,
    table,
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    options,
  );
}
