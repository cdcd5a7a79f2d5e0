import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SessionStore, type CommonSessionOptions, type SessionModuleOptions } from '../../lib';
import { Signer } from '../../lib/core/signer';
import { SessionTestModule } from './session/session-test.module';
import { createApp, PLATFORMS, type Platform } from '../utils/platforms';
import { getHead, rawRequest, type RawResponse } from '../utils/raw-http';
import { BASE64URL, idOfCookieValue, setCookieValues } from '../utils/session-cookie-values';
import { recordStoreKeys, type StoreRecorder } from '../utils/store-recorder';

export interface HostileCookiesOptions {
  /** Cases per property, per platform and signing mode. Default 250. */
  numRuns?: number;
  /** Runs after every app has taken its beating, e.g. to check the disk. */
  verify?: () => void | Promise<void>;
}

interface Client {
  /** The cookie value the server set. */
  cookie: string;
  id: string;
  /** A value only this client's session holds. */
  secret: string;
}

interface Target {
  app: INestApplication;
  port: number;
  signed: boolean;
  prefix: string;
  store: SessionStore;
  recorder: StoreRecorder;
  /** Every id the server has put in a cookie so far. */
  issued: Set<string>;
  victims: Client[];
  /** The sender's own valid session, which it may send beside forged cookies. */
  own: Client;
}

/** Stands for the sender's own current cookie in generated headers. */
const OWN = '{own}';
const ROUTES = [
  '/read',
  '/count',
  '/untouched',
  '/plain',
  '/set?key=k&value=v',
  '/login?user=mallory',
  '/logout',
];
// What Node's HTTP parser accepts in a header value; anything else is refused with 400.
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;
const COOKIE_ID = /^[A-Za-z0-9_-]{43}$/;
const SIGNED_COOKIE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
const NODE_MAX_HEADER_BYTES = 16 * 1024;

const b64 = fc.constantFrom(...BASE64URL);
const ids = (minLength: number, maxLength: number) =>
  fc.string({ unit: b64, minLength, maxLength });
const safeByte = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9))
  .map((c) => String.fromCharCode(c));
const anyByte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const junk = (maxLength: number) => fc.string({ unit: safeByte, maxLength });
const pathPiece = fc.constantFrom(
  '../',
  '..\\',
  '..',
  '%2e%2e/',
  '%2e%2e%2f',
  '..%2f',
  '%2F',
  '%5c',
  '/',
  '\\',
  '.',
  '%00',
  '\0',
  '%252e%252e%252f',
  'etc/passwd',
  'C:',
  '~',
  '%c0%ae%c0%ae/',
  '\u00c0\u00ae',
);
const pathLike = fc.array(pathPiece, { minLength: 1, maxLength: 10 }).map((p) => p.join(''));
const routes = fc.constantFrom(...ROUTES);

function replaceAt(text: string, at: number, by: string): string {
  return text.slice(0, at) + by + text.slice(at + 1);
}

function percent(char: string): string {
  return '%' + char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}

