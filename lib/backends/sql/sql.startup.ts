import { Logger } from '@nestjs/common';
import { failureWithin } from '../../utils/timeout.util';
import type { SqlStore } from './sql.store';

/**
 * Connects and creates the table at startup when the database answers within
 * `timeoutMs`; when it does not, the app still starts, session requests answer
 * 503 and the first one after the database is back connects.
 */
export async function connectAtStartup(store: SqlStore, timeoutMs: number): Promise<void> {
  const failure = await failureWithin(() => store.connect(), timeoutMs);
  if (!failure) return;
  new Logger('SessionModule').warn(
    `The session database is not reachable yet (${failure.message}); ` +
      'session requests answer 503 until it is.',
  );
}
