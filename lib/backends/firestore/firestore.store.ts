import { loadOptionalPackage } from '../../utils/optional-package.util';
import { SessionTooLargeError } from '../../session.errors';
import type { SessionStore } from '../../interfaces/session-store.interface';
import { firestoreDocumentId } from './firestore-document-id';

/** A Firestore `Timestamp`, as the client returns it. */
export interface FirestoreTimestampLike {
  toMillis(): number;
}

/** What the store writes: one document per session, id = the session key (escaped where Firestore needs it). */
export interface FirestoreSessionDocument {
  /** The session bytes (a Firestore `bytes` field). */
  data: Buffer;
  /** Expiry (a Firestore `timestamp` field); a TTL policy on it suits the store. */
  expiresAt: Date;
}

/** The `DocumentSnapshot` members the store reads. */
export interface FirestoreSnapshotLike {
  readonly exists: boolean;
  readonly updateTime?: FirestoreTimestampLike;
  get(field: string): unknown;
}

/** A `DocumentReference`: read outside a transaction, or handed back to one. */
export interface FirestoreDocumentRefLike {
  get(): Promise<FirestoreSnapshotLike>;
}

/** The `Query` methods `deleteExpired()` uses. */
export interface FirestoreQueryLike {
  select(...fields: string[]): FirestoreQueryLike;
  limit(limit: number): FirestoreQueryLike;
  get(): Promise<{ readonly docs: ReadonlyArray<{ readonly ref: FirestoreDocumentRefLike }> }>;
}

/** The `CollectionReference` methods the store uses. */
export interface FirestoreCollectionLike {
  doc(id: string): FirestoreDocumentRefLike;
  where(field: string, op: '<=', value: Date): FirestoreQueryLike;
}

/** The `Transaction` methods the store uses. */
export interface FirestoreTransactionLike {
  get(ref: FirestoreDocumentRefLike): Promise<FirestoreSnapshotLike>;
  set(ref: FirestoreDocumentRefLike, data: FirestoreSessionDocument): unknown;
  update(ref: FirestoreDocumentRefLike, data: { expiresAt: Date }): unknown;
  delete(
    ref: FirestoreDocumentRefLike,
    precondition?: { lastUpdateTime?: FirestoreTimestampLike },
  ): unknown;
}

/**
 * The methods of a `@google-cloud/firestore` `Firestore` (7.x or later) the
 * store calls; any such client fits.
 */
export interface FirestoreClientLike {
  collection(path: string): FirestoreCollectionLike;
  runTransaction<T>(
    update: (transaction: FirestoreTransactionLike) => Promise<T>,
    options?: { maxAttempts?: number },
  ): Promise<T>;
  terminate(): Promise<void>;
}

