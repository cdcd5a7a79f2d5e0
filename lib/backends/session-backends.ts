import type { SessionBackend, SessionOptionsByType, SessionType } from '../interfaces';
import { buildDatastoreSessionInterface } from './datastore/datastore.builder';
import { buildDynamoDBSessionInterface } from './dynamodb/dynamodb.builder';
import { buildElasticsearchSessionInterface } from './elasticsearch/elasticsearch.builder';
import { FileSystemSessionInterface } from './filesystem/filesystem.session-interface';
import { buildFirestoreSessionInterface } from './firestore/firestore.builder';
import { MemcachedSessionInterface } from './memcached/memcached.session-interface';
import { MemorySessionInterface } from './memory/memory.session-interface';
import { buildMongoDBSessionInterface } from './mongodb/mongodb.builder';
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
  mongodb: { fromOptions: buildMongoDBSessionInterface },
  sqlalchemy: SqlAlchemySessionInterface,
  typeorm: SqlAlchemySessionInterface,
  peewee: PeeweeSessionInterface,
  dynamodb: { fromOptions: buildDynamoDBSessionInterface },
  elasticsearch: { fromOptions: buildElasticsearchSessionInterface },
  datastore: { fromOptions: buildDatastoreSessionInterface },
  firestore: { fromOptions: buildFirestoreSessionInterface },
};

/** `SESSION_TYPE` values, in the order of the table. */
export const SESSION_TYPES: readonly string[] = Object.keys(SESSION_BACKENDS);

export function isSessionType(value: unknown): value is SessionType {
  return typeof value === 'string' && Object.hasOwn(SESSION_BACKENDS, value);
}
