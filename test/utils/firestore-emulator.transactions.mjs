// Transactions for the npm Firestore emulator (@firestore-emulator/server 0.3.x), which has
// none of its own: it hands every transaction the same dummy id, commits a transaction's
// writes even when a document it read was written since (10 concurrent read-check-write
// transactions all "win"), and ignores `update_time` preconditions. The stores rely on both,
// as they may on Google's Firestore, so this service adds them to the emulator's:
// - each transaction (BeginTransaction, or a BatchGetDocuments with `new_transaction`) gets
//   an id of its own, and the version of every document its BatchGetDocuments read is kept;
// - its Commit answers ABORTED, writing nothing, when one of those documents was written
//   (or deleted) since, as Firestore does when a concurrent transaction won; a Commit or read
//   naming an unknown or finished transaction answers INVALID_ARGUMENT;
// - a write with an `update_time` precondition answers FAILED_PRECONDITION, writing nothing,
//   unless the document exists with that update time (the emulator keeps milliseconds, so two
//   writes within one millisecond look alike to this check; the transaction check does not).
// - a write that would make a document larger than Firestore's 1 MiB (1,048,576 bytes, sized
//   as Firestore documents: name, field names and values, plus 32) answers INVALID_ARGUMENT,
//   writing nothing, as Firestore does; the emulator itself takes any size.
// Reads by queries inside a transaction are not tracked (no store does them).
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const emulatorRequire = createRequire(require.resolve('@firestore-emulator/server'));
const { status } = emulatorRequire('@grpc/grpc-js');
const { BatchGetDocumentsResponse, BeginTransactionResponse } = emulatorRequire(
  '@firestore-emulator/proto/dist/google/firestore/v1/firestore',
);
const { TimestampFromNow } = require('@firestore-emulator/server/dist/FirestoreState');
const {
  FirestoreServiceV1Impl,
} = require('@firestore-emulator/server/dist/server/FirestoreServiceV1Impl');

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.details = message;
  }
}

/** Firestore's largest document: https://cloud.google.com/firestore/docs/storage-size */
const MAX_DOCUMENT_BYTES = 1_048_576;
const stringSize = (text) => Buffer.byteLength(text) + 1;
/** A document name: each collection and document id of its path, plus 16. */
const nameSize = (name) =>
  name
    .slice(name.indexOf('/documents/') + '/documents/'.length)
    .split('/')
    .reduce((sum, segment) => sum + stringSize(segment), 16);
/** A `Map` of field name to `Value` message, sized as Firestore counts it. */
const fieldsSize = (fields) =>
  [...(fields ?? new Map())].reduce(
    (sum, [name, value]) => sum + stringSize(name) + valueSize(value),
    0,
  );

/** A `Value` message, sized as Firestore counts it. */
function valueSize(value) {
  if (value.has_string_value) return stringSize(value.string_value);
  if (value.has_bytes_value) return value.bytes_value.length;
  if (value.has_integer_value || value.has_double_value || value.has_timestamp_value) return 8;
  if (value.has_boolean_value) return 1;
  if (value.has_geo_point_value) return 16;
  if (value.has_reference_value) return nameSize(value.reference_value);
  if (value.has_array_value)
    return value.array_value.values.reduce((sum, item) => sum + valueSize(item), 0);
  if (value.has_map_value) return fieldsSize(value.map_value.fields);
  return 1; // null
}

/** The document a write changes (its full resource name). */
const writtenPath = (write) => (write.has_delete ? write.delete : write.update.name);

export class TransactionalFirestoreService extends FirestoreServiceV1Impl {
  #state;
  /** Document name → how many commits wrote it (0: never). */
  #versions = new Map();
  /** Transaction id (hex) → { readOnly, reads: Map<document name, version when read> }. */
  #transactions = new Map();

  constructor(state) {
    super(state);
    this.#state = state;
  }

  BeginTransaction(call, callback) {
    const id = this.#begin(call.request.has_options && call.request.options.has_read_only);
    callback(null, BeginTransactionResponse.fromObject({ transaction: id }));
  }

