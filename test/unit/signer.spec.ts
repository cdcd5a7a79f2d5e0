import { createHmac } from 'node:crypto';
import { Signer } from '../../lib/core/signer';

describe('Signer', () => {
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(32);

  it('signs with HMAC-SHA256 as base64url and verifies', () => {
    const signer = new Signer([a]);
    const signed = signer.sign('abc');
    expect(signed).toMatch(/^abc\.[A-Za-z0-9_-]{43}$/);
    expect(signer.unsign(signed)).toEqual({ value: 'abc', current: true });
  });

  it('matches itsdangerous Signer(secret, salt, key_derivation="hmac", digest_method=sha256)', () => {
    const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
    const id = 'A'.repeat(43);
    // itsdangerous "hmac" derivation: key = HMAC(secret, salt); signature = HMAC(key, value), base64url unpadded.
    const key = createHmac('sha256', secret).update('nestjs-server-session').digest();
    const expected = `${id}.${createHmac('sha256', key).update(id).digest('base64url')}`;
    const signer = new Signer([secret]);
    expect(signer.sign(id)).toBe(expected);
    // Printed by Python itsdangerous 2.2.0 with the same arguments.
    const fromPython = `${id}.H72oGbAEZhw8ozVJR8WsPPwXQs_01r5N9qHWavQtxBc`;
    expect(signer.sign(id)).toBe(fromPython);
    expect(signer.unsign(fromPython)).toEqual({ value: id, current: true });
  });

  it('rejects a changed value, a changed or truncated signature and a foreign secret', () => {
    const signer = new Signer([a]);
    const signed = signer.sign('abc');
    expect(signer.unsign(signed.replace('abc', 'abd'))).toBeUndefined();
    expect(signer.unsign(signed.slice(0, -1))).toBeUndefined();
    expect(signer.unsign(`${signed}A`)).toBeUndefined();
    expect(signer.unsign(new Signer([b]).sign('abc'))).toBeUndefined();
    expect(signer.unsign('abc')).toBeUndefined();
    expect(signer.unsign('.abc')).toBeUndefined();
  });

  it('accepts only the canonical base64url form of a signature', () => {
    const signer = new Signer([a]);
    const signed = signer.sign('abc');
    const last = signed.at(-1)!;
    // The last of 43 base64url characters carries 2 unused bits: other letters decode to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1];
    expect(signer.unsign(signed.slice(0, -1) + twin)).toBeUndefined();
  });

  it('signs with the first secret and accepts every secret (rotation)', () => {
    const old = new Signer([a]).sign('id');
    const rotated = new Signer([b, a]);
    expect(rotated.unsign(old)).toEqual({ value: 'id', current: false });
    expect(rotated.unsign(rotated.sign('id'))).toEqual({ value: 'id', current: true });
    expect(new Signer([b]).unsign(old)).toBeUndefined();
  });

  it('needs a secret', () => {
    expect(() => new Signer([])).toThrow(/at least one secret/);
  });
});
