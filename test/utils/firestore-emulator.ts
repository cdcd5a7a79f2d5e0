import { join } from 'node:path';
import { freePort, startServer, type ServerProcess } from '../../lib/testing/server-process.util';

const MAIN = join(__dirname, 'firestore-emulator.main.mjs');

/**
 * A throw-away Firestore emulator (`@firestore-emulator/server`, a dev
 * dependency) in a child process on 127.0.0.1:`port` (a free one by default).
 * Its data lives in memory: a restart starts empty.
 */
export async function startFirestoreEmulator(port?: number): Promise<ServerProcess> {
  const p = port ?? (await freePort());
  return startServer(process.execPath, [MAIN, String(p)], p, {
    installHint: 'Run npm ci: the emulator is the dev dependency @firestore-emulator/server.',
  });
}

/** `FIRESTORE_EMULATOR_HOST` for an emulator on `port`. */
export const firestoreEmulatorHost = (port: number) => `127.0.0.1:${port}`;
