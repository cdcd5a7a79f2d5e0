import type { MongoDBSessionDocument, MongoDBStoredDocument } from '../../interfaces';

/** Name of the index on `user` the store creates when users are indexed (`userKey`): MongoDB's default for `{ user: 1 }`. */
export const MONGODB_USER_INDEX = 'user_1';

/** The session fields a write of a value sets. */
type SessionFields = Partial<Omit<MongoDBSessionDocument, '_id'>>;

/** A write of a value: the user set with it, or removed when the session has none. */
export type MongoDBValueUpdate =
  { $set: SessionFields & { user: string } } | { $set: SessionFields; $unset: { user: '' } };

/** A session document as `findByUser` reads it. */
export interface MongoDBUserSessionDocument extends MongoDBStoredDocument {
  expiresAt?: Date;
}

/**
 * The driver `Collection` members the user index adds to those of
 * `MongoDBCollectionLike`: the `user` field on writes, its index, and the query.
 */
export interface MongoDBUserIndexCollectionLike {
  updateOne(
    filter: { _id: string; expiresAt?: { $gt: Date }; data?: Uint8Array },
    update: MongoDBValueUpdate,
    options?: { upsert?: boolean },
  ): Promise<{ matchedCount: number }>;
  find(
    filter: { user: { $eq: string }; expiresAt: { $gt: Date } },
    options: { projection: { data: 1; expiresAt: 1 } },
  ): { toArray(): Promise<MongoDBUserSessionDocument[]> };
  createIndex(keys: { user: 1 }, options: { name: string }): Promise<string>;
}

/** `fields` written with `user`, or with the `user` field removed (`$unset` of a missing field changes nothing). */
export function withUser(fields: SessionFields, user: string | undefined): MongoDBValueUpdate {
  return user === undefined
    ? { $set: fields, $unset: { user: '' } }
    : { $set: { ...fields, user } };
}
