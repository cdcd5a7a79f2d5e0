import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { randomBytes } from 'node:crypto';

/*
 * Message shapes as @grpc/proto-loader decodes them with the options below
 * (camelCase fields, int64 as strings, enums as names, oneof name fields).
 */
interface PathElement {
  kind: string;
  id?: string;
  name?: string;
  idType?: 'id' | 'name';
}
interface Key {
  partitionId?: { projectId?: string; databaseId?: string; namespaceId?: string };
  path: PathElement[];
}
interface Timestamp {
  seconds: string;
  nanos: number;
}
export interface Value {
  valueType?: string;
  nullValue?: string;
  booleanValue?: boolean;
  integerValue?: string;
  doubleValue?: number;
  timestampValue?: Timestamp;
  keyValue?: Key;
  stringValue?: string;
  blobValue?: Buffer;
  geoPointValue?: { latitude: number; longitude: number };
  entityValue?: Entity;
  arrayValue?: { values?: Value[] };
  meaning?: number;
  excludeFromIndexes?: boolean;
}
interface Entity {
  key?: Key;
  properties?: Record<string, Value>;
}
interface ReadOptions {
  consistencyType?: 'readConsistency' | 'transaction' | 'newTransaction' | 'readTime';
  readConsistency?: string;
  transaction?: Buffer;
  newTransaction?: { mode?: 'readWrite' | 'readOnly' };
  readTime?: Timestamp;
}
interface LookupRequest {
  projectId: string;
  databaseId?: string;
  readOptions?: ReadOptions;
  keys?: Key[];
}
interface PropertyFilter {
  property?: { name: string };
  op: string;
  value?: Value;
}
interface Filter {
  filterType?: 'compositeFilter' | 'propertyFilter';
  propertyFilter?: PropertyFilter;
  compositeFilter?: { op: string; filters?: Filter[] };
}
interface Query {
  projection?: { property?: { name: string } }[];
  kind?: { name: string }[];
  filter?: Filter;
  order?: { property?: { name: string }; direction?: string }[];
  distinctOn?: unknown[];
  startCursor?: Buffer;
  endCursor?: Buffer;
  offset?: number;
  limit?: { value: number };
}
interface RunQueryRequest {
  projectId: string;
  databaseId?: string;
  partitionId?: Key['partitionId'];
  readOptions?: ReadOptions;
  queryType?: 'query' | 'gqlQuery';
  query?: Query;
}
interface Mutation {
  operation?: 'insert' | 'update' | 'upsert' | 'delete';
  insert?: Entity;
  update?: Entity;
  upsert?: Entity;
  delete?: Key;
  conflictDetectionStrategy?: 'baseVersion' | 'updateTime';
  baseVersion?: string;
}
interface CommitRequest {
  projectId: string;
  databaseId?: string;
  mode?: string;
  transactionSelector?: 'transaction' | 'singleUseTransaction';
  transaction?: Buffer;
  mutations?: Mutation[];
}

interface Stored {
  key: Key;
  properties: Record<string, Value>;
  version: number;
  createTime: Timestamp;
  updateTime: Timestamp;
}

interface Transaction {
  readOnly: boolean;
  /** Key → entity version when read (0: missing). */
  reads: Map<string, number>;
}

/** One RPC as the double received it. */
export interface DatastoreCall {
  method: string;
  request: unknown;
}

/** Datastore's entity size limit (Firestore in Datastore mode). */
const MAX_ENTITY_BYTES = 1_048_572;
/** Longest string or blob Datastore indexes. */
const MAX_INDEXED_BYTES = 1500;
const MAX_MUTATIONS = 500;
const MAX_LOOKUP_KEYS = 1000;

const PROTO_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new RpcError(grpc.status.INVALID_ARGUMENT, message);
const unimplemented = (what: string) =>
  new RpcError(grpc.status.UNIMPLEMENTED, `${what} is not supported by this Datastore double`);

function timestamp(ms = Date.now()): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** Datastore keeps timestamps to the microsecond. */
function micros(value: Timestamp): bigint {
  return BigInt(value.seconds) * 1_000_000n + BigInt(Math.floor((value.nanos ?? 0) / 1000));
}

const stringSize = (text: string) => Buffer.byteLength(text) + 1;

function keySize(key: Key): number {
  let size = 16;
  for (const element of key.path) {
    size += stringSize(element.kind) + (element.name !== undefined ? stringSize(element.name) : 8);
  }
  const namespace = key.partitionId?.namespaceId;
  return namespace ? size + stringSize(namespace) : size;
}

