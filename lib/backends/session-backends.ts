import type { SessionBackend, SessionOptionsByType, SessionType } from '../interfaces';
import { DatastoreSessionInterface } from './datastore/datastore.session-interface';
import { DynamoDBSessionInterface } from './dynamodb/dynamodb.session-interface';
import { ElasticsearchSessionInterface } from './elasticsearch/elasticsearch.session-interface';
import { FileSystemSessionInterface } from './filesystem/filesystem.session-interface';
import { FirestoreSessionInterface } from './firestore/firestore.session-interface';
import { MemcachedSessionInterface } from './memcached/memcached.session-interface';
import { MemorySessionInterface } from './memory/memory.session-interface';
import { MongoDBSessionInterface } from './mongodb/mongodb.session-interface';
import { NullSessionInterface } from './null/null.session-interface';
import { RedisSessionInterface } from './redis/redis.session-interface';
import { PeeweeSessionInterface } from './sql/peewee.session-interface';
import { SqlAlchemySessionInterface } from './sql/sqlalchemy.session-interface';

/**
 * The backend of each `SESSION_TYPE`: a session interface class whose static
 * `fromOptions` builds it. A new backend is one folder and one row here.
 */
export const SESSION_BACKENDS: { [T in SessionType]: SessionBackend<SessionOptionsByType[T]> } = {
  null: NullSessionInterface,
  memory: MemorySessionInterface,
  filesystem: FileSystemSessionInterface,
  redis: RedisSessionInterface,
  memcached: MemcachedSessionInterface,
  mongodb: MongoDBSessionInterface,
  sqlalchemy: SqlAlchemySessionInterface,
  typeorm: SqlAlchemySessionInterface,
  peewee: PeeweeSessionInterface,
  dynamodb: DynamoDBSessionInterface,
  elasticsearch: ElasticsearchSessionInterface,
  datastore: DatastoreSessionInterface,
  firestore: FirestoreSessionInterface,
};

/** `SESSION_TYPE` values, in the order of the table. */
export const SESSION_TYPES: readonly string[] = Object.keys(SESSION_BACKENDS);

export function isSessionType(value: unknown): value is SessionType {
  return typeof value === 'string' && Object.hasOwn(SESSION_BACKENDS, value);
}
