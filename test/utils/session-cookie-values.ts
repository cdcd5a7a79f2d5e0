import type { RawResponse } from './raw-http';

/** The characters of a base64url session id. */
export const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The values of the `Set-Cookie` headers for cookie `name` (empty for a cleared cookie). */
export function setCookieValues(response: RawResponse, name = 'session'): string[] {
  return (response.headers['set-cookie'] ?? [])
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1).split(';')[0]);
}

/** The session id inside a cookie value (the part before the signature when signed). */
export function idOfCookieValue(value: string, signed: boolean): string {
  return signed ? value.slice(0, value.lastIndexOf('.')) : value;
}
