import type { ServerSideSession } from '../../core/server-side-session';
import { SessionInterface } from '../../core/session-interface';
import { resolveSessionSettings, type SessionSettings } from '../../core/session-settings';
import type { CommonSessionOptions, NullSessionOptions } from '../../interfaces';

/**
 * Used when no `SESSION_TYPE` is configured: sessions read as empty and any
 * write fails with an error that says how to configure a store.
 */
export class NullSessionInterface extends SessionInterface {
  constructor(options: CommonSessionOptions | SessionSettings = {}) {
    super(resolveSessionSettings(options));
    this.logger.warn(
      'No session store is configured (SESSION_TYPE is null): sessions are read-only and empty. ' +
        "Set `type` (e.g. 'filesystem' or 'redis') in SessionModule.forRoot().",
    );
  }

  /** `type: 'null'` (the default). */
  static fromOptions(options: NullSessionOptions): NullSessionInterface {
    return new NullSessionInterface(options);
  }

  protected async openSession(): Promise<ServerSideSession> {
    return this.makeNullSession();
  }

  protected async saveSession(): Promise<void> {}
}
