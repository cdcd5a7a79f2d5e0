import type { CommonSessionOptions } from './session-module-options.interface';

/**
 * The part of a TypeORM `DataSource` the SQL stores use (structural, so this
 * package compiles without typeorm installed).
 */
export interface SqlDataSource {
  readonly options: { readonly type: string };
  readonly isInitialized: boolean;
  initialize(): Promise<unknown>;
  destroy(): Promise<void>;
  createQueryRunner(): object;
}

export interface SqlSessionTableOptions {
  /** `SESSION_SQLALCHEMY_TABLE` / `SESSION_PEEWEE_TABLE`, default `sessions`. */
  table?: string;
  /** `SESSION_CREATE_TABLE`: create the table when missing, default `true`. */
  createTable?: boolean;
}

/** The `options` of the positional `SqlAlchemySessionInterface` and `PeeweeSessionInterface` constructors. */
export interface SqlSessionInterfaceOptions extends CommonSessionOptions {
  /** `SESSION_CREATE_TABLE`: create the table when missing, default `true`. */
  createTable?: boolean;
}

export interface SqlAlchemySessionOptions extends CommonSessionOptions, SqlSessionTableOptions {
  type: 'sqlalchemy' | 'typeorm';
  /** `SESSION_SQLALCHEMY`: a TypeORM `DataSource` you own (e.g. from `@nestjs/typeorm`); left open on shutdown. */
  dataSource?: SqlDataSource;
  /** `SESSION_SQLALCHEMY` / `SQLALCHEMY_DATABASE_URI` as a URL: the module opens its own `DataSource`. */
  url?: string;
}

export interface PeeweeSessionOptions extends CommonSessionOptions, SqlSessionTableOptions {
  type: 'peewee';
  /** `SESSION_PEEWEE_CONFIG`: `postgres://…`, `mysql://…`, `sqlite:path` or `sqlite::memory:`. */
  url?: string;
}
