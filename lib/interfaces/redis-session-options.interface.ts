import type { CommonSessionOptions } from './session-module-options.interface';

/**
 * Backend options below name the client types structurally (`object`) so that
 * no optional client package is needed to compile against this one.
 */
export interface RedisSessionOptions extends CommonSessionOptions {
  type: 'redis';
  /** `SESSION_REDIS`: an ioredis `Redis` or `Cluster` you own (left open on shutdown). */
  client?: RedisSessionClient;
  /** `SESSION_REDIS` as a URL, e.g. `redis://127.0.0.1:6379/0`. */
  url?: string;
  /** `SESSION_REDIS_HOST`, default `127.0.0.1`. */
  host?: string;
  /** `SESSION_REDIS_PORT`, default 6379. */
  port?: number;
}

/**
 * The ioredis methods the store uses, named structurally so that this package
 * compiles without ioredis: an ioredis `Redis` or `Cluster` instance has them all.
 */
export interface RedisSessionClient {
  getBuffer(key: string): Promise<Buffer | null>;
  /** `GETEX` (Redis ≥ 6.2); without it, or on an older server, `getAndTouch` takes two commands. */
  getexBuffer?(key: string, millisecondsToken: 'PX', milliseconds: number): Promise<Buffer | null>;
  set(key: string, value: Buffer, millisecondsToken: 'PX', milliseconds: number): Promise<unknown>;
  pexpire(key: string, milliseconds: number): Promise<number>;
  del(key: string): Promise<number>;
  /** Used only to close a client the store opened itself. */
  readonly status?: string;
  quit?(): Promise<unknown>;
  disconnect?(): void;
  once?(event: 'end', listener: () => void): unknown;
}
