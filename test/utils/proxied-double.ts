import { startTcpProxy, type OutageServer } from '../../lib/testing';

/** An in-process double listening on a port of its own. */
export interface DoubleServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A fresh double behind a TCP proxy on `port`, as the outage suite drives a
 * server: `stop` cuts every connection and drops the double (a restart starts
 * an empty one), `pause` holds the bytes of every request until `resume`, as a
 * frozen server does, so a write sent meanwhile lands after its 503.
 */
export async function startProxiedDouble(
  startDouble: () => Promise<DoubleServer>,
  port?: number,
): Promise<OutageServer> {
  const double = await startDouble();
  const proxy = await startTcpProxy(double.port, port);
  return {
    port: proxy.port,
    pause: () => proxy.pause(),
    resume: () => proxy.resume(),
    stop: async () => {
      await proxy.stop();
      await double.close();
    },
  };
}
