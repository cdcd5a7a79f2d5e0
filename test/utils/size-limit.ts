import { SessionTooLargeError } from '../../lib';

/**
 * The largest value size (bytes) `store` accepts, found by asking it: sizes it
 * refuses with {@link SessionTooLargeError} (before sending anything) are above
 * its limit; any other error (the server refusing what the store let through)
 * fails the search. Between `below` (accepted) and `above` (refused).
 */
export async function largestAcceptedSize(
  set: (size: number) => Promise<void>,
  below: number,
  above: number,
): Promise<number> {
  let accepted = below;
  let refused = above;
  while (refused - accepted > 1) {
    const size = Math.floor((accepted + refused) / 2);
    try {
      await set(size);
      accepted = size;
    } catch (error) {
      if (!(error instanceof SessionTooLargeError)) throw error;
      refused = size;
    }
  }
  return accepted;
}
