import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { SessionSettings } from '../../core/session-settings';
import type { CommonSessionOptions, MemorySessionOptions } from '../../interfaces';
import { MemoryStore, type MemoryStoreOptions } from './memory.store';

/** Sessions in this process's memory ({@link MemoryStore}): for tests and single-process development. */
export class MemorySessionInterface extends ServerSideSessionInterface {
  constructor(options: (CommonSessionOptions | SessionSettings) & MemoryStoreOptions = {}) {
    super(new MemoryStore({ maxEntries: options.maxEntries }), options, true);
  }

  /** `type: 'memory'`; a bad `maxEntries` throws a `SessionConfigError`. */
  static fromOptions(options: MemorySessionOptions): MemorySessionInterface {
    return new MemorySessionInterface(options);
  }
}
