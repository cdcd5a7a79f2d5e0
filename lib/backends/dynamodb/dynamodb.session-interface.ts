import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import { sessionIdChars } from '../../core/session-id';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type {
  CommonSessionOptions,
  DynamoDBClientLike,
  DynamoDBSessionOptions,
} from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import {
  hasMethods,
  optionalBoolean,
  optionalString,
  optionalUrl,
} from '../../utils/validation.util';
import { loadDynamoDB } from './dynamodb.client';
import { DynamoDBStore } from './dynamodb.store';

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** DynamoDB's limit on a partition key value. */
const MAX_KEY_BYTES = 2048;

/**
 * Flask-Session's `DynamoDBSessionInterface`: one item per session in
 * `tableName`, created (with TTL on `expiresAt`) when missing unless
 * `options.createTable` is false. A `client` you pass is used as is and left
 * open; without one the interface builds a `DynamoDBClient` from `url`,
 * `regionName` and the key pair, bounded by `storeTimeout`, and destroys it on
 * shutdown.
 */
export class DynamoDBSessionInterface extends ServerSideSessionInterface {
  /**
   * @param client an `@aws-sdk/client-dynamodb` `DynamoDBClient` you own (`SESSION_DYNAMODB`)
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   * @param useSigner `SESSION_USE_SIGNER`, default `false` (wins over `options`)
   * @param permanent `SESSION_PERMANENT`, default `true` (wins over `options`)
   * @param tableName `SESSION_DYNAMODB_TABLE`, default `sessions`
   * @param url `SESSION_DYNAMODB_ENDPOINT`, e.g. `http://127.0.0.1:8000` for DynamoDB Local
   * @param regionName `SESSION_DYNAMODB_REGION`
   * @param accessKeyId `SESSION_DYNAMODB_KEY_ID`, with `secretAccessKey`
   * @param secretAccessKey `SESSION_DYNAMODB_SECRET`
   */
  constructor(
    client?: DynamoDBClientLike,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    tableName = 'sessions',
    url?: string,
    regionName?: string,
    accessKeyId?: string,
    secretAccessKey?: string,
    options: (CommonSessionOptions | SessionSettings) & { createTable?: boolean } = {},
  ) {
    const settings = seedSettings(options, { keyPrefix, useSigner, permanent });
    super(
      new DynamoDBStore({
        client,
        table: tableName,
        endpoint: url,
        region: regionName,
        accessKeyId,
        secretAccessKey,
        createTable: options.createTable,
        timeoutMs: settings.storeTimeout,
      }),
      settings,
      true,
    );
  }

  /**
   * `type: 'dynamodb'`: checks the options and that `@aws-sdk/client-dynamodb`
   * can be loaded (needed even with your client: the store builds its commands
   * with it). Bad options throw a {@link SessionConfigError}.
   */
  static fromOptions(options: Omit<DynamoDBSessionOptions, 'type'>): DynamoDBSessionInterface {
    const { client, table } = options;
    if (client !== undefined && !hasMethods<DynamoDBClientLike>(client, ['send', 'destroy'])) {
      throw new SessionConfigError(
        'client (SESSION_DYNAMODB)',
        'expected an @aws-sdk/client-dynamodb DynamoDBClient',
      );
    }
    const endpoint = optionalUrl(
      'endpoint (SESSION_DYNAMODB_ENDPOINT)',
      options.endpoint,
      ['http:', 'https:'],
      'http://127.0.0.1:8000',
    );
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
    const createTable = optionalBoolean('createTable (SESSION_CREATE_TABLE)', options.createTable);
    const settings = resolveSessionSettings(options);
    const idChars = sessionIdChars(settings.idLength);
    if (Buffer.byteLength(settings.keyPrefix) + idChars > MAX_KEY_BYTES) {
      throw new SessionConfigError(
        'keyPrefix (SESSION_KEY_PREFIX)',
        `with ${idChars}-character ids, DynamoDB keys would exceed ${MAX_KEY_BYTES} bytes`,
      );
    }
    loadDynamoDB();
    const sessions = new DynamoDBSessionInterface(
      client,
      undefined,
      undefined,
      undefined,
      table,
      endpoint,
      region,
      accessKeyId,
      secretAccessKey,
      { ...settings, createTable },
    );
    // The table is prepared now, not on the first request, so what its check finds
    // (TTL on another attribute, missing rights) is said at startup; a failure is
    // retried by the first store call.
    void (sessions.store as DynamoDBStore).prepare().catch(() => undefined);
    return sessions;
  }
}
