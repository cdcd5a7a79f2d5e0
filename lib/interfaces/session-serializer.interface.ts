/** Turns session data into bytes and back (`SESSION_SERIALIZATION_FORMAT`). Must never run code while reading. */
export interface SessionSerializer {
  dumps(value: unknown): Uint8Array;
  loads(bytes: Uint8Array): unknown;
}
