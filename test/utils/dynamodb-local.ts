import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dirname, join } from 'node:path';
import type { DynamoDBSessionOptions } from '../../lib';
import { freePort, startServer, type ServerProcess } from './server-process';

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
  const client = dynamoDBLocalClient(p);
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

/** Connection options of a store on the DynamoDB Local at `port` (any key pair works there). */
export function dynamoDBLocalOptions(
  port: number,
): Pick<DynamoDBSessionOptions, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'> {
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: 'local',
    secretAccessKey: 'local',
  };
}

/** A client of the tests' own on the DynamoDB Local at `port`, to look at what the store wrote. */
export function dynamoDBLocalClient(port: number): DynamoDBClient {
  const { endpoint, region, accessKeyId, secretAccessKey } = dynamoDBLocalOptions(port);
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! },
  });
}
