import { connect } from 'node:net';

export interface RawResponse {
  /** The status code, or 0 when the server closed the connection without answering. */
  status: number;
  /** Header names lower-cased; every header as a list of its values. */
  headers: Record<string, string[]>;
  body: string;
  /** The whole response as received (latin1), to search for leaked values. */
  text: string;
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parse(raw: Buffer): RawResponse {
  const text = raw.toString('latin1');
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: '', text };
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding']?.some((v) => /chunked/i.test(v))) body = decodeChunked(body);
  return { status, headers, body: body.toString('utf8'), text };
}

/**
 * Sends `head` (request line and headers, without the blank line) to
 * 127.0.0.1:`port` byte for byte, as `latin1`, and reads the response until
 * the server closes. Unlike an HTTP client library it lets through whatever a
 * hostile client could send: control bytes, repeated headers, any size.
 */
export function rawRequest(port: number, head: string, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to:\n${head.slice(0, 300)}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve(parse(Buffer.concat(chunks)));
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', done);
    // A server may reset a connection whose request it refused (e.g. headers too large).
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') done();
      else {
        clearTimeout(timer);
        reject(error);
      }
    });
    // Not half-closed: Node's server aborts a request whose client has ended its side.
    socket.write(Buffer.from(`${head}\r\nConnection: close\r\n\r\n`, 'latin1'));
  });
}

/** A GET request head with the given extra header lines. */
export function getHead(path: string, headers: [string, string][] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
}
