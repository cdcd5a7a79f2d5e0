/** What the runner tells a bench server process, through its environment. */
export interface BenchEnv {
  port: number;
  keyPrefix: string;
  secret: string;
  dir: string;
}

export function benchEnv(): BenchEnv {
  const port = Number(process.env.BENCH_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT is not set');
  return {
    port,
    keyPrefix: process.env.BENCH_KEY_PREFIX ?? 'nss-bench:',
    secret: process.env.BENCH_SECRET ?? 'bench-secret-bench-secret-bench-secret',
    dir: process.env.BENCH_DIR ?? '',
  };
}

/** Lets the runner stop the server with SIGTERM after it has closed what it opened. */
export function closeOnSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
