export type SameSite = 'Strict' | 'Lax' | 'None';

export interface CookieAttributes {
  domain?: string;
  path: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite?: SameSite;
  partitioned: boolean;
}

const MAX_COOKIE_VALUES = 8;

/**
 * Every value sent for cookie `name`, in header order (a browser may send
 * several, e.g. from different paths). Values are not URL-decoded: session
 * cookie values only ever use URL-safe characters.
 */
export function readCookieValues(header: string | string[] | undefined, name: string): string[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join('; ') : header;
  const values: string[] = [];
  let start = 0;
  while (start < text.length && values.length < MAX_COOKIE_VALUES) {
    let end = text.indexOf(';', start);
    if (end < 0) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq > start && eq < end && text.slice(start, eq).trim() === name) {
      let value = text.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
        value = value.slice(1, -1);
      values.push(value);
    }
    start = end + 1;
  }
  return values;
}

function attributes(attrs: CookieAttributes): string {
  let out = '';
  if (attrs.domain) out += `; Domain=${attrs.domain}`;
  out += `; Path=${attrs.path}`;
  if (attrs.httpOnly) out += '; HttpOnly';
  if (attrs.secure) out += '; Secure';
  if (attrs.sameSite) out += `; SameSite=${attrs.sameSite}`;
  if (attrs.partitioned) out += '; Partitioned';
  return out;
}

/** A `Set-Cookie` value; without `expires` the cookie ends with the browser session. */
export function serializeCookie(
  name: string,
  value: string,
  attrs: CookieAttributes,
  expires?: Date,
): string {
  let out = `${name}=${value}`;
  if (expires) {
    const maxAge = Math.max(0, Math.floor((expires.getTime() - Date.now()) / 1000));
    out += `; Expires=${expires.toUTCString()}; Max-Age=${maxAge}`;
  }
  return out + attributes(attrs);
}

/** A `Set-Cookie` value that removes the cookie, repeating the attributes it was set with. */
export function serializeClearedCookie(name: string, attrs: CookieAttributes): string {
  return `${name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0${attributes(attrs)}`;
}
