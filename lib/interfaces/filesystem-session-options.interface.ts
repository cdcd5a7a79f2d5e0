import type { CommonSessionOptions } from './session-module-options.interface';

export interface FileSystemSessionOptions extends CommonSessionOptions {
  type: 'filesystem';
  /** `SESSION_FILE_DIR`, default `./flask_session`. */
  dir?: string;
  /** `SESSION_FILE_THRESHOLD`: most files kept before pruning, default 500 (0 = no limit). */
  threshold?: number;
  /** `SESSION_FILE_MODE`, default `0o600`. */
  mode?: number;
}