function swapCase(text: string): string {
  return [...text].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** The same bytes in a non-canonical base64url form: the unused low bits of the last character set. */
function nonCanonical(encoded: string, bits: number): string {
  const last = BASE64URL.indexOf(encoded[encoded.length - 1]);
  return encoded.slice(0, -1) + BASE64URL[last | bits];
}

/** `pairs` joined into one or more `Cookie` header lines. */
function cookieLines(pairs: fc.Arbitrary<string>, maxPairs: number): fc.Arbitrary<string[]> {
  return fc
    .record({
      pairs: fc.array(pairs, { maxLength: maxPairs }),
      separator: fc.constantFrom('; ', ';', ' ; ', ';;', ', '),
      lines: fc.integer({ min: 1, max: 3 }),
    })
    .map(({ pairs, separator, lines }) => {
      const size = Math.max(1, Math.ceil(pairs.length / lines));
      const out: string[] = [];
      for (let i = 0; i < pairs.length; i += size)
        out.push(pairs.slice(i, i + size).join(separator));
      return out.length ? out : [''];
    });
}

async function send(t: Target, route: string, cookies: string[] = []): Promise<RawResponse> {
  return rawRequest(
    t.port,
    getHead(
      route,
      cookies.map((line) => ['Cookie', line]),
    ),
  );
}

async function newClient(t: Target, label: string): Promise<Client> {
  const secret = `${label}-${randomBytes(12).toString('hex')}`;
  const res = await send(t, `/set?key=secret&value=${secret}`);
  const [cookie] = setCookieValues(res);
  if (res.status !== 200 || !cookie) throw new Error(`could not start a session: ${res.text}`);
  const id = idOfCookieValue(cookie, t.signed);
  t.issued.add(id);
  return { cookie, id, secret };
}

/**
 * Sends one hostile request and checks every guarantee: no server error, nothing
 * of another client in the response, no id taken from the request, and no store
 * write under an id the server did not issue itself.
 */
async function attack(t: Target, route: string, lines: string[]): Promise<void> {
  const resolved = lines.map((line) => line.split(OWN).join(t.own.cookie));
  const head = getHead(
    route,
    resolved.map((line) => ['Cookie', line]),
  );
  const issuedBefore = new Set(t.issued);
  t.recorder.clear();
  const res = await rawRequest(t.port, head);
  const where = `${route} (status ${res.status})`;

  if (!resolved.every((line) => HEADER_SAFE.test(line))) {
    // Refused by Node's HTTP parser, before any application code.
    expect([where, [400, 431].includes(res.status)]).toEqual([where, true]);
  } else if (head.length < NODE_MAX_HEADER_BYTES - 1024) {
    expect([where, res.status]).toEqual([where, 200]);
  } else if (head.length > NODE_MAX_HEADER_BYTES + 1024) {
    // Node counts only header names and values against its limit, not the request line or separators.
    expect([where, res.status]).toEqual([where, 431]);
  } else {
    expect([where, [200, 431].includes(res.status)]).toEqual([where, true]);
  }

  for (const victim of t.victims) {
    expect(res.text).not.toContain(victim.secret);
    expect(res.text).not.toContain(victim.id);
  }

  for (const value of setCookieValues(res).filter(Boolean)) {
    expect(value).toMatch(t.signed ? SIGNED_COOKIE : COOKIE_ID);
    const id = idOfCookieValue(value, t.signed);
    if (!issuedBefore.has(id)) {
      // A new id is the server's own: nothing the client sent.
      expect(head.includes(id)).toBe(false);
      t.issued.add(id);
    }
  }

  for (const key of t.recorder.writtenKeys()) {
    expect(key.startsWith(t.prefix)).toBe(true);
    const id = key.slice(t.prefix.length);
    expect({ key, issued: t.issued.has(id) }).toEqual({ key, issued: true });
    expect(t.victims.some((v) => v.id === id)).toBe(false);
  }

  // Logging in or out retires the sender's session; give it a new one to keep sending.
  if (/login|logout/.test(route) && !(await t.store.get(t.prefix + t.own.id))) {
    t.own = await newClient(t, 'own');
  }
}

/**
 * Property-based attack on the session cookie, over Express and Fastify,
 * with and without signing, against the store `options()` configures.
 */
export function describeHostileCookies(
  name: string,
  options: () => SessionModuleOptions,
  hostile: HostileCookiesOptions = {},
): void {
  const numRuns = hostile.numRuns ?? 250;
  const secret = randomBytes(32).toString('base64url');
  const right = new Signer([secret]);
  const wrong = new Signer([randomBytes(32).toString('base64url')]);

  describe.each(PLATFORMS)(`hostile cookies against the ${name} store over %s`, (platform) => {
    describe.each([
      ['unsigned', false],
      ['signed', true],
    ])('%s ids', (_label, signed) => {
      const t = { issued: new Set<string>(), victims: [], signed } as unknown as Target;

      beforeAll(async () => {
        const base = options();
        const sessionOptions = (
          signed ? { ...base, useSigner: true, secret } : base
        ) as SessionModuleOptions;
        t.prefix = (sessionOptions as CommonSessionOptions).keyPrefix ?? 'session:';
        t.app = await createApp(platform as Platform, SessionTestModule.with(sessionOptions));
        await t.app.listen(0, '127.0.0.1');
        t.port = (t.app.getHttpServer().address() as AddressInfo).port;
        t.store = t.app.get<SessionStore>(SessionStore);
        t.recorder = recordStoreKeys(t.store);
        for (let i = 0; i < 3; i++) t.victims.push(await newClient(t, `victim${i}`));
        t.own = await newClient(t, 'own');
      });

      afterAll(async () => {
        t.recorder?.restore();
        await t.app?.close();
      });

      /** Values for the session cookie, also signed with the right or a wrong secret when signing. */
      const signedVariants = (values: fc.Arbitrary<string>) =>
        signed
          ? fc.oneof(
              values,
              values.map((v) => right.sign(v)),
              values.map((v) => wrong.sign(v)),
            )
          : fc.oneof(
              values,
              values.map((v) => wrong.sign(v)),
            );

      it('answers random, oversized and badly encoded Cookie headers without a server error', async () => {
        const value = fc.oneof(
          { weight: 3, arbitrary: junk(80) },
          { weight: 1, arbitrary: fc.string({ unit: anyByte, maxLength: 40 }) },
          { weight: 2, arbitrary: signedVariants(ids(43, 43)) },
          {
            weight: 1,
            arbitrary: fc.string({
              unit: fc.constantFrom('%', 'c', '0', 'A', 'e', 'f', 'F', '2', 'Z', '.', '+', '/'),
            }),
          },
        );
        const pair = fc.oneof(
          { weight: 4, arbitrary: value.map((v) => `session=${v}`) },
          { weight: 1, arbitrary: value.map((v) => `session="${v}"`) },
          { weight: 1, arbitrary: value.map((v) => ` session = ${v} `) },
          { weight: 2, arbitrary: fc.tuple(junk(20), junk(40)).map(([n, v]) => `${n}=${v}`) },
          { weight: 1, arbitrary: junk(40) },
        );
        const padding = fc.oneof(
          { weight: 6, arbitrary: fc.constant([] as string[]) },
          {
            weight: 1,
            arbitrary: fc.integer({ min: 1000, max: 40_000 }).map((n) => [`pad=${'x'.repeat(n)}`]),
          },
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.integer({ min: 10, max: 700 }), ids(43, 43))
              .map(([n, id]) => Array.from({ length: n }, () => `session=${id}`)),
          },
          {
            weight: 1,
            arbitrary: fc
              .integer({ min: 10, max: 4000 })
              .map((n) => Array.from({ length: n }, (_, i) => `c${i}=${i}`)),
          },
        );
        await fc.assert(
          fc.asyncProperty(
            routes,
            cookieLines(pair, 12),
            padding,
            fc.boolean(),
            async (route, lines, pad, padFirst) => {
              const padded = pad.length
                ? padFirst
                  ? [pad.join('; '), ...lines]
                  : [...lines, pad.join('; ')]
                : lines;
              await attack(t, route, padded);
            },
          ),
          { numRuns },
        );
      });

      it('never adopts truncated, altered or re-signed copies of real cookies, alone or beside its own', async () => {
        const valid = new Set(t.victims.map((v) => v.cookie));
        const victim = fc.constantFrom(...t.victims);
        const signature = (cookie: string) => cookie.slice(cookie.lastIndexOf('.') + 1);
        const altered = fc
          .oneof(
            fc.tuple(victim, fc.nat()).map(([v, n]) => v.cookie.slice(0, n % v.cookie.length)),
            fc.tuple(victim, ids(1, 8)).map(([v, s]) => v.cookie + s),
            fc.tuple(victim, fc.oneof(ids(1, 8), pathLike)).map(([v, s]) => s + v.cookie),
            fc
              .tuple(victim, fc.nat(), b64)
              .map(([v, i, c]) => replaceAt(v.cookie, i % v.cookie.length, c)),
            fc.tuple(victim, fc.nat(), pathLike).map(([v, i, p]) => {
              const at = i % v.cookie.length;
              return v.cookie.slice(0, at) + p + v.cookie.slice(at);
            }),
            fc
              .tuple(victim, fc.nat())
              .map(([v, i]) =>
                replaceAt(v.cookie, i % v.cookie.length, percent(v.cookie[i % v.cookie.length])),
              ),
            victim.map((v) => [...v.cookie].map(percent).join('')),
            victim.map((v) => swapCase(v.cookie)),
            victim.map((v) => Buffer.from(v.cookie).toString('base64')),
            victim.map((v) => v.cookie.replace(/-/g, '+').replace(/_/g, '/') + '=='),
            fc
              .tuple(victim, fc.integer({ min: 1, max: 3 }))
              .map(([v, bits]) =>
                signed
                  ? `${nonCanonical(v.id, bits)}.${signature(v.cookie)}`
                  : nonCanonical(v.cookie, bits),
              ),
            victim.map((v) => wrong.sign(v.id)),
            ...(signed
              ? [
                  victim.map((v) => v.id),
                  victim.map((v) => `${v.id}.`),
                  fc
                    .tuple(victim, fc.integer({ min: 1, max: 3 }))
                    .map(([v, bits]) => `${v.id}.${nonCanonical(signature(v.cookie), bits)}`),
                  fc
                    .tuple(victim, victim)
                    .filter(([a, b]) => a !== b)
                    .map(([a, b]) => `${a.id}.${signature(b.cookie)}`),
                  fc.tuple(victim, ids(43, 43)).map(([v, s]) => `${v.id}.${s}`),
                  fc.tuple(victim, ids(0, 60)).map(([v, s]) => `${v.id}.${s}`),
                ]
              : []),
          )
          .filter((value) => !valid.has(value.trim()));
        const pair = fc.oneof(
          { weight: 5, arbitrary: altered.map((v) => `session=${v}`) },
          { weight: 1, arbitrary: altered.map((v) => `session="${v}"`) },
          { weight: 2, arbitrary: fc.constant(`session=${OWN}`) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(
                fc.constantFrom('Session', 'SESSION', 'sessionx', 'xsession', 'session_'),
                victim,
              )
              .map(([n, v]) => `${n}=${v.cookie}`),
          },
          { weight: 1, arbitrary: fc.tuple(junk(10), junk(20)).map(([n, v]) => `${n}=${v}`) },
        );
        await fc.assert(
          fc.asyncProperty(routes, cookieLines(pair, 10), (route, lines) =>
            attack(t, route, lines),
          ),
          { numRuns },
        );
      });

      it('never stores under path-like ids or ids of other lengths', async () => {
        const value = signedVariants(
          fc.oneof(
            pathLike,
            fc.tuple(pathLike, ids(0, 43)).map(([p, id]) => (p + id).slice(0, 43).padEnd(43, 'A')),
            fc.tuple(ids(0, 43), pathLike).map(([id, p]) => id + p),
            ids(0, 42),
            ids(44, 200),
            fc.constantFrom(16, 22, 32, 64, 86).chain((n) => ids(n, n)),
            ids(43, 43),
          ),
        );
        await fc.assert(
          fc.asyncProperty(
            routes,
            cookieLines(
              value.map((v) => `session=${v}`),
              4,
            ),
            (route, lines) => attack(t, route, lines),
          ),
          { numRuns },
        );
      });

      it("leaves every other client's session as it was", async () => {
        for (const victim of t.victims) {
          const res = await send(t, '/read', [`session=${victim.cookie}`]);
          expect(res.status).toBe(200);
          // Exactly as it was: a key added to a victim's session fails too.
          expect(JSON.parse(res.body)).toEqual({
            sid: victim.id,
            isNew: false,
            data: { secret: victim.secret },
            permanent: true,
          });
        }
        await hostile.verify?.();
      });
    });
  });
}
