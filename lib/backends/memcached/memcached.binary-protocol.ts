/**
 * memcached binary-protocol requests memjs 1.x has no method for (GAT, GET
 * with the item's CAS, SET with a CAS), sent through the memjs client's own
 * request plumbing (`perform`): same connections, timeouts and retries.
 */

/**
 * What a memjs `Client` uses to send a request: members memjs 1.x declares
 * public (its typings), checked against them by the type check of the tests.
 */
export interface MemjsRequests {
  seq: number;
  incrSeq(): void;
  perform(
    key: string,
    request: Buffer,
    seq: number,
    callback: (error: Error | null, response: MemjsResponse | null) => void,
  ): void;
  serializer?: {
    serialize?(opcode: number, value: Buffer, extras: Buffer): { value: unknown; extras: unknown };
    deserialize(opcode: number, value: Buffer, extras: Buffer): { value: unknown };
  };
}

interface MemjsResponse {
  header: { status: number; opcode: number; cas?: Buffer };
  val: Buffer;
  extras: Buffer;
}

/** An item's value and its CAS, the version the server checks on a write with that CAS. */
export interface CasRead {
  value: Buffer;
  cas: Buffer;
}

const OPCODE_GET = 0x00;
const OPCODE_SET = 0x01;
const OPCODE_GAT = 0x1d;
const STATUS_OK = 0x00;
const STATUS_NOT_FOUND = 0x01;
const STATUS_EXISTS = 0x02;
const STATUS_UNKNOWN_COMMAND = 0x81;

/** The server does not know GAT (memcached before 1.5.3). */
export const NO_GAT = Symbol('no GAT');

export function hasMemjsRequests(client: object): client is MemjsRequests {
  const candidate = client as Partial<MemjsRequests>;
  return (
    typeof candidate.perform === 'function' &&
    typeof candidate.incrSeq === 'function' &&
    typeof candidate.seq === 'number'
  );
}

/** A request: 24-byte header (magic, opcode, lengths, opaque, CAS), extras, key, value. */
function request(
  opcode: number,
  key: string,
  opaque: number,
  extras: Buffer = Buffer.alloc(0),
  value: Buffer = Buffer.alloc(0),
  cas?: Buffer,
): Buffer {
  const keyBytes = Buffer.from(key);
  const buffer = Buffer.alloc(24 + extras.length + keyBytes.length + value.length);
  buffer[0] = 0x80; // request magic
  buffer[1] = opcode;
  buffer.writeUInt16BE(keyBytes.length, 2);
  buffer[4] = extras.length;
  buffer.writeUInt32BE(extras.length + keyBytes.length + value.length, 8);
  buffer.writeUInt32BE(opaque, 12);
  cas?.copy(buffer, 16, 0, 8);
  extras.copy(buffer, 24);
  keyBytes.copy(buffer, 24 + extras.length);
  value.copy(buffer, 24 + extras.length + keyBytes.length);
  return buffer;
}

function send(
  client: MemjsRequests,
  key: string,
  build: (opaque: number) => Buffer,
): Promise<MemjsResponse> {
  return new Promise((resolve, reject) => {
    client.incrSeq();
    const seq = client.seq;
    client.perform(key, build(seq), seq, (error, response) => {
      if (error || !response) reject(error ?? new Error(`memcached gave no answer for ${key}`));
      else resolve(response);
    });
  });
}

/** As memjs turns what it sends into bytes. */
const bytes = (value: unknown): Buffer =>
  Buffer.isBuffer(value) ? value : Buffer.from(value as string);

function failure(command: string, key: string, status: number): Error {
  return new Error(`memcached ${command} ${key} failed with status 0x${status.toString(16)}`);
}

/** The value as memjs's own `get` decodes what its `set` stored, with the item's CAS. */
function casRead(client: MemjsRequests, response: MemjsResponse): CasRead {
  const { opcode, cas } = response.header;
  const value = client.serializer
    ? client.serializer.deserialize(opcode, response.val, response.extras).value
    : response.val;
  return { value: value as Buffer, cas: cas ?? Buffer.alloc(8) };
}

/** GET: the value and its CAS, or `undefined` when the item is missing or expired. */
export async function getWithCas(client: MemjsRequests, key: string): Promise<CasRead | undefined> {
  const response = await send(client, key, (opaque) => request(OPCODE_GET, key, opaque));
  const { status } = response.header;
  if (status === STATUS_NOT_FOUND) return undefined;
  if (status !== STATUS_OK) throw failure('GET', key, status);
  return casRead(client, response);
}

/** GAT: reads and moves the expiry in one round trip ({@link NO_GAT} on an old server). */
export async function getAndTouchWithCas(
  client: MemjsRequests,
  key: string,
  expiration: number,
): Promise<CasRead | undefined | typeof NO_GAT> {
  const extras = Buffer.alloc(4);
  extras.writeUInt32BE(expiration);
  const response = await send(client, key, (opaque) => request(OPCODE_GAT, key, opaque, extras));
  const { status } = response.header;
  if (status === STATUS_NOT_FOUND) return undefined;
  if (status === STATUS_UNKNOWN_COMMAND) return NO_GAT;
  if (status !== STATUS_OK) throw failure('GAT', key, status);
  return casRead(client, response);
}

/**
 * SET with a CAS: the server stores only if the item is still the version
 * `cas` names (`'changed'` when it was written since, `'missing'` when it is
 * gone or expired), and answers with the new version's CAS. Flags and value go through memjs's serializer as in its `set`.
 */
export async function setWithCas(
  client: MemjsRequests,
  key: string,
  value: Buffer,
  expiration: number,
  cas: Buffer,
): Promise<{ outcome: 'stored' | 'changed' | 'missing'; cas?: Buffer }> {
  // CAS 0 would be a plain SET: a server started with -C (no CAS) answers every read with it.
  if (!cas.some((byte) => byte !== 0)) {
    throw new Error('memcached runs without CAS (-C): compareAndSet cannot be atomic');
  }
  const extras = Buffer.alloc(8); // flags 0, expiration
  extras.writeUInt32BE(expiration, 4);
  const serialized = client.serializer?.serialize?.(OPCODE_SET, value, extras) ?? {
    value,
    extras,
  };
  const response = await send(client, key, (opaque) =>
    request(OPCODE_SET, key, opaque, bytes(serialized.extras), bytes(serialized.value), cas),
  );
  const { status } = response.header;
  if (status === STATUS_OK) return { outcome: 'stored', cas: response.header.cas };
  if (status === STATUS_EXISTS) return { outcome: 'changed' };
  if (status === STATUS_NOT_FOUND) return { outcome: 'missing' };
  throw failure('SET', key, status);
}
