import { DEFAULT_STORE_TIMEOUT_MS } from '../../core/session-settings';
import { backoff } from '../../utils/backoff.util';
import type {
  CompareAndSetResult,
  FirestoreClientLike,
  FirestoreDocumentRefLike,
  FirestoreTransactionLike,
  SessionStore,
  StoreCallOptions,
  UserSessionEntry,
} from '../../interfaces';
import { asBuffer } from '../../utils/bytes.util';
import { Lazy } from '../../utils/lazy.util';
import { createFirestoreClient } from './firestore.client';
import {
  firestoreDocumentId,
  readSessionDocument,
  type StoredSession,
} from './firestore.document-codec';
import { lostRace, readThenWrite } from './firestore.transaction';
import { findUserSessions, overwrite, sessionDocument } from './firestore.user-index';

export interface FirestoreStoreOptions {
  /** A client you own (left open by `close()`); without it the store builds one. */
  client?: FirestoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID`: the project of the store's own client (else detected by the client). */
  projectId?: string;
  /** `SESSION_FIRESTORE_COLLECT`: the collection, default `sessions`. */
  collection?: string;
  /** The deadline of each call of the store's own client, default 3000 ms (the module passes `storeTimeout`). */
  timeoutMs?: number;
}

/** Documents removed per commit by `deleteExpired()`. */
const DELETE_BATCH = 500;
/** `deleteExpired()` stops after this many batches; the next run continues. */
const MAX_DELETE_BATCHES = 100;

/**
 * Attempts of `update` and `touch` while concurrent commits on the document win: each
 * reads again after a random pause (up to 100 ms) that spreads colliding writers
 * out. `storeTimeout` bounds the whole call anyway.
 */
const MAX_ATTEMPTS = 50;
const MAX_PAUSE_MS = 100;

/**
 * Sessions in Cloud Firestore: one document per session in `collection`,
 * `{ data: bytes, expiresAt: timestamp }`, its id the session key (see
 * `firestoreDocumentId`), and `user: string` when a write names one
 * (`userKey`), written in the same commit; `findByUser` queries it.
 *
 * Expiry is enforced on read: an expired document is never returned and is
 * deleted when read (unless it was rewritten meanwhile), and
 * `deleteExpired()` deletes the rest; a Firestore TTL policy on `expiresAt`
 * does the same server-side.
 *
 * `touch` (`expiresAt` alone), `update` and `compareAndSet` read the document
 * and update it in one transaction (a read, then a commit), so they never bring
 * back an expired or deleted document and a concurrent write makes the commit
 * fail (ABORTED): `compareAndSet` then says `'changed'`, the others read again.
 *
 * Every write is a transaction of one attempt: a plain `set()` of the client
 * retries a down server for minutes, a transaction's commit follows the
 * client's call settings (the fail-fast settings, with `timeoutMs`, on the store's
 * own client).
 */
export class FirestoreStore implements SessionStore {
  /** Without a TTL policy on `expiresAt`, expired documents stay until a sweep deletes them. */
  readonly needsSweep = true;
  readonly collection: string;
  private readonly ownsClient: boolean;
  private readonly client: Lazy<FirestoreClientLike>;
  /** Calls still running, maybe abandoned by the module's `storeTimeout`: `close()` waits for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(options: FirestoreStoreOptions = {}) {
    this.collection = options.collection ?? 'sessions';
    const { client, projectId, timeoutMs = DEFAULT_STORE_TIMEOUT_MS } = options;
    this.ownsClient = client === undefined;
    this.client = new Lazy(async () => client ?? createFirestoreClient(projectId, timeoutMs));
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.track(this.load(key));
  }

  set(key: string, value: Uint8Array, ttlMs: number, options?: StoreCallOptions): Promise<void> {
    return this.track(this.save(key, value, ttlMs, options?.user));
  }

  delete(key: string): Promise<void> {
    return this.track(this.remove(key));
  }

  touch(key: string, ttlMs: number): Promise<boolean> {
    return this.track(
      this.retried(key, (ref, transaction) =>
        transaction.update(ref, { expiresAt: new Date(Date.now() + ttlMs) }),
      ),
    );
  }

  update(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    return this.track(this.replace(key, value, ttlMs, options?.user));
  }

  compareAndSet(
    key: string,
    expected: Uint8Array,
    value: Uint8Array,
    ttlMs: number,
    options?: StoreCallOptions,
  ): Promise<CompareAndSetResult> {
    return this.track(this.compareAndReplace(key, asBuffer(expected), value, ttlMs, options?.user));
  }

  findByUser(user: string): Promise<UserSessionEntry[]> {
    return this.track(
      this.client
        .get()
        .then((client) => findUserSessions(client.collection(this.collection), user)),
    );
  }

  deleteExpired(): Promise<number> {
    return this.track(this.sweep());
  }

  async close(): Promise<void> {
    if (!this.ownsClient || !this.client.started) return;
    // The client rejects calls once terminated, even retries of calls it accepted before.
    await Promise.allSettled(this.pending);
    const client = await this.client.reset();
    await client?.terminate();
  }

  private async load(key: string): Promise<Uint8Array | undefined> {
    const client = await this.client.get();
    const ref = this.ref(client, key);
    const snapshot = await ref.get();
    const found = readSessionDocument(snapshot);
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

  private async save(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    user: string | undefined,
  ): Promise<void> {
    // A whole set: a user the document had goes when this write has none.
    const doc = sessionDocument(this.collection, key, value, ttlMs, user);
    const client = await this.client.get();
    const ref = this.ref(client, key);
    await this.write(client, (transaction) => transaction.set(ref, doc));
  }

  private async remove(key: string): Promise<void> {
    const client = await this.client.get();
    const ref = this.ref(client, key);
    await this.write(client, (transaction) => transaction.delete(ref));
  }

  /** Writes the live document with `write`, reading again while concurrent writes win. */
  private async retried(
    key: string,
    write: (
      ref: FirestoreDocumentRefLike,
      transaction: FirestoreTransactionLike,
      live: StoredSession,
    ) => unknown,
  ): Promise<boolean> {
    const client = await this.client.get();
    const ref = this.ref(client, key);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await readThenWrite(client, ref, (live, transaction) => {
          if (!live) return 'missing';
          write(ref, transaction, live);
          return 'stored';
        });
        return result === 'stored';
      } catch (error) {
        if (!lostRace(error) || attempt >= MAX_ATTEMPTS) throw error;
        await backoff(attempt, MAX_PAUSE_MS);
      }
    }
  }

  private async replace(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    user: string | undefined,
  ): Promise<boolean> {
    const doc = sessionDocument(this.collection, key, value, ttlMs, user);
    // `update` adds the server's own exists precondition to the transaction's check.
    return this.retried(key, (ref, transaction, live) => overwrite(transaction, ref, doc, live));
  }

  private async compareAndReplace(
    key: string,
    expected: Buffer,
    value: Uint8Array,
    ttlMs: number,
    user: string | undefined,
  ): Promise<CompareAndSetResult> {
    const doc = sessionDocument(this.collection, key, value, ttlMs, user);
    const client = await this.client.get();
    const ref = this.ref(client, key);
    try {
      return await readThenWrite(client, ref, (live, transaction) => {
        if (!live) return 'missing';
        if (!live.data.equals(expected)) return 'changed';
        overwrite(transaction, ref, doc, live);
        return 'stored';
      });
    } catch (error) {
      // A concurrent write or delete committed first; the caller reads again.
      if (lostRace(error)) return 'changed';
      throw error;
    }
  }

  private async sweep(): Promise<number> {
    const client = await this.client.get();
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
}