  BatchGetDocuments(call) {
    const { request } = call;
    let transaction;
    try {
      if (request.has_new_transaction) {
        const id = this.#begin(request.new_transaction.has_read_only);
        transaction = this.#transactions.get(id.toString('hex'));
        call.write(BatchGetDocumentsResponse.fromObject({ transaction: id }));
      } else if (request.has_transaction) {
        transaction = this.#find(request.transaction);
      }
    } catch (error) {
      call.emit('error', error);
      return;
    }
    const readTime = TimestampFromNow();
    for (const path of request.documents) {
      const document = this.#state.getDocument(path);
      transaction?.reads.set(path, this.#versions.get(path) ?? 0);
      const exists = document.metadata.hasExist;
      call.write(
        BatchGetDocumentsResponse.fromObject({
          found: exists ? document.toV1DocumentObject() : undefined,
          missing: exists ? undefined : path,
          read_time: readTime,
        }),
      );
    }
    call.end();
  }

  Commit(call, callback) {
    const { request } = call;
    try {
      if (request.transaction.length > 0) {
        const transaction = this.#find(request.transaction);
        this.#transactions.delete(Buffer.from(request.transaction).toString('hex'));
        if (transaction.readOnly && request.writes.length > 0) {
          throw new RpcError(status.INVALID_ARGUMENT, 'Cannot write in a read-only transaction.');
        }
        for (const [path, version] of transaction.reads) {
          if ((this.#versions.get(path) ?? 0) !== version) {
            throw new RpcError(
              status.ABORTED,
              'Transaction lock timeout / contention: a document read by this transaction changed.',
            );
          }
        }
      }
      for (const write of request.writes) {
        this.#checkUpdateTime(write);
        this.#checkSize(write);
      }
    } catch (error) {
      callback(error, null);
      return;
    }
    // The emulator commits synchronously: nothing runs between the checks above and the writes.
    super.Commit(call, callback);
    for (const write of request.writes) {
      const path = writtenPath(write);
      this.#versions.set(path, (this.#versions.get(path) ?? 0) + 1);
    }
  }

  Rollback(call, callback) {
    this.#transactions.delete(Buffer.from(call.request.transaction).toString('hex'));
    super.Rollback(call, callback);
  }

  #begin(readOnly) {
    const id = randomBytes(16);
    this.#transactions.set(id.toString('hex'), { readOnly: Boolean(readOnly), reads: new Map() });
    return id;
  }

  #find(id) {
    const transaction = this.#transactions.get(Buffer.from(id).toString('hex'));
    if (!transaction) {
      throw new RpcError(status.INVALID_ARGUMENT, 'The transaction is invalid or has expired.');
    }
    return transaction;
  }

  /** The document as `write` would leave it must fit in Firestore's limit. */
  #checkSize(write) {
    if (write.has_delete || !write.has_update) return;
    const { name } = write.update;
    let fields = write.update.fields;
    if (write.has_update_mask) {
      // Only the masked fields change; the others stay as stored.
      const current = this.#state.getDocument(name);
      fields = new Map(current.metadata.hasExist ? current.toV1Document().fields : []);
      for (const path of write.update_mask.field_paths) {
        if (write.update.fields.has(path)) fields.set(path, write.update.fields.get(path));
        else fields.delete(path);
      }
    }
    const size = nameSize(name) + fieldsSize(fields) + 32;
    if (size > MAX_DOCUMENT_BYTES) {
      throw new RpcError(
        status.INVALID_ARGUMENT,
        `Document '${name}' cannot be written because its size (${size.toLocaleString('en-US')} bytes) exceeds the maximum allowed size of 1,048,576 bytes.`,
      );
    }
  }

  #checkUpdateTime(write) {
    if (!write.has_current_document || !write.current_document.has_update_time) return;
    const { seconds, nanos } = write.current_document.update_time;
    const expected = Number(seconds) * 1000 + Math.floor(nanos / 1e6);
    const { metadata } = this.#state.getDocument(writtenPath(write));
    if (!metadata.hasExist || metadata.updatedAt.getTime() !== expected) {
      throw new RpcError(
        status.FAILED_PRECONDITION,
        `the stored version does not match the required base version (${writtenPath(write)})`,
      );
    }
  }
}
