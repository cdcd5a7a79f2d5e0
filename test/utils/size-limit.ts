import { SessionTooLargeError } from '../../lib';

/**
 * The largest value size (bytes) `set` accepts, found by asking it: sizes it
 * refuses with an error `isRefusal` recognizes (by default the store's own
 * {@link SessionTooLargeError}, raised before anything is sent) are above the
 * limit; any other error (say the server refusing what the store let through)
 * fails the search. Between `below` (accepted) and `above` (refused).
 */
export async function largestAcceptedSize(
  set: (size: number) => Promise<unknown>,
  below: number,
  above: number,
  isRefusal: (error: unknown) => boolean = (error) => error instanceof SessionTooLargeError,
): Promise<number> {
  let accepted = below;
  let refused = above;
  while (refused - accepted > 1) {
    const size = Math.floor((accepted + refused) / 2);
    try {
      await set(size);
      accepted = size;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      refused = size;
    }
  }
  return accepted;
}
