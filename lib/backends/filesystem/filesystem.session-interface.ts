import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import {
  resolveSessionSettings,
  seedSettings,
  type SessionSettings,
} from '../../core/session-settings';
import type { CommonSessionOptions, FileSystemSessionOptions } from '../../interfaces';
import { SessionConfigError } from '../../session.errors';
import { optionalInteger } from '../../utils/validation.util';
import { FileSystemStore } from './filesystem.store';

/** Flask-Session's `FileSystemSessionInterface`: one file per session in `cacheDir`. */
export class FileSystemSessionInterface extends ServerSideSessionInterface {
  /**
   * @param cacheDir `SESSION_FILE_DIR`, default `flask_session`
   * @param threshold `SESSION_FILE_THRESHOLD`, default 500
   * @param mode `SESSION_FILE_MODE`, default `0o600`
   * @param keyPrefix `SESSION_KEY_PREFIX`, default `session:` (wins over `options`)
   */
  constructor(
    cacheDir?: string,
    threshold?: number,
    mode?: number,
    keyPrefix?: string,
    useSigner?: boolean,
    permanent?: boolean,
    options: CommonSessionOptions | SessionSettings = {},
  ) {
    super(
      new FileSystemStore({ dir: cacheDir, threshold, mode }),
      seedSettings(options, { keyPrefix, useSigner, permanent }),
      true,
    );
  }

  /** `type: 'filesystem'`: checks `dir`, `threshold` and `mode`. */
  static fromOptions(options: Omit<FileSystemSessionOptions, 'type'>): FileSystemSessionInterface {
    const { dir } = options;
    if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
      throw new SessionConfigError('dir (SESSION_FILE_DIR)', 'expected a directory path');
    }
    const threshold = optionalInteger('threshold (SESSION_FILE_THRESHOLD)', options.threshold, 0);
    const mode = optionalInteger('mode (SESSION_FILE_MODE)', options.mode, 0, 0o777);
    const settings = resolveSessionSettings(options);
    return new FileSystemSessionInterface(
      dir,
      threshold,
      mode,
      undefined,
      undefined,
      undefined,
      settings,
    );
  }
}
