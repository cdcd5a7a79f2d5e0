import type { CommonSessionOptions } from './session-module-options.interface';

export interface MemcachedSessionOptions extends CommonSessionOptions {
  type: 'memcached';
  /** `SESSION_MEMCACHED`: a memjs `Client` you own (left open on shutdown). */
  client?: MemcachedSessionClient;
  /** `SESSION_MEMCACHED` as servers, e.g. `127.0.0.1:11211`, default that. */
  servers?: string | readonly string[];
  /** The servers' item size limit (`memcached -I`), default 1 MiB: a larger session fails to save. */
  maxItemSize?: number;
}

/**
 * The memjs methods the store uses, named structurally so that this package
 * compiles without memjs: a memjs `Client` has them all.
 */
export interface MemcachedSessionClient {
  get(key: string): Promise<{ value: Buffer | null }>;
  set(key: string, value: Buffer, options: { expires: number }): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  touch(key: string, expires: number): Promise<boolean>;
  /** Used only to close a client the store opened itself. */
  close?(): void;
}