export interface FirestoreStoreOptions {
  /** A client you own (left open by `close()`); without it the store builds one. */
  client?: FirestoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID`: the project of the store's own client (else detected by the client). */
  projectId?: string;
  /** `SESSION_FIRESTORE_COLLECT`: the collection, default `sessions`. */
  collection?: string;
}

type FirestoreModule = typeof import('@google-cloud/firestore');

/** Firestore's limit on a document, in bytes (storage size). */
const MAX_DOCUMENT_BYTES = 1_048_576;
/** Documents removed per commit by `deleteExpired()`. */
const DELETE_BATCH = 500;
/** `deleteExpired()` stops after this many batches; the next run continues. */
const MAX_DELETE_BATCHES = 100;
/** The store's own client: no retries by the transport, and every call ends within this time. */
const CALL_TIMEOUT_MS = 3000;
const METHODS = ['BatchGetDocuments', 'RunQuery', 'BeginTransaction', 'Commit', 'Rollback'];

/**
 * Settings for a `Firestore` that fails fast when the server is down: no
 * retries by the transport and a deadline on every call. The store's own
 * client uses them; spread them into yours for the same. Without them a
 * commit retries an unavailable server for up to 10 minutes and each read
 * attempt is retried again by the stream layer. (The client itself still
 * retries a failed read 5 times within about 8 seconds.)
 */
export const FIRESTORE_FAIL_FAST_SETTINGS = {
  /** Streams (reads, queries) retry by `clientConfig` below, which says never. */
  gaxServerStreamingRetries: true,
  /** A server that is back is reached within a second (gRPC waits up to 2 minutes by default). */
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  clientConfig: {
    interfaces: {
      'google.firestore.v1.Firestore': {
        retry_codes: { never: [] },
        methods: Object.fromEntries(
          METHODS.map((method) => [
            method,
            { timeout_millis: CALL_TIMEOUT_MS, retry_codes_name: 'never' },
          ]),
        ),
      },
    },
  },
};

async function loadFirestore(): Promise<FirestoreModule> {
  return loadOptionalPackage<FirestoreModule>('@google-cloud/firestore', { store: 'firestore' });
}

/** Checks that `@google-cloud/firestore` can be loaded; a `SessionConfigError` says how to install it. */
export async function requireFirestorePackage(): Promise<void> {
  await loadFirestore();
}

/** Storage size of a UTF-8 string: its bytes plus one. */
const stringSize = (text: string) => Buffer.byteLength(text) + 1;

/**
 * The largest value Firestore accepts under document `id` of `collection`:
 * the document limit less its name (both path segments, plus 16), the field
 * names, the expiry timestamp (8), and the document's own 32 bytes.
 */
function maxValueBytes(collection: string, id: string): number {
  const nameSize = stringSize(collection) + stringSize(id) + 16;
  return MAX_DOCUMENT_BYTES - 32 - nameSize - stringSize('data') - stringSize('expiresAt') - 8;
}

function liveData(
  snapshot: FirestoreSnapshotLike,
): { data: Buffer; expiresAt: number } | undefined {
  if (!snapshot.exists) return undefined;
  const data = snapshot.get('data');
  const expiresAt = snapshot.get('expiresAt') as Partial<FirestoreTimestampLike> | undefined;
  if (!Buffer.isBuffer(data) || typeof expiresAt?.toMillis !== 'function') return undefined;
  return { data, expiresAt: expiresAt.toMillis() };
}

/** gRPC ABORTED (a concurrent transaction won) or FAILED_PRECONDITION (the document changed). */
function lostRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 10 || code === 9;
}

/**
 * Sessions in Cloud Firestore: one document per session in `collection`,
 * `{ data: bytes, expiresAt: timestamp }`, its id the session key (see
 * `firestoreDocumentId`).
 *
 * Expiry is enforced on read: an expired document is never returned and is
 * deleted when read (unless it was rewritten meanwhile), and
 * `deleteExpired()` deletes the rest; a Firestore TTL policy on `expiresAt`
 * does the same server-side. `touch` moves `expiresAt` alone, in a
 * transaction, and never brings back an expired or deleted document.
 *
 * Every write is a transaction of one attempt: a plain `set()` of the client
 * retries a down server for minutes, a transaction's commit follows the
 * client's call settings (`FIRESTORE_FAIL_FAST_SETTINGS` on the store's
 * own client).
 */
export class FirestoreStore implements SessionStore {
  readonly collection: string;
  private readonly projectId?: string;
  private readonly ownsClient: boolean;
  private client?: Promise<FirestoreClientLike>;
  /** Calls still running, maybe abandoned by the module's `storeTimeout`: `close()` waits for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(options: FirestoreStoreOptions = {}) {
    this.collection = options.collection ?? 'sessions';
    this.projectId = options.projectId;
    this.ownsClient = options.client === undefined;
    if (options.client) this.client = Promise.resolve(options.client);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.track(this.load(key));
  }

  set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    return this.track(this.save(key, value, ttlMs));
  }

  delete(key: string): Promise<void> {
    return this.track(this.remove(key));
  }

  touch(key: string, ttlMs: number): Promise<void> {
    return this.track(this.refresh(key, ttlMs));
  }

  deleteExpired(): Promise<number> {
    return this.track(this.sweep());
  }

  async close(): Promise<void> {
    if (!this.ownsClient || !this.client) return;
    // The client rejects calls once terminated, even retries of calls it accepted before.
    await Promise.allSettled(this.pending);
    const client = await this.client.catch(() => undefined);
    this.client = undefined;
    await client?.terminate();
  }

  private async load(key: string): Promise<Uint8Array | undefined> {
    const client = await this.ready();
    const ref = this.ref(client, key);
    const snapshot = await ref.get();
    const found = liveData(snapshot);
    if (!found) return undefined;
    if (found.expiresAt <= Date.now()) {
      try {
        await this.write(client, (transaction) =>
          // Only the version read: a rewrite in between stands (the emulator ignores this).
          transaction.delete(ref, { lastUpdateTime: snapshot.updateTime }),
        );
      } catch (error) {
        if (!lostRace(error)) throw error;
      }
      return undefined;
    }
    return found.data;
  }

  private async save(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const limit = maxValueBytes(this.collection, firestoreDocumentId(key));
    if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
    const client = await this.ready();
    const data = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const ref = this.ref(client, key);
    await this.write(client, (transaction) =>
      transaction.set(ref, { data, expiresAt: new Date(Date.now() + ttlMs) }),
    );
  }

  private async remove(key: string): Promise<void> {
    const client = await this.ready();
    const ref = this.ref(client, key);
    await this.write(client, (transaction) => transaction.delete(ref));
  }

  private async refresh(key: string, ttlMs: number): Promise<void> {
    const client = await this.ready();
    const ref = this.ref(client, key);
    try {
      await client.runTransaction(
        async (transaction) => {
          const found = liveData(await transaction.get(ref));
          if (!found || found.expiresAt <= Date.now()) return;
          transaction.update(ref, { expiresAt: new Date(Date.now() + ttlMs) });
        },
        { maxAttempts: 1 },
      );
    } catch (error) {
      // A concurrent write or delete of this document won; what it did stands.
      if (!lostRace(error)) throw error;
    }
  }

  private async sweep(): Promise<number> {
    const client = await this.ready();
    let removed = 0;
    for (let batch = 0; batch < MAX_DELETE_BATCHES; batch++) {
      const { docs } = await client
        .collection(this.collection)
        .where('expiresAt', '<=', new Date())
        .select()
        .limit(DELETE_BATCH)
        .get();
      if (docs.length === 0) break;
      // An expired document never comes back to life (touch refuses it, ids are never reused).
      await this.write(client, (transaction) => {
        for (const doc of docs) transaction.delete(doc.ref);
      });
      removed += docs.length;
      if (docs.length < DELETE_BATCH) break;
    }
    return removed;
  }

  private track<T>(call: Promise<T>): Promise<T> {
    this.pending.add(call);
    const settled = () => this.pending.delete(call);
    call.then(settled, settled);
    return call;
  }

  private ref(client: FirestoreClientLike, key: string): FirestoreDocumentRefLike {
    return client.collection(this.collection).doc(firestoreDocumentId(key));
  }

  /** The writes in one commit: a transaction without reads, of one attempt. */
  private async write(
    client: FirestoreClientLike,
    writes: (transaction: FirestoreTransactionLike) => void,
  ): Promise<void> {
    await client.runTransaction(
      async (transaction) => {
        writes(transaction);
      },
      { maxAttempts: 1 },
    );
  }

  private ready(): Promise<FirestoreClientLike> {
    this.client ??= loadFirestore().then(
      ({ Firestore }) =>
        // These settings reach the generated gRPC client, which the typings do not say.
        new Firestore({
          ...(this.projectId === undefined ? {} : { projectId: this.projectId }),
          ...FIRESTORE_FAIL_FAST_SETTINGS,
        }),
      (error: unknown) => {
        this.client = undefined;
        throw error;
      },
    );
    return this.client;
  }
}