function valueSize(value: Value): number {
  switch (value.valueType) {
    case 'stringValue':
      return stringSize(value.stringValue ?? '');
    case 'blobValue':
      return (value.blobValue?.length ?? 0) + 1;
    case 'keyValue':
      return keySize(value.keyValue!);
    case 'entityValue':
      return propertiesSize(value.entityValue?.properties ?? {});
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).reduce((sum, v) => sum + valueSize(v), 0);
    case 'booleanValue':
    case 'nullValue':
      return 1;
    case 'geoPointValue':
      return 16;
    default:
      return 8;
  }
}

function propertiesSize(properties: Record<string, Value>): number {
  return Object.entries(properties).reduce(
    (sum, [name, value]) => sum + stringSize(name) + valueSize(value),
    0,
  );
}

/**
 * An in-process Google Cloud Datastore (the `google.datastore.v1.Datastore`
 * gRPC service) holding entities in memory, for the calls a session store
 * makes through `@google-cloud/datastore`: Lookup, RunQuery (one kind,
 * property filters, keys-only projections, limits and cursors), Commit
 * (insert, update, upsert, delete; transactional or not) with read-write
 * transactions begun by BeginTransaction or by a Lookup's `newTransaction`,
 * and Rollback. It enforces Datastore's rules that matter to a store: complete
 * keys, no two mutations of one entity in a commit, at most 500 mutations,
 * indexed strings and blobs at most 1500 bytes, entities at most 1 MiB,
 * unindexed properties invisible to queries, no query that would need a
 * composite index (only the built-in ones exist), and optimistic transactions that
 * abort when an entity they read changed before their commit. Other RPCs
 * answer UNIMPLEMENTED.
 *
 * Point the client at it as at the emulator: `DATASTORE_EMULATOR_HOST` or
 * `apiEndpoint` = {@link FakeDatastore.listen}'s `host`.
 */
export class FakeDatastore {
  readonly calls: DatastoreCall[] = [];
  /** Runs before an RPC is answered, e.g. to interleave another write. */
  beforeCall?: (call: DatastoreCall) => void;
  private readonly entities = new Map<string, Stored>();
  private readonly transactions = new Map<string, Transaction>();
  private version = 0;

  /** The stored entities of `kind` (default namespace), by key name or id. */
  entitiesOf(kind: string): Map<string, Record<string, Value>> {
    const result = new Map<string, Record<string, Value>>();
    for (const stored of this.entities.values()) {
      const last = stored.key.path[stored.key.path.length - 1];
      if (
        stored.key.path.length === 1 &&
        last.kind === kind &&
        !stored.key.partitionId?.namespaceId
      )
        result.set(last.name ?? String(last.id), structuredClone(stored.properties));
    }
    return result;
  }

  /**
   * Writes (or, without properties, deletes) one entity of `kind` in the
   * default namespace at once, as a concurrent client's commit would.
   */
  write(projectId: string, kind: string, name: string, properties?: Record<string, Value>): void {
    const key: Key = { path: [{ kind, name, idType: 'name' }] };
    this.commit({
      projectId,
      mode: 'NON_TRANSACTIONAL',
      mutations: [
        properties
          ? { operation: 'upsert', upsert: { key, properties } }
          : { operation: 'delete', delete: key },
      ],
    });
  }

