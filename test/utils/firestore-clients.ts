import { Firestore } from '@google-cloud/firestore';
import { randomBytes } from 'node:crypto';
import { FIRESTORE_FAIL_FAST_SETTINGS } from '../../lib';

/** The project every Firestore test uses on the emulator (any id works there). */
export const FIRESTORE_TEST_PROJECT = process.env.FIRESTORE_PROJECT_ID ?? 'session-tests';

/** A client of the emulator at `host`, failing fast as the store's own client does. */
export function firestoreClient(host: string): Firestore {
  return new Firestore({
    projectId: FIRESTORE_TEST_PROJECT,
    host,
    ssl: false,
    ...FIRESTORE_FAIL_FAST_SETTINGS,
  });
}

export const uniqueCollection = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/** Removes every document of `collection` (the emulator keeps no indexes to drop). */
export async function emptyCollection(client: Firestore, collection: string): Promise<void> {
  const { docs } = await client.collection(collection).get();
  for (let i = 0; i < docs.length; i += 500) {
    const batch = client.batch();
    for (const doc of docs.slice(i, i + 500)) batch.delete(doc.ref);
    await batch.commit();
  }
}
