import type {
  CompareAndSetResult,
  FirestoreClientLike,
  FirestoreDocumentRefLike,
  FirestoreTransactionLike,
} from '../../interfaces';
import { readSessionDocument, type StoredSession } from './firestore.document-codec';

/** gRPC ABORTED (a concurrent transaction won) or FAILED_PRECONDITION (the document changed). */
export function lostRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 10 || code === 9;
}

/** Thrown out of a transaction's function so that it ends with a rollback, not a commit. */
class NothingWritten {
  constructor(readonly result: Exclude<CompareAndSetResult, 'stored'>) {}
}

/**
 * Reads a session document in a transaction of one attempt, lets `write` queue
 * a write for what it read, and commits: one read and one commit, atomic on the
 * server (a concurrent commit on the document fails this one with ABORTED, see
 * {@link lostRace}). `write` gets the live session (`undefined`: missing or
 * expired) and returns `'stored'` once it queued its write, else why it wrote
 * nothing; then the transaction is rolled back without waiting for the server.
 */
export async function readThenWrite(
  client: FirestoreClientLike,
  ref: FirestoreDocumentRefLike,
  write: (
    live: StoredSession | undefined,
    transaction: FirestoreTransactionLike,
  ) => CompareAndSetResult,
): Promise<CompareAndSetResult> {
  try {
    return await client.runTransaction(
      async (transaction) => {
        const found = readSessionDocument(await transaction.get(ref));
        const live = found && found.expiresAt > Date.now() ? found : undefined;
        const result = write(live, transaction);
        if (result !== 'stored') throw new NothingWritten(result);
        return result;
      },
      { maxAttempts: 1 },
    );
  } catch (error) {
    if (error instanceof NothingWritten) return error.result;
    throw error;
  }
}
