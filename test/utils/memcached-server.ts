import { connect } from 'node:net';
import { freePort, startServer, type ServerProcess } from '../../lib/testing/server-process.util';

const INSTALL_HINT = 'Install it with: apt-get update && apt-get install -y memcached';

/** A throw-away memcached in the foreground on `port` (a free one by default), stopped by PID. */
export async function startMemcached(port?: number, args: string[] = []): Promise<ServerProcess> {
  const p = port ?? (await freePort());
  return startServer(
    'memcached',
    ['-u', 'root', '-l', '127.0.0.1', '-p', String(p), '-U', '0', ...args],
    p,
    { installHint: INSTALL_HINT },
  );
}

/**
 * Seconds until `key` expires, as the server reports it (meta get with the
 * `t` flag): -1 for never, undefined when the key is missing.
 */
export function memcachedSecondsLeft(port: number, key: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('memcached did not answer "mg"')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (!reply.endsWith('\r\n')) return;
      socket.end('quit\r\n');
      if (reply.startsWith('EN')) return resolve(undefined);
      const ttl = /^HD t(-?\d+)/.exec(reply);
      if (ttl) resolve(Number(ttl[1]));
      else reject(new Error(`unexpected answer to "mg": ${reply}`));
    });
    socket.write(`mg ${key} t\r\n`);
  });
}
