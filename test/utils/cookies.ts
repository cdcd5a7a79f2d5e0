export interface ParsedSetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** The `Set-Cookie` headers of a response, parsed (attribute names lower-cased). */
export function setCookies(headers: Record<string, unknown>): ParsedSetCookie[] {
  const raw = headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)];
  return list.map((line) => {
    const [pair, ...attrs] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const attr of attrs) {
      const at = attr.indexOf('=');
      if (at < 0) attributes[attr.toLowerCase()] = true;
      else attributes[attr.slice(0, at).toLowerCase()] = attr.slice(at + 1);
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
  });
}

/** The one `Set-Cookie` for `name`, failing the test when there is not exactly one. */
export function sessionCookie(headers: Record<string, unknown>, name = 'session'): ParsedSetCookie {
  const found = setCookies(headers).filter((c) => c.name === name);
  if (found.length !== 1)
    throw new Error(`expected one Set-Cookie for "${name}", got ${found.length}`);
  return found[0];
}