  /** Serves the service on 127.0.0.1 (plaintext, as the emulator does). */
  async listen(): Promise<{ host: string; close(): Promise<void> }> {
    const { DatastoreService } = loadService();
    const server = new grpc.Server();
    server.addService(DatastoreService, {
      lookup: this.unary('Lookup', (request: LookupRequest) => this.lookup(request)),
      runQuery: this.unary('RunQuery', (request: RunQueryRequest) => this.runQuery(request)),
      beginTransaction: this.unary(
        'BeginTransaction',
        (request: { transactionOptions?: { mode?: 'readWrite' | 'readOnly' } }) => ({
          transaction: this.begin(request.transactionOptions?.mode === 'readOnly'),
        }),
      ),
      commit: this.unary('Commit', (request: CommitRequest) => this.commit(request)),
      rollback: this.unary('Rollback', (request: { transaction?: Buffer }) => {
        this.takeTransaction(request.transaction);
        return {};
      }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    return {
      host: `127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.tryShutdown(() => resolve());
          // Calls still open (a client that never closed) must not keep the test waiting.
          setTimeout(() => server.forceShutdown(), 1000).unref();
        }),
    };
  }

  private unary<Req, Res>(method: string, handle: (request: Req) => Res): grpc.UntypedHandleCall {
    return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      const record = { method, request: structuredClone(call.request) };
      this.calls.push(record);
      try {
        this.beforeCall?.(record);
        const request = call.request as Req & { projectId?: string };
        if (!request.projectId) throw invalid('The project id is required.');
        callback(null, handle(request));
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
        callback({ code: error.code, details: error.message });
      }
    };
  }

  private lookup(request: LookupRequest) {
    const keys = request.keys ?? [];
    if (keys.length === 0) throw invalid('The keys are required.');
    if (keys.length > MAX_LOOKUP_KEYS)
      throw invalid(`Cannot look up more than ${MAX_LOOKUP_KEYS} keys.`);
    const { transaction, created } = this.readTransaction(request.readOptions);
    const found = [];
    const missing = [];
    for (const key of keys) {
      const id = this.keyId(key, request.projectId);
      const stored = this.entities.get(id);
      transaction?.reads.set(id, stored?.version ?? 0);
      if (stored) found.push(this.result(stored, true));
      else missing.push({ entity: { key }, version: String(this.version) });
    }
    return { found, missing, deferred: [], readTime: timestamp(), ...created };
  }

  private runQuery(request: RunQueryRequest) {
    if (request.queryType !== 'query' || !request.query) throw unimplemented('GQL');
    const query = request.query;
    const { transaction, created } = this.readTransaction(request.readOptions);
    if (query.kind?.length !== 1 || !query.kind[0].name)
      throw unimplemented('A kindless or multi-kind query');
    const kind = query.kind[0].name;
    if (query.distinctOn?.length) throw unimplemented('distinct_on');
    const projection = (query.projection ?? []).map((p) => p.property?.name);
    const keysOnly = projection.length === 1 && projection[0] === '__key__';
    if (projection.length && !keysOnly) throw unimplemented('A projection other than __key__');
    const namespace = request.partitionId?.namespaceId ?? '';
    const matches = this.compileFilter(query.filter);
    const inequality = this.inequalityProperty(query.filter);
    const orders = (query.order ?? []).map((order) => ({
      name: order.property?.name ?? '',
      descending: order.direction === 'DESCENDING',
    }));
    if (inequality && orders.length && orders[0].name !== inequality) {
      throw invalid(
        `The first sort property must be the same as the property to which the inequality filter is applied. In your query the first sort property is ${orders[0].name} but the inequality filter is on ${inequality}.`,
      );
    }
    this.checkBuiltInIndex(kind, query.filter, inequality, orders);
    if (inequality && !orders.length) orders.push({ name: inequality, descending: false });

    let results = [...this.entities.values()].filter((stored) => {
      const last = stored.key.path[stored.key.path.length - 1];
      return (
        last.kind === kind &&
        (stored.key.partitionId?.namespaceId ?? '') === namespace &&
        matches(stored)
      );
    });
    results.sort((a, b) => {
      for (const { name, descending } of orders) {
        const order = compareValues(indexedValue(a, name), indexedValue(b, name));
        if (order !== 0) return descending ? -order : order;
      }
      return compareKeys(a.key, b.key);
    });
    for (const stored of results)
      transaction?.reads.set(this.keyId(stored.key, request.projectId), stored.version);

    const start = query.startCursor?.length ? Number(query.startCursor.toString()) : 0;
    const offset = query.offset ?? 0;
    const skipped = Math.max(0, Math.min(offset, results.length - start));
    results = results.slice(start + offset);
    const limit = query.limit?.value;
    const page = limit === undefined ? results : results.slice(0, limit);
    const end = start + offset + page.length;
    const more = limit !== undefined && results.length > limit;
    return {
      batch: {
        skippedResults: skipped,
        entityResultType: keysOnly ? 'KEY_ONLY' : 'FULL',
        entityResults: page.map((stored, i) => ({
          ...this.result(stored, !keysOnly),
          cursor: Buffer.from(String(start + offset + i + 1)),
        })),
        endCursor: Buffer.from(String(end)),
        moreResults: more ? 'MORE_RESULTS_AFTER_LIMIT' : 'NO_MORE_RESULTS',
        snapshotVersion: String(this.version),
        readTime: timestamp(),
      },
      query,
      ...created,
    };
  }

  private commit(request: CommitRequest) {
    const mutations = request.mutations ?? [];
    if (mutations.length > MAX_MUTATIONS)
      throw invalid(`cannot write more than ${MAX_MUTATIONS} entities in a single call`);
    const mode = request.mode ?? 'MODE_UNSPECIFIED';
    if (mode === 'NON_TRANSACTIONAL' && request.transaction?.length) {
      throw invalid('A non-transactional commit may not specify a transaction.');
    }
    if (mode === 'TRANSACTIONAL' && request.transactionSelector === 'transaction') {
      const transaction = this.takeTransaction(request.transaction);
      if (transaction.readOnly && mutations.length)
        throw invalid('Cannot modify entities in a read-only transaction.');
      for (const [id, version] of transaction.reads) {
        if ((this.entities.get(id)?.version ?? 0) !== version) {
          throw new RpcError(
            grpc.status.ABORTED,
            'too much contention on these datastore entities. please try again.',
          );
        }
      }
    } else if (
      mode !== 'NON_TRANSACTIONAL' &&
      request.transactionSelector !== 'singleUseTransaction'
    ) {
      throw invalid('A transactional commit needs a transaction.');
    }

    // Check everything before writing anything: a commit applies all or nothing.
    const seen = new Set<string>();
    const planned = mutations.map((mutation) => {
      const operation = mutation.operation;
      if (!operation) throw invalid('A mutation needs an operation.');
      if (mutation.conflictDetectionStrategy) throw unimplemented('Mutation conflict detection');
      const key = operation === 'delete' ? mutation.delete! : mutation[operation]!.key;
      if (!key) throw invalid('A mutation needs a key.');
      this.checkKey(key);
      const id = this.keyId(key, request.projectId);
      if (seen.has(id))
        throw invalid('A commit cannot have more than one mutation on the same entity.');
      seen.add(id);
      const exists = this.entities.has(id);
      if (operation === 'insert' && exists)
        throw new RpcError(grpc.status.ALREADY_EXISTS, 'entity already exists');
      if (operation === 'update' && !exists)
        throw new RpcError(grpc.status.NOT_FOUND, 'no entity to update');
      const properties =
        operation === 'delete' ? undefined : (mutation[operation]!.properties ?? {});
      if (properties) this.checkEntity(key, properties);
      return { id, key, properties };
    });
    let indexUpdates = 0;
    const now = timestamp();
    const mutationResults = planned.map(({ id, key, properties }) => {
      const version = ++this.version;
      const previous = this.entities.get(id);
      if (properties) {
        this.entities.set(id, {
          key: {
            partitionId: { projectId: request.projectId, ...key.partitionId },
            path: key.path,
          },
          properties: structuredClone(properties),
          version,
          createTime: previous?.createTime ?? now,
          updateTime: now,
        });
        indexUpdates += Object.values(properties).filter((v) => !v.excludeFromIndexes).length;
      } else if (previous) {
        this.entities.delete(id);
      }
      return {
        version: String(version),
        createTime: now,
        updateTime: now,
        conflictDetected: false,
      };
    });
    return { mutationResults, indexUpdates, commitTime: now };
  }

  private begin(readOnly: boolean): Buffer {
    const id = randomBytes(16);
    this.transactions.set(id.toString('hex'), { readOnly, reads: new Map() });
    return id;
  }

  private takeTransaction(id: Buffer | undefined): Transaction {
    const transaction = id?.length ? this.transactions.get(id.toString('hex')) : undefined;
    if (!transaction)
      throw invalid('The referenced transaction has expired or is no longer valid.');
    this.transactions.delete(id!.toString('hex'));
    return transaction;
  }

  private readTransaction(options: ReadOptions | undefined): {
    transaction?: Transaction;
    created: { transaction?: Buffer };
  } {
    if (options?.consistencyType === 'transaction') {
      const transaction = options.transaction?.length
        ? this.transactions.get(options.transaction.toString('hex'))
        : undefined;
      if (!transaction)
        throw invalid('The referenced transaction has expired or is no longer valid.');
      return { transaction, created: {} };
    }
    if (options?.consistencyType === 'newTransaction') {
      const id = this.begin(options.newTransaction?.mode === 'readOnly');
      return {
        transaction: this.transactions.get(id.toString('hex')),
        created: { transaction: id },
      };
    }
    if (options?.consistencyType === 'readTime') throw unimplemented('read_time');
    return { created: {} };
  }

  private checkKey(key: Key): void {
    if (!key.path?.length) throw invalid('A key must have a path.');
    for (const element of key.path) {
      if (!element.kind) throw invalid('A key path element must have a kind.');
      if (/^__.*__$/.test(element.kind)) throw invalid(`The kind "${element.kind}" is reserved.`);
      if (element.idType === undefined) throw invalid('A key path element must not be incomplete.');
      if (element.name !== undefined && (element.name === '' || /^__.*__$/.test(element.name)))
        throw invalid(`The key name "${element.name}" is reserved or empty.`);
      if (
        element.kind.length > MAX_INDEXED_BYTES ||
        (element.name?.length ?? 0) > MAX_INDEXED_BYTES
      )
        throw invalid('A key path element is longer than 1500 bytes.');
    }
  }

  private checkEntity(key: Key, properties: Record<string, Value>): void {
    for (const [name, value] of Object.entries(properties)) {
      if (/^__.*__$/.test(name)) throw invalid(`The property name "${name}" is reserved.`);
      const long =
        (value.valueType === 'stringValue' &&
          Buffer.byteLength(value.stringValue ?? '') > MAX_INDEXED_BYTES) ||
        (value.valueType === 'blobValue' && (value.blobValue?.length ?? 0) > MAX_INDEXED_BYTES);
      if (long && !value.excludeFromIndexes)
        throw invalid(`The value of property "${name}" is longer than ${MAX_INDEXED_BYTES} bytes.`);
    }
    const size = keySize(key) + propertiesSize(properties) + 32;
    if (size > MAX_ENTITY_BYTES)
      throw invalid(`entity is too big: ${size} bytes, the limit is ${MAX_ENTITY_BYTES} bytes`);
  }

  private keyId(key: Key, projectId: string): string {
    this.checkKey(key);
    const project = key.partitionId?.projectId || projectId;
    if (project !== projectId) throw invalid(`mismatched project ids: ${project} and ${projectId}`);
    return JSON.stringify([
      key.partitionId?.namespaceId ?? '',
      key.path.map((e) => [e.kind, e.idType === 'id' ? Number(e.id) : e.name]),
    ]);
  }

  private result(stored: Stored, full: boolean) {
    return {
      entity: {
        key: stored.key,
        ...(full ? { properties: structuredClone(stored.properties) } : {}),
      },
      version: String(stored.version),
      createTime: stored.createTime,
      updateTime: stored.updateTime,
    };
  }

  private compileFilter(filter: Filter | undefined): (stored: Stored) => boolean {
    if (!filter?.filterType) return () => true;
    if (filter.filterType === 'compositeFilter') {
      const parts = (filter.compositeFilter?.filters ?? []).map((f) => this.compileFilter(f));
      if (filter.compositeFilter?.op === 'AND') return (s) => parts.every((p) => p(s));
      if (filter.compositeFilter?.op === 'OR') return (s) => parts.some((p) => p(s));
      throw invalid('A composite filter needs an operator.');
    }
    const { property, op, value } = filter.propertyFilter ?? { op: '' };
    const name = property?.name;
    if (!name || !value) throw invalid('A property filter needs a property and a value.');
    if (name === '__key__') throw unimplemented('A filter on __key__');
    const test: Record<string, (order: number) => boolean> = {
      LESS_THAN: (o) => o < 0,
      LESS_THAN_OR_EQUAL: (o) => o <= 0,
      GREATER_THAN: (o) => o > 0,
      GREATER_THAN_OR_EQUAL: (o) => o >= 0,
      EQUAL: (o) => o === 0,
      NOT_EQUAL: (o) => o !== 0,
    };
    const check = test[op];
    if (!check) throw unimplemented(`The ${op} operator`);
    return (stored) => {
      // Only indexed values are seen by queries, and only of the filter value's type.
      const own = indexedValue(stored, name);
      return (
        own !== undefined && own.valueType === value.valueType && check(compareValues(own, value))
      );
    };
  }

  /**
   * Without composite indexes (none are defined here), Datastore serves only
   * what its built-in single-property indexes can: equality filters on any
   * properties (merged), or filters and one sort on a single property. An
   * inequality or a sort on one property beside a filter on another needs a
   * composite index: FAILED_PRECONDITION, as on the service.
   */
  private checkBuiltInIndex(
    kind: string,
    filter: Filter | undefined,
    inequality: string | undefined,
    orders: { name: string }[],
  ): void {
    const filtered = new Set(filterProperties(filter));
    const ranged = inequality ?? (orders.length === 1 ? orders[0].name : undefined);
    const mixed = ranged !== undefined && [...filtered].some((name) => name !== ranged);
    if (!mixed && orders.length <= 1) return;
    const names = [...filtered].filter((name) => name !== ranged);
    for (const order of orders) if (!names.includes(order.name)) names.push(order.name);
    if (ranged !== undefined && !names.includes(ranged)) names.push(ranged);
    throw new RpcError(
      grpc.status.FAILED_PRECONDITION,
      `no matching index found. recommended index is:\n- kind: ${kind}\n  properties:\n${names.map((name) => `  - name: ${name}\n`).join('')}`,
    );
  }

  private inequalityProperty(filter: Filter | undefined): string | undefined {
    if (filter?.filterType === 'propertyFilter') {
      const { op, property } = filter.propertyFilter!;
      return [
        'LESS_THAN',
        'LESS_THAN_OR_EQUAL',
        'GREATER_THAN',
        'GREATER_THAN_OR_EQUAL',
        'NOT_EQUAL',
      ].includes(op)
        ? property?.name
        : undefined;
    }
    for (const part of filter?.compositeFilter?.filters ?? []) {
      const found = this.inequalityProperty(part);
      if (found) return found;
    }
    return undefined;
  }
}

/** The properties a filter tests. */
function filterProperties(filter: Filter | undefined): string[] {
  if (filter?.filterType === 'propertyFilter') {
    const name = filter.propertyFilter?.property?.name;
    return name ? [name] : [];
  }
  return (filter?.compositeFilter?.filters ?? []).flatMap(filterProperties);
}

function indexedValue(stored: Stored, name: string): Value | undefined {
  const value = stored.properties[name];
  return value && !value.excludeFromIndexes ? value : undefined;
}

/** Datastore's value order within one type (values of different types order by type). */
function compareValues(a: Value | undefined, b: Value | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  if (a.valueType !== b.valueType) return String(a.valueType).localeCompare(String(b.valueType));
  const cmp = <T>(x: T, y: T) => (x < y ? -1 : x > y ? 1 : 0);
  switch (a.valueType) {
    case 'integerValue':
      return cmp(BigInt(a.integerValue!), BigInt(b.integerValue!));
    case 'doubleValue':
      return cmp(a.doubleValue!, b.doubleValue!);
    case 'timestampValue':
      return cmp(micros(a.timestampValue!), micros(b.timestampValue!));
    case 'booleanValue':
      return cmp(Number(a.booleanValue), Number(b.booleanValue));
    case 'stringValue':
      return Buffer.compare(Buffer.from(a.stringValue!), Buffer.from(b.stringValue!));
    case 'blobValue':
      return Buffer.compare(a.blobValue!, b.blobValue!);
    case 'keyValue':
      return compareKeys(a.keyValue!, b.keyValue!);
    case 'nullValue':
      return 0;
    default:
      throw unimplemented(`Comparing ${a.valueType}`);
  }
}

/** Keys order by path: kind, then ids (numeric) before names. */
function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.path.length, b.path.length); i++) {
    const [x, y] = [a.path[i], b.path[i]];
    if (x.kind !== y.kind) return Buffer.compare(Buffer.from(x.kind), Buffer.from(y.kind));
    if (x.idType !== y.idType) return x.idType === 'id' ? -1 : 1;
    if (x.idType === 'id') {
      const d = BigInt(x.id!) - BigInt(y.id!);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else {
      const d = Buffer.compare(Buffer.from(x.name!), Buffer.from(y.name!));
      if (d !== 0) return d;
    }
  }
  return a.path.length - b.path.length;
}

let service: { DatastoreService: grpc.ServiceDefinition } | undefined;

/** The service definition, from the protos that ship with @google-cloud/datastore. */
function loadService(): { DatastoreService: grpc.ServiceDefinition } {
  if (!service) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const json = require('@google-cloud/datastore/build/protos/protos.json') as object;
    const definition = fromJSON(json as Parameters<typeof fromJSON>[0], PROTO_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      google: { datastore: { v1: { Datastore: { service: grpc.ServiceDefinition } } } };
    };
    service = { DatastoreService: loaded.google.datastore.v1.Datastore.service };
  }
  return service;
}
