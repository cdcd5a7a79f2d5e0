export { SqlAlchemySessionInterface } from './sqlalchemy.session-interface';
export { PeeweeSessionInterface } from './peewee.session-interface';
export { SqlStore, type SqlStoreOptions } from './sql.store';
export {
  createSessionEntity,
  SQL_SESSION_DATABASE_TYPES,
  type SessionEntityOptions,
  type SessionRow,
} from './sql-session.entity';
export { SessionTableMigration } from './sql-session.migration';
