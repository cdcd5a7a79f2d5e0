import { readCookieValues } from './cookie';
import type { SessionState } from './server-side-session';
import { sessionIdPattern } from './session-id';
import type { SessionSettings } from './session-settings';
import { Signer } from './signer';

/** Store lookups for the session cookies of one request, however many it sends. */
const MAX_COOKIE_LOOKUPS = 3;

/** A session id from a cookie; `value` is the cookie to send back as is, when it can be. */
export interface SessionCookie {
  sid: string;
  value?: string;
}

/** Session ids in and out of cookie values: the id's form, and its signature with `useSigner`. */
export class SessionCookies {
  private readonly signer?: Signer;
  readonly idPattern: RegExp;

  constructor(settings: SessionSettings) {
    if (settings.useSigner) this.signer = new Signer(settings.secrets);
    this.idPattern = sessionIdPattern(settings.idLength);
  }

  /**
   * The distinct session ids the `Cookie` header carries under `name`, that
   * verify, first ones first, at most {@link MAX_COOKIE_LOOKUPS}.
   */
  read(header: string | undefined, name: string): SessionCookie[] {
    const found: SessionCookie[] = [];
    for (const value of readCookieValues(header, name)) {
      const cookie = this.verify(value);
      if (cookie && !found.some(({ sid }) => sid === cookie.sid)) found.push(cookie);
      if (found.length === MAX_COOKIE_LOOKUPS) break;
    }
    return found;
  }

  /** The cookie value of the session: its id, signed with `useSigner` (once per id). */
  valueOf(state: SessionState): string {
    if (!this.signer) return state.sid;
    state.cookieValue ??= this.signer.sign(state.sid);
    return state.cookieValue;
  }

  private verify(value: string): SessionCookie | undefined {
    if (!this.signer) return this.idPattern.test(value) ? { sid: value } : undefined;
    const verified = this.signer.unsign(value);
    // A cookie signed with the current secret is sent back as is, without signing again.
    if (verified && this.idPattern.test(verified.value))
      return { sid: verified.value, value: verified.current ? value : undefined };
    return undefined;
  }
}
