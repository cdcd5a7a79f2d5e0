import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SessionTooLargeError } from '../../session.errors';

/** DynamoDB's limit on an item: attribute names and values together. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;
/** A number attribute's value takes at most 21 bytes. */
const NUMBER_BYTES = 21;

/** A DynamoDB item as the SDK sends and returns it. */
export type Item = Record<string, AttributeValue>;

/** The condition of every write that must not bring back a deleted or expired item. */
export const LIVE = 'attribute_exists(id) AND expiresAtMs > :now';

/** The attribute naming a session's user (`userKey`), absent on sessions written without one. */
export const USER_ATTRIBUTE = 'user';

/** Whether `item` is a session that has not expired at `now`. */
export const isLive = (item: Item | undefined, now: number): boolean =>
  item?.data?.B !== undefined && Number(item.expiresAtMs?.N) > now;

/** The largest session value that fits in one item under `key` (of `user`, when given). */
export function maxValueBytes(key: string, user?: string): number {
  const owner =
    user === undefined ? 0 : Buffer.byteLength(USER_ATTRIBUTE) + Buffer.byteLength(user);
  const attributes =
    owner +
    Buffer.byteLength('id') +
    Buffer.byteLength(key) +
    Buffer.byteLength('data') +
    Buffer.byteLength('expiresAt') +
    NUMBER_BYTES +
    Buffer.byteLength('expiresAtMs') +
    NUMBER_BYTES;
  return DYNAMODB_MAX_ITEM_BYTES - attributes;
}

/** The two expiry attributes of a session expiring at `expiresAtMs`. */
export function expiryAttributes(expiresAtMs: number) {
  return {
    // Whole seconds for DynamoDB's TTL, rounded up so it never removes a live item.
    expiresAt: { N: String(Math.ceil(expiresAtMs / 1000)) },
    expiresAtMs: { N: String(expiresAtMs) },
  };
}

/** The whole item of a session; a value above the item limit throws {@link SessionTooLargeError}. */
export function sessionItem(key: string, value: Uint8Array, ttlMs: number, user?: string): Item {
  const limit = maxValueBytes(key, user);
  if (value.byteLength > limit) throw new SessionTooLargeError(value.byteLength, limit);
  const item: Item = {
    id: { S: key },
    data: { B: value },
    ...expiryAttributes(Date.now() + ttlMs),
  };
  if (user !== undefined) item[USER_ATTRIBUTE] = { S: user };
  return item;
}
