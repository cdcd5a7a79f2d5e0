import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stops listening and cuts every open connection, as a database that went down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Keeps connections open but forwards nothing, as a server that stopped answering. */
  pause(): void;
  resume(): void;
}

/**
 * A loopback TCP proxy to `targetPort`, to take a database away from an app
 * and give it back without touching the database itself.
 */
export async function startTcpProxy(targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let paused = false;
  let server: Server | undefined;

  const listen = (on: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream);
        upstream.pipe(client);
        if (paused) for (const socket of [client, upstream]) socket.pause();
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(on, '127.0.0.1', () => resolve((server!.address() as { port: number }).port));
    });

  const proxy: TcpProxy = {
    port: await listen(port),
    async stop() {
      const closed = new Promise((resolve) =>
        server ? server.close(resolve) : resolve(undefined),
      );
      for (const socket of sockets) socket.destroy();
      await closed;
      server = undefined;
    },
    async start() {
      await listen(proxy.port);
    },
    // Bytes wait unread, as in a stopped process's socket buffers, and flow again on resume.
    pause() {
      paused = true;
      for (const socket of sockets) socket.pause();
    },
    resume() {
      paused = false;
      for (const socket of sockets) socket.resume();
    },
  };
  return proxy;
}
