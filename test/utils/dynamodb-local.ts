import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dirname, join } from 'node:path';
import type { DynamoDBSessionOptions } from '../../lib';
import { freePort, startServer, type ServerProcess } from '../../lib/testing/server-process.util';

const INSTALL_HINT =
  'DynamoDB Local needs Java 17 or later: apt-get update && apt-get install -y openjdk-17-jre-headless';

/** Where `amplify-dynamodb-simulator` keeps Amazon's DynamoDB Local jar. */
const EMULATOR_DIR = join(
  dirname(require.resolve('amplify-dynamodb-simulator/package.json')),
  'emulator',
);

/**
 * A throw-away, in-memory DynamoDB Local on `port` (a free one by default),
 * stopped by PID. It has no option to choose its address: it listens on all
 * interfaces, and the tests reach it on 127.0.0.1.
 */
export async function startDynamoDBLocal(port?: number): Promise<ServerProcess> {
  const p = port ?? (await freePort());
  const server = await startServer(
    'java',
    [
      '-Xmx256m',
      `-Djava.library.path=${join(EMULATOR_DIR, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(EMULATOR_DIR, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(p),
    ],
    p,
    { installHint: INSTALL_HINT, cwd: EMULATOR_DIR, timeoutMs: 60_000 },
  );
  // The JVM accepts connections before it answers quickly: one request warms it up.
  const client = dynamoDBTestClient(dynamoDBLocalOptions(p));
  try {
    await client.send(new ListTablesCommand({}));
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return server;
}

/** Where a store connects: endpoint, region and key pair. */
export type DynamoDBConnection = Required<
  Pick<DynamoDBSessionOptions, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>
>;

/** Connection options of a store on the DynamoDB Local at `port` (any key pair works there). */
export function dynamoDBLocalOptions(port: number): DynamoDBConnection {
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: 'local',
    secretAccessKey: 'local',
  };
}

/** A client of the tests' own, to look at what the store wrote. */
export function dynamoDBTestClient(connection: DynamoDBConnection): DynamoDBClient {
  const { endpoint, region, accessKeyId, secretAccessKey } = connection;
  return new DynamoDBClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey } });
}

/**
 * The DynamoDB the suites run against: `DYNAMODB_ENDPOINT` when set (a server
 * you run, with `AWS_REGION`, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
 * when it checks them), else a DynamoDB Local of our own, stopped by `stop()`.
 */
export async function useDynamoDB(): Promise<{
  connection: DynamoDBConnection;
  stop(): Promise<void>;
}> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (endpoint) {
    return {
      connection: {
        endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      },
      stop: async () => undefined,
    };
  }
  const server = await startDynamoDBLocal();
  return { connection: dynamoDBLocalOptions(server.port), stop: () => server.stop() };
}
