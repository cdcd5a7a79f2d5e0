import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { SessionSettings } from '../../core/session-settings';
import type { CommonSessionOptions, MemorySessionOptions } from '../../interfaces';
import { MemoryStore } from './memory.store';

/** Sessions in this process's memory ({@link MemoryStore}): for tests and single-process development. */
export class MemorySessionInterface extends ServerSideSessionInterface {
  constructor(options: CommonSessionOptions | SessionSettings = {}) {
    super(new MemoryStore(), options, true);
  }

  /** `type: 'memory'`. */
  static fromOptions(options: MemorySessionOptions): MemorySessionInterface {
    return new MemorySessionInterface(options);
  }
}
