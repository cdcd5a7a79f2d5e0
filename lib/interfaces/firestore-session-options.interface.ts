import type { CommonSessionOptions } from './session-module-options.interface';
import type { FirestoreClientLike } from '../backends/firestore/firestore.store';

export interface FirestoreSessionOptions extends CommonSessionOptions {
  type: 'firestore';
  /** `SESSION_FIRESTORE`: a `@google-cloud/firestore` `Firestore` you own. */
  client?: FirestoreClientLike;
  /** `GCLOUD_APP_PROJECT_ID` */
  projectId?: string;
  /** `SESSION_FIRESTORE_COLLECT`, default `sessions`. */
  collection?: string;
}
