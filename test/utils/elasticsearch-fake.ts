import Mock from '@elastic/elasticsearch-mock';
import { Client, errors } from '@elastic/elasticsearch';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { compilePainless, PainlessCompileError, runPainless } from './painless-subset';

/** One request as Elasticsearch receives it. */
export interface EsRequest {
  method: string;
  /** The path as sent (ids percent-encoded). */
  path: string;
  querystring: Record<string, string>;
  body: unknown;
}

interface EsResponse {
  statusCode: number;
  body: unknown;
}

type FieldType = 'binary' | 'date' | 'long' | 'keyword' | 'text' | 'float' | 'boolean';

interface FieldMapping {
  type: FieldType;
  format?: string;
}

interface Doc {
  source: Record<string, unknown>;
  seqNo: number;
  version: number;
}

interface FakeIndex {
  dynamic: true | false | 'strict';
  properties: Map<string, FieldMapping>;
  docs: Map<string, Doc>;
  /** What searches see: the documents as of the last refresh. */
  searchable: Map<string, Doc>;
  /** Writes since the last refresh, in order (`doc` undefined: a delete); a refresh applies them. */
  unrefreshed: { at: number; id: string; doc?: Doc }[];
  lastRefresh: number;
  nextSeqNo: number;
}

const PRIMARY_TERM = 1;
/** `index.max_result_window`'s default: the most hits `from + size` may reach. */
const MAX_RESULT_WINDOW = 10_000;
const FIELD_TYPES = new Set(['binary', 'date', 'long', 'keyword', 'text', 'float', 'boolean']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

class EsError {
  constructor(
    readonly statusCode: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {}

  toResponse(): EsResponse {
    const cause = { type: this.type, reason: this.reason, ...this.extra };
    return {
      statusCode: this.statusCode,
      body: { error: { root_cause: [cause], ...cause }, status: this.statusCode },
    };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An in-memory Elasticsearch (8.x REST API) holding whole indices, for the
 * requests a session store makes: index exists/create with explicit mappings,
 * put-mapping, document get/index/update/delete by id with sequence numbers and
 * `if_seq_no` / `if_primary_term`, scripted updates, mget, and search and
 * delete-by-query with `term` and `range` queries. It answers with Elasticsearch's status codes and bodies
 * (`index_not_found_exception`, `version_conflict_engine_exception`,
 * `strict_dynamic_mapping_exception`, …), and, like Elasticsearch, GET by id is
 * real-time while searches only see what the last refresh (every
 * `refreshIntervalMs` since the index was created or last refreshed, `?refresh`
 * on a write, or `_refresh`) made visible: a document written after the last
 * periodic refresh stays invisible to searches until the next one. Shards going
 * search-idle is not modelled.
 *
 * Reach it through the official client either in process
 * (`@elastic/elasticsearch-mock`, {@link client}) or over HTTP ({@link listen}).
 * Every request is recorded in {@link requests}.
 */
export class FakeElasticsearch {
  readonly requests: EsRequest[] = [];
  /** Runs before a request is answered, e.g. to interleave another write. */
  beforeRequest?: (request: EsRequest) => void;
  /** Requests the credentials may not make: answered 403 `security_exception`, as Elasticsearch does. */
  forbid?: (request: EsRequest) => boolean;
  /**
   * Writes that land inside the next scripted updates of a document, one per
   * attempt, between its read and its write: each returns the document's new
   * `_source` (from the current one), or `undefined` to delete it. The attempt
   * then loses, as on a server: retried up to `retry_on_conflict` times, then 409.
   */
  readonly racingWrites = new Map<
    string,
    ((source: Record<string, unknown>) => Record<string, unknown> | undefined)[]
  >();
  private readonly indices = new Map<string, FakeIndex>();

  constructor(readonly refreshIntervalMs = 1000) {}

  /** The documents of an index, as stored (`_source`). */
  documents(index: string): Map<string, Record<string, unknown>> {
    const docs = this.indices.get(index)?.docs ?? new Map<string, Doc>();
    return new Map([...docs].map(([id, doc]) => [id, structuredClone(doc.source)]));
  }

  /** The mapping of an index, as `GET /<index>/_mapping` would show its properties. */
  mapping(index: string): Record<string, unknown> | undefined {
    const found = this.indices.get(index);
    if (!found) return undefined;
    return {
      dynamic: found.dynamic,
      properties: Object.fromEntries(found.properties),
    };
  }

  /** Removes an index, as `DELETE /<index>` does. */
  deleteIndex(index: string): void {
    this.indices.delete(index);
  }

  /** Answers one request. */
  handle(request: EsRequest): EsResponse {
    this.requests.push(structuredClone(request));
    this.beforeRequest?.(request);
    if (this.forbid?.(request)) {
      return new EsError(
        403,
        'security_exception',
        `action [${request.method} ${request.path}] is unauthorized for API key id [test]`,
      ).toResponse();
    }
    try {
      return this.route(request);
    } catch (error) {
      if (error instanceof EsError) return error.toResponse();
      throw error;
    }
  }

  /** An official client whose requests this double answers in process. */
  client(): Client {
    const mock = new Mock();
    mock.add({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], path: '/*' }, (params) => {
      // One request: its method and path are strings (arrays only appear in patterns).
      const method = String(params.method);
      const path = String(params.path);
      const { statusCode, body } = this.handle({
        method,
        path,
        querystring: params.querystring as Record<string, string>,
        body: params.body ?? undefined,
      });
      if (statusCode < 300) return (body ?? '') as Record<string, unknown> | string;
      return new errors.ResponseError({
        body: body ?? '',
        statusCode,
        headers: {},
        warnings: null,
        meta: {
          context: null,
          name: 'fake',
          request: { params: { method, path }, options: {}, id: 0 },
          connection: null,
          attempts: 0,
          aborted: false,
        },
      });
    });
    return new Client({ node: 'http://localhost:9200', Connection: mock.getConnection() });
  }

  /** Serves this double over HTTP on 127.0.0.1; `openConnections()` counts client sockets. */
  async listen(): Promise<{ url: string; openConnections(): number; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const text = Buffer.concat(chunks).toString();
        let response: EsResponse;
        try {
          response = this.handle({
            method: req.method ?? 'GET',
            path: url.pathname,
            querystring: Object.fromEntries(url.searchParams),
            body: text === '' ? undefined : JSON.parse(text),
          });
        } catch (error) {
          response = new EsError(400, 'parse_exception', String(error)).toResponse();
        }
        const payload = req.method === 'HEAD' ? '' : JSON.stringify(response.body ?? {});
        res.writeHead(response.statusCode, {
          'content-type': 'application/json',
          'x-elastic-product': 'Elasticsearch',
          'content-length': Buffer.byteLength(payload),
        });
        res.end(payload);
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      openConnections: () => sockets.size,
      close: () =>
        new Promise<void>((resolve, reject) => {
          for (const socket of sockets) socket.destroy();
          server.close((error) => (error ? reject(error) : resolve()));
        }),
    };
  }

  private route(request: EsRequest): EsResponse {
    const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    const { method } = request;
    const [name, endpoint, id] = segments;
    if (segments.length === 1 && method === 'HEAD') {
      return { statusCode: this.indices.has(name) ? 200 : 404, body: undefined };
    }
    if (segments.length === 1 && method === 'PUT') return this.createIndex(name, request.body);
    if (segments.length === 1 && method === 'DELETE') {
      this.requireIndex(name);
      this.indices.delete(name);
      return { statusCode: 200, body: { acknowledged: true } };
    }
    if (segments.length === 3 && endpoint === '_doc') {
      if (method === 'GET') return this.getDoc(name, id);
      if (method === 'PUT' || method === 'POST') return this.indexDoc(name, id, request);
      if (method === 'DELETE') return this.deleteDoc(name, id, request.querystring);
    }
    if (segments.length === 3 && endpoint === '_update' && method === 'POST') {
      return this.updateDoc(name, id, request);
    }
    if (segments.length === 2 && endpoint === '_delete_by_query' && method === 'POST') {
      return this.deleteByQuery(name, request);
    }
    if (segments.length === 2 && endpoint === '_search' && ['GET', 'POST'].includes(method)) {
      return this.search(name, request);
    }
    if (segments.length === 2 && endpoint === '_mget' && ['GET', 'POST'].includes(method)) {
      return this.mget(name, request.body);
    }
    if (segments.length === 2 && endpoint === '_mapping' && ['PUT', 'POST'].includes(method)) {
      return this.putMapping(name, request.body);
    }
    if (segments.length === 2 && endpoint === '_refresh' && ['GET', 'POST'].includes(method)) {
      this.refresh(this.requireIndex(name));
      return { statusCode: 200, body: { _shards: { total: 1, successful: 1, failed: 0 } } };
    }
    return {
      statusCode: 400,
      body: { error: `no handler found for uri [${request.path}] and method [${method}]` },
    };
  }

  private requireIndex(name: string): FakeIndex {
    const index = this.indices.get(name);
    if (!index) {
      throw new EsError(404, 'index_not_found_exception', `no such index [${name}]`, {
        'resource.type': 'index_or_alias',
        'resource.id': name,
        index: name,
      });
    }
    return index;
  }

  private createIndex(name: string, body: unknown): EsResponse {
    if (name !== name.toLowerCase() || /^[-_+]/.test(name) || /[\\/*?"<>| ,#:]/.test(name)) {
      throw new EsError(400, 'invalid_index_name_exception', `Invalid index name [${name}]`);
    }
    if (this.indices.has(name)) {
      throw new EsError(
        400,
        'resource_already_exists_exception',
        `index [${name}/fakeuuid] already exists`,
      );
    }
    const mappings = isObject(body) && isObject(body.mappings) ? body.mappings : {};
    const index = this.emptyIndex(mappings.dynamic);
    for (const [field, mapping] of fieldMappings(mappings.properties)) {
      index.properties.set(field, mapping);
    }
    this.indices.set(name, index);
    return {
      statusCode: 200,
      body: { acknowledged: true, shards_acknowledged: true, index: name },
    };
  }

  /** `PUT /<index>/_mapping`: adds fields; an existing field keeps its type (400 otherwise). */
  private putMapping(name: string, body: unknown): EsResponse {
    const index = this.requireIndex(name);
    const mappings = isObject(body) ? body : {};
    const fields = fieldMappings(mappings.properties);
    for (const [field, mapping] of fields) {
      const current = index.properties.get(field);
      if (current && current.type !== mapping.type) {
        throw new EsError(
          400,
          'illegal_argument_exception',
          `mapper [${field}] cannot be changed from type [${current.type}] to [${mapping.type}]`,
        );
      }
    }
    if (mappings.dynamic !== undefined) index.dynamic = this.emptyIndex(mappings.dynamic).dynamic;
    for (const [field, mapping] of fields) index.properties.set(field, mapping);
    return { statusCode: 200, body: { acknowledged: true } };
  }

  /** `_search`: the documents as of the last refresh (near-real-time), `from`/`size` paged. */
  private search(name: string, request: EsRequest): EsResponse {
    const index = this.requireIndex(name);
    const body = isObject(request.body) ? request.body : {};
    const query = isObject(body.query) ? body.query : { match_all: {} };
    const matches = this.compileQuery(index, query);
    const size = Number(body.size ?? request.querystring.size ?? 10);
    const from = Number(body.from ?? request.querystring.from ?? 0);
    if (from + size > MAX_RESULT_WINDOW) {
      throw new EsError(
        400,
        'illegal_argument_exception',
        `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${from + size}].`,
      );
    }
    this.maybeRefresh(index);
    const found = [...index.searchable].filter(([, doc]) => matches(doc.source));
    const withSource = body._source !== false && request.querystring._source !== 'false';
    const exact = body.track_total_hits === true || found.length <= MAX_RESULT_WINDOW;
    return {
      statusCode: 200,
      body: {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: exact
            ? { value: found.length, relation: 'eq' }
            : { value: MAX_RESULT_WINDOW, relation: 'gte' },
          max_score: found.length ? 0 : null,
          hits: found.slice(from, from + size).map(([id, doc]) => ({
            _index: name,
            _id: id,
            _score: 0,
            ...(withSource ? { _source: structuredClone(doc.source) } : {}),
          })),
        },
      },
    };
  }

  /** `_mget` by `ids`: real-time, as GET is. */
  private mget(name: string, body: unknown): EsResponse {
    const ids =
      isObject(body) && Array.isArray(body.ids)
        ? body.ids.map(String)
        : isObject(body) && Array.isArray(body.docs)
          ? body.docs.map((doc) => String(isObject(doc) ? doc._id : doc))
          : [];
    if (ids.length === 0) {
      throw new EsError(
        400,
        'action_request_validation_exception',
        'Validation Failed: 1: no documents to get;',
      );
    }
    const index = this.indices.get(name);
    const docs = ids.map((id) => {
      if (!index) {
        const error = new EsError(404, 'index_not_found_exception', `no such index [${name}]`);
        return { _index: name, _id: id, error: error.toResponse().body };
      }
      const response = this.getDoc(name, id);
      return response.body;
    });
    return { statusCode: 200, body: { docs } };
  }

  private emptyIndex(dynamic: unknown): FakeIndex {
    if (
      dynamic !== undefined &&
      !['strict', true, false, 'true', 'false'].includes(dynamic as string)
    )
      throw new EsError(
        400,
        'mapper_parsing_exception',
        `Unknown value for dynamic [${String(dynamic)}]`,
      );
    return {
      dynamic:
        dynamic === 'strict' ? 'strict' : dynamic === false || dynamic === 'false' ? false : true,
      properties: new Map(),
      docs: new Map(),
      searchable: new Map(),
      unrefreshed: [],
      lastRefresh: Date.now(),
      nextSeqNo: 0,
    };
  }

  private getDoc(name: string, id: string): EsResponse {
    const index = this.requireIndex(name);
    const doc = index.docs.get(id);
    if (!doc) return { statusCode: 404, body: { _index: name, _id: id, found: false } };
    return {
      statusCode: 200,
      body: {
        _index: name,
        _id: id,
        _version: doc.version,
        _seq_no: doc.seqNo,
        _primary_term: PRIMARY_TERM,
        found: true,
        _source: structuredClone(doc.source),
      },
    };
  }

  private indexDoc(name: string, id: string, request: EsRequest): EsResponse {
    checkRefreshParam(request.querystring);
    if (!isObject(request.body)) {
      throw new EsError(400, 'parse_exception', 'request body is required');
    }
    // Like action.auto_create_index: a missing index is created with dynamic mappings.
    if (!this.indices.has(name)) this.indices.set(name, this.emptyIndex(undefined));
    const index = this.requireIndex(name);
    const current = index.docs.get(id);
    checkSeqNo(name, id, current, request.querystring);
    if (request.querystring.op_type === 'create' && current) {
      throw new EsError(
        409,
        'version_conflict_engine_exception',
        `[${id}]: version conflict, document already exists (current version [${current.version}])`,
      );
    }
    const source = this.validate(index, request.body);
    const doc = this.write(index, id, source, current);
    this.afterWrite(index, request.querystring);
    return {
      statusCode: current ? 200 : 201,
      body: this.writeResult(name, id, doc, current ? 'updated' : 'created'),
    };
  }

  private updateDoc(name: string, id: string, request: EsRequest): EsResponse {
    checkRefreshParam(request.querystring);
    const index = this.requireIndex(name);
    const body = request.body;
    if (!isObject(body) || (body.doc === undefined && body.script === undefined)) {
      throw new EsError(400, 'action_request_validation_exception', 'script or doc is missing');
    }
    const script = body.script === undefined ? undefined : scriptOf(body.script);
    checkSeqNo(name, id, index.docs.get(id), request.querystring);
    const retries = Number(request.querystring.retry_on_conflict ?? 0);
    // Elasticsearch reads, runs the script, then writes if the document is still the one read.
    for (let attempt = 0; ; attempt++) {
      const current = index.docs.get(id);
      if (!current) {
        throw new EsError(404, 'document_missing_exception', `[${id}]: document missing`, {
          index: name,
          shard: '0',
        });
      }
      let source = structuredClone(current.source);
      if (isObject(body.doc)) Object.assign(source, body.doc);
      let op = 'index';
      if (script) ({ source, op } = script.run(source));
      const race = this.racingWrites.get(id)?.shift();
      if (race) {
        const raced = race(structuredClone(current.source));
        if (raced) this.write(index, id, raced, current);
        else this.remove(index, id);
        if (attempt < retries) continue;
        throw new EsError(
          409,
          'version_conflict_engine_exception',
          `[${id}]: version conflict, required seqNo [${current.seqNo}], primary term [${PRIMARY_TERM}]`,
          { index: name },
        );
      }
      if (op === 'noop') {
        return { statusCode: 200, body: this.writeResult(name, id, current, 'noop') };
      }
      if (op !== 'index') {
        throw new EsError(400, 'illegal_argument_exception', `Operation type [${op}] not allowed`);
      }
      const doc = this.write(index, id, this.validate(index, source), current);
      this.afterWrite(index, request.querystring);
      return { statusCode: 200, body: this.writeResult(name, id, doc, 'updated') };
    }
  }

  private deleteDoc(name: string, id: string, querystring: Record<string, string>): EsResponse {
    checkRefreshParam(querystring);
    const index = this.requireIndex(name);
    const current = index.docs.get(id);
    checkSeqNo(name, id, current, querystring);
    if (!current) {
      return {
        statusCode: 404,
        body: this.writeResult(name, id, { seqNo: index.nextSeqNo++, version: 1 }, 'not_found'),
      };
    }
    this.remove(index, id);
    const seqNo = index.nextSeqNo++;
    this.afterWrite(index, querystring);
    return {
      statusCode: 200,
      body: this.writeResult(
        name,
        id,
        { ...current, seqNo, version: current.version + 1 },
        'deleted',
      ),
    };
  }

  private deleteByQuery(name: string, request: EsRequest): EsResponse {
    const index = this.requireIndex(name);
    const body = request.body;
    if (!isObject(body) || !isObject(body.query)) {
      throw new EsError(400, 'action_request_validation_exception', 'query is missing');
    }
    const matches = this.compileQuery(index, body.query);
    const proceed = request.querystring.conflicts === 'proceed';
    this.maybeRefresh(index);
    let deleted = 0;
    let conflicts = 0;
    const failures: unknown[] = [];
    for (const [id, snapshot] of index.searchable) {
      if (!matches(snapshot.source)) continue;
      const current = index.docs.get(id);
      if (!current || current.seqNo !== snapshot.seqNo) {
        conflicts++;
        if (!proceed) {
          failures.push({
            index: name,
            id,
            cause: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict`,
            },
            status: 409,
          });
          break;
        }
        continue;
      }
      this.remove(index, id);
      index.nextSeqNo++;
      deleted++;
    }
    if (request.querystring.refresh === 'true' || request.querystring.refresh === '')
      this.refresh(index);
    return {
      statusCode: failures.length ? 409 : 200,
      body: {
        took: 1,
        timed_out: false,
        total: deleted + conflicts,
        deleted,
        batches: 1,
        version_conflicts: conflicts,
        noops: 0,
        retries: { bulk: 0, search: 0 },
        throttled_millis: 0,
        requests_per_second: -1,
        throttled_until_millis: 0,
        failures,
      },
    };
  }

  /**
   * Supports `match_all`, `range` (gt/gte/lt/lte) on date and numeric fields,
   * and `term` (exact, not analysed) on keyword, numeric and date fields.
   */
  private compileQuery(
    index: FakeIndex,
    query: Record<string, unknown>,
  ): (source: Record<string, unknown>) => boolean {
    const [kind, ...rest] = Object.keys(query);
    if (rest.length)
      throw new EsError(
        400,
        'parsing_exception',
        '[_na] query malformed, must start with start_object',
      );
    if (kind === 'match_all') return () => true;
    if (kind === 'term' && isObject(query.term)) return termQuery(index, query.term);
    if (kind === 'range' && isObject(query.range)) {
      const [[field, bounds], ...more] = Object.entries(query.range);
      const mapping = index.properties.get(field);
      if (more.length || !isObject(bounds)) {
        throw new EsError(
          400,
          'parsing_exception',
          "[range] query doesn't support multiple fields",
        );
      }
      if (mapping && !['date', 'long', 'float'].includes(mapping.type)) {
        throw new EsError(
          400,
          'query_shard_exception',
          `Field [${field}] of type [${mapping.type}] does not support range queries`,
        );
      }
      const checks = Object.entries(bounds).map(([op, limit]) => {
        if (typeof limit !== 'number') {
          throw new EsError(
            400,
            'parse_exception',
            `failed to parse date field [${String(limit)}] with format [epoch_millis]`,
          );
        }
        switch (op) {
          case 'gt':
            return (v: number) => v > limit;
          case 'gte':
            return (v: number) => v >= limit;
          case 'lt':
            return (v: number) => v < limit;
          case 'lte':
            return (v: number) => v <= limit;
          default:
            throw new EsError(400, 'parsing_exception', `[range] query does not support [${op}]`);
        }
      });
      return (source) => {
        const value = source[field];
        return typeof value === 'number' && checks.every((check) => check(value));
      };
    }
    throw new EsError(400, 'parsing_exception', `unknown query [${String(kind)}]`);
  }

  /** Checks a document against the mapping, adding dynamic fields where allowed. */
  private validate(index: FakeIndex, source: Record<string, unknown>): Record<string, unknown> {
    for (const [field, value] of Object.entries(source)) {
      const mapping = index.properties.get(field);
      if (!mapping) {
        if (index.dynamic === 'strict') {
          throw new EsError(
            400,
            'strict_dynamic_mapping_exception',
            `[1:2] mapping set to strict, dynamic introduction of [${field}] within [_doc] is not allowed`,
          );
        }
        if (index.dynamic === true) {
          index.properties.set(field, {
            type:
              typeof value === 'number' ? 'long' : typeof value === 'boolean' ? 'boolean' : 'text',
          });
        }
        continue;
      }
      const bad = (reason: string) =>
        new EsError(
          400,
          'document_parsing_exception',
          `[1:2] failed to parse field [${field}] of type [${mapping.type}] in document. ${reason}`,
        );
      if (value === null) continue;
      if (mapping.type === 'binary' && (typeof value !== 'string' || !BASE64.test(value))) {
        throw bad("Preview of field's value: not valid base64");
      }
      if (mapping.type === 'date') {
        const epochOnly = mapping.format === 'epoch_millis';
        const ok =
          (typeof value === 'number' && Number.isFinite(value)) ||
          (typeof value === 'string' &&
            (/^-?\d+$/.test(value) || (!epochOnly && !Number.isNaN(Date.parse(value)))));
        if (!ok) throw bad(`failed to parse date field [${String(value)}]`);
      }
      if ((mapping.type === 'long' || mapping.type === 'float') && typeof value !== 'number') {
        throw bad('For input string');
      }
    }
    return source;
  }

  private write(index: FakeIndex, id: string, source: Record<string, unknown>, current?: Doc): Doc {
    const doc = {
      source: structuredClone(source),
      seqNo: index.nextSeqNo++,
      version: (current?.version ?? 0) + 1,
    };
    index.docs.set(id, doc);
    index.unrefreshed.push({ at: Date.now(), id, doc });
    return doc;
  }

  private remove(index: FakeIndex, id: string): void {
    index.docs.delete(id);
    index.unrefreshed.push({ at: Date.now(), id });
  }

  private writeResult(
    name: string,
    id: string,
    doc: Pick<Doc, 'seqNo' | 'version'>,
    result: string,
  ) {
    return {
      _index: name,
      _id: id,
      _version: doc.version,
      result,
      _shards: { total: 2, successful: 1, failed: 0 },
      _seq_no: doc.seqNo,
      _primary_term: PRIMARY_TERM,
    };
  }

  private afterWrite(index: FakeIndex, querystring: Record<string, string>): void {
    const refresh = querystring.refresh;
    if (refresh === 'true' || refresh === '' || refresh === 'wait_for') this.refresh(index);
  }

  /**
   * The periodic refreshes that would have run by now (every
   * `refreshIntervalMs` since the last one): searches see the writes up to the
   * latest of them, not one written after it.
   */
  private maybeRefresh(index: FakeIndex): void {
    const now = Date.now();
    if (this.refreshIntervalMs <= 0) return this.refresh(index);
    const ticks = Math.floor((now - index.lastRefresh) / this.refreshIntervalMs);
    if (ticks > 0) this.refresh(index, index.lastRefresh + ticks * this.refreshIntervalMs);
  }

  /** Makes the writes up to `until` (default: all) searchable. */
  private refresh(index: FakeIndex, until = Date.now()): void {
    while (index.unrefreshed.length && index.unrefreshed[0].at <= until) {
      const { id, doc } = index.unrefreshed.shift()!;
      if (doc) index.searchable.set(id, doc);
      else index.searchable.delete(id);
    }
    index.lastRefresh = until;
  }
}

/** An update's `script`, compiled: painless only, and only what {@link compilePainless} knows. */
function scriptOf(value: unknown): {
  run: (source: Record<string, unknown>) => { source: Record<string, unknown>; op: string };
} {
  const script = isObject(value) ? value : { source: value };
  const failure = (reason: string) =>
    new EsError(400, 'illegal_argument_exception', 'failed to execute script', {
      caused_by: { type: 'script_exception', reason },
    });
  if (script.lang !== undefined && script.lang !== 'painless') {
    throw failure(`script_lang not supported [${String(script.lang)}]`);
  }
  let compiled: ReturnType<typeof compilePainless>;
  try {
    compiled = compilePainless(String(script.source));
  } catch (error) {
    if (error instanceof PainlessCompileError) throw failure(`compile error: ${error.message}`);
    throw error;
  }
  const params = isObject(script.params) ? script.params : {};
  return {
    run: (source) => {
      try {
        return runPainless(compiled, source, params);
      } catch (error) {
        throw failure(`runtime error: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}

/** The fields of a `properties` mapping, checked as Elasticsearch parses them. */
function fieldMappings(properties: unknown): [string, FieldMapping][] {
  return Object.entries(isObject(properties) ? properties : {}).map(([field, definition]) => {
    if (!isObject(definition) || !FIELD_TYPES.has(String(definition.type))) {
      throw new EsError(
        400,
        'mapper_parsing_exception',
        `No handler for type [${String(isObject(definition) ? definition.type : definition)}] declared on field [${field}]`,
      );
    }
    const mapping: FieldMapping = { type: definition.type as FieldType };
    if (typeof definition.format === 'string') mapping.format = definition.format;
    return [field, mapping];
  });
}

/**
 * A `term` query: the exact value, never analysed. A keyword matches the whole
 * string; a text field only one of its lowercased words; an unmapped field
 * (or a null value, which is not indexed) nothing; a binary field is not searchable.
 */
function termQuery(
  index: FakeIndex,
  term: Record<string, unknown>,
): (source: Record<string, unknown>) => boolean {
  const [[field, spec] = [], ...more] = Object.entries(term);
  if (field === undefined || more.length) {
    throw new EsError(400, 'parsing_exception', "[term] query doesn't support multiple fields");
  }
  const value = isObject(spec) ? spec.value : spec;
  if (value === null || value === undefined || isObject(value) || Array.isArray(value)) {
    throw new EsError(400, 'parsing_exception', '[term] query malformed, no value specified');
  }
  const mapping = index.properties.get(field);
  if (!mapping) return () => false;
  if (mapping.type === 'binary') {
    throw new EsError(
      400,
      'query_shard_exception',
      `failed to create query: Field [${field}] of type [binary] is not searchable`,
    );
  }
  const matchesOne = (stored: unknown): boolean => {
    if (mapping.type === 'keyword') return stored === String(value);
    if (mapping.type === 'text')
      return (
        typeof stored === 'string' && stored.toLowerCase().split(/\W+/).includes(String(value))
      );
    return stored !== null && String(stored) === String(value);
  };
  return (source) => {
    const stored = source[field];
    return Array.isArray(stored) ? stored.some(matchesOne) : matchesOne(stored);
  };
}

function checkRefreshParam(querystring: Record<string, string>): void {
  const refresh = querystring.refresh;
  if (refresh !== undefined && !['true', 'false', 'wait_for', ''].includes(refresh)) {
    throw new EsError(
      400,
      'illegal_argument_exception',
      `Unknown value for refresh: [${refresh}].`,
    );
  }
}

function checkSeqNo(
  name: string,
  id: string,
  current: Doc | undefined,
  querystring: Record<string, string>,
): void {
  const { if_seq_no: seqNo, if_primary_term: term } = querystring;
  if (seqNo === undefined && term === undefined) return;
  if (seqNo === undefined || term === undefined) {
    throw new EsError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: ifSeqNo is set, but primary term is [0];',
    );
  }
  if (!current || String(current.seqNo) !== seqNo || String(PRIMARY_TERM) !== term) {
    throw new EsError(
      409,
      'version_conflict_engine_exception',
      current
        ? `[${id}]: version conflict, required seqNo [${seqNo}], primary term [${term}]. current document has seqNo [${current.seqNo}] and primary term [${PRIMARY_TERM}]`
        : `[${id}]: version conflict, required seqNo [${seqNo}], primary term [${term}] but no document was found`,
      { index: name },
    );
  }
}
