import { get } from 'node:http';

/** Calls `route` once without a cookie and returns the `name=value` of the cookie it sets. */
export function fetchSessionCookie(port: number, route: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: route }, (res) => {
      res.resume();
      const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
      if (res.statusCode === 200 && cookie) resolve(cookie);
      else
        reject(
          new Error(`GET ${route} on port ${port} answered ${res.statusCode} without a cookie`),
        );
    }).on('error', reject);
  });
}
