import * as path from 'node:path';
import { freePort, startServer, type ServerProcess } from '../../lib/testing/server-process.util';

/** Set MONGODB_URL (e.g. mongodb://127.0.0.1:27017) to run the MongoDB suites on a real server. */
export const REAL_MONGODB_URL = process.env.MONGODB_URL;

const SCRIPT = path.join(__dirname, 'congodb-server.mjs');

export interface MongoDBTestServer extends ServerProcess {
  url: string;
}

/**
 * A throw-away CongoDB (a MongoDB wire-protocol server in JavaScript, data in
 * memory) on `port`, a free one by default: the mongoose driver talks to it
 * as to a mongod. No MongoDB binary is needed.
 */
export async function startMongoDBServer(port?: number): Promise<MongoDBTestServer> {
  const listen = port ?? (await freePort());
  const server = await startServer(process.execPath, [SCRIPT, String(listen)], listen, {
    installHint:
      'Run npm ci: the test server comes from the @push.rocks/smartmongo dev dependency.',
  });
  return { ...server, url: `mongodb://127.0.0.1:${listen}` };
}

/** Where the suites run: the real server of MONGODB_URL, or a CongoDB started for them. */
export async function mongoDBForTests(): Promise<{ url: string; stop(): Promise<void> }> {
  if (REAL_MONGODB_URL) return { url: REAL_MONGODB_URL, stop: async () => undefined };
  const server = await startMongoDBServer();
  return { url: server.url, stop: () => server.stop() };
}
