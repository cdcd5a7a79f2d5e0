import { Logger } from '@nestjs/common';
import { SessionConfigError } from '../../session.errors';
import { failureWithin } from '../../utils/timeout.util';
import type { SqlStore } from './sql.store';

/**
 * Connects and creates the table at startup when the database answers within
 * `timeoutMs`; when it does not, the app still starts, session requests answer
 * 503 and the first one after the database is back connects. A table that
 * cannot serve the options (no `user_id` column for `userKey`) fails startup.
 */
export async function connectAtStartup(store: SqlStore, timeoutMs: number): Promise<void> {
  const failure = await failureWithin(() => store.connect(), timeoutMs);
  if (!failure) return;
  if (failure instanceof SessionConfigError) {
    await store.close();
    throw failure;
  }
  new Logger('SessionModule').warn(
    `The session database is not reachable yet (${failure.message}); ` +
      'session requests answer 503 until it is.',
  );
}
