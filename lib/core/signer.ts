import { createHmac, timingSafeEqual } from 'node:crypto';

const SEPARATOR = '.';
const SALT = 'nestjs-server-session';
/** Verified cookie values remembered, so a returning cookie costs no HMAC; cleared when full. */
const VERIFIED_CACHE_SIZE = 10_000;

interface Verified {
  value: string;
  current: boolean;
}

/**
 * Signs session ids with HMAC-SHA256. The first secret signs; every secret is
 * accepted when verifying, so a new secret can be rolled out before the old
 * one is removed.
 */
export class Signer {
  private readonly keys: Buffer[];
  // Only values that passed verification get in, keyed by the whole signed string.
  private readonly verified = new Map<string, Verified>();

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('Signer needs at least one secret');
    // A derived key keeps the raw secret from being used for anything but this purpose.
    this.keys = secrets.map((secret) => createHmac('sha256', secret).update(SALT).digest());
  }

  sign(value: string): string {
    return value + SEPARATOR + this.mac(this.keys[0], value).toString('base64url');
  }

  /**
   * The unsigned value and whether the current (first) secret signed it, or
   * `undefined` when no secret verifies it.
   */
  unsign(signed: string): Verified | undefined {
    const known = this.verified.get(signed);
    if (known) return known;
    const result = this.verify(signed);
    if (result) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(signed, Object.freeze(result));
    }
    return result;
  }

  private verify(signed: string): Verified | undefined {
    const at = signed.lastIndexOf(SEPARATOR);
    if (at <= 0) return undefined;
    const value = signed.slice(0, at);
    const signature = signed.slice(at + 1);
    const given = Buffer.from(signature, 'base64url');
    // Only the canonical encoding is accepted, so one id has exactly one signed form.
    if (given.length !== 32 || given.toString('base64url') !== signature) return undefined;
    let matched = -1;
    // Every key is checked, without stopping early, so timing does not tell which one matched.
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (timingSafeEqual(given, this.mac(this.keys[i], value))) matched = i;
    }
    return matched < 0 ? undefined : { value, current: matched === 0 };
  }

  private mac(key: Buffer, value: string): Buffer {
    return createHmac('sha256', key).update(value).digest();
  }
}
