/** `value` as a Buffer sharing its memory (no copy): what client libraries want to be given. */
export function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
