import { request } from 'node:http';

export interface HttpAnswer {
  status: number;
  /** The parsed JSON body (`undefined` when the body is not JSON). */
  body: Record<string, unknown> | undefined;
  /** `name=value` of each `Set-Cookie`. */
  cookies: string[];
}

/** One GET on a fresh connection, with an optional `Cookie` header. */
export function httpGet(base: string, path: string, cookie?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { cookie } : undefined;
    const req = request(new URL(path, base), { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        let body: Record<string, unknown> | undefined;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
        } catch {
          body = undefined;
        }
        const cookies = (res.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]);
        resolve({ status: res.statusCode ?? 0, body, cookies });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
