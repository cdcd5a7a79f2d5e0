import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
export async function waitForPort(
  port: number,
  timeoutMs = 20_000,
  host = '127.0.0.1',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  /** Output so far, for error messages. */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a server process that listens on `port` and waits until it accepts
 * connections. When the command is missing, the error says how to install it.
 */
export async function startServer(
  command: string,
  args: string[],
  port: number,
  options: { installHint?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ServerProcess> {
  let output = '';
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `${command} is not installed. ${options.installHint ?? ''}`.trim()
            : `${command} failed to start: ${error.message}`,
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`${command} exited with ${code} before listening:\n${output}`)),
    );
  });
  failed.catch(() => undefined);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    // Listening, or the process failed first (missing command, early exit).
    await new Promise<void>((resolve, reject) => {
      waitForPort(port, options.timeoutMs).then(resolve, reject);
      failed.catch(reject);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, child, output: () => output, stop };
}

/**
 * Stops `child` with SIGSTOP (a server that hangs: connections stay open, nothing
 * answers) and returns once it is stopped: the signal is delivered
 * asynchronously, and a server still running would read the next request.
 * `child.kill('SIGCONT')` resumes it.
 */
export async function pauseProcess(child: ChildProcess): Promise<void> {
  child.kill('SIGSTOP');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 't' || state === 'T') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`process ${child.pid} did not stop within 5 s`);
}
