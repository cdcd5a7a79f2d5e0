import { ServerSideSessionInterface } from '../../core/server-side-session-interface';
import type { CommonSessionOptions } from '../../interfaces/session-module-options.interface';
import { FileSystemStore } from './filesystem.store';

/** Flask-Session's `FileSystemSessionInterface`: one file per session in `cacheDir`. */
export class FileSystemSessionInterface extends ServerSideSessionInterface {
  constructor(
    cacheDir = 'flask_session',
    threshold = 500,
    mode = 0o600,
    keyPrefix = 'session:',
    useSigner = false,
    permanent = true,
    options: CommonSessionOptions = {},
  ) {
    super(
      new FileSystemStore({ dir: cacheDir, threshold, mode }),
      { ...options, keyPrefix, useSigner, permanent },
      true,
    );
  }
}
