import { Module, type DynamicModule } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { createSessionEntity, SessionModule } from '../../../../lib';
import { CartController } from './cart.controller';
import { SESSION_ENTITY } from './session-entity.token';

export interface TypeOrmIntegrationOptions {
  /** The app's database. */
  database: DataSourceOptions;
  /** The session table. */
  table: string;
  /** Let TypeORM create the table from the entity (`synchronize`) instead of the session module. */
  synchronize: boolean;
  keyPrefix: string;
}

/**
 * An app as users write it: TypeORM configured with `TypeOrmModule.forRoot`,
 * the session entity among its entities, and the session module on the same
 * DataSource through `forRootAsync({ inject: [getDataSourceToken()] })`.
 */
@Module({})
export class TypeOrmIntegrationModule {
  static with(options: TypeOrmIntegrationOptions): DynamicModule {
    const SessionEntity = createSessionEntity({
      type: options.database.type,
      table: options.table,
    });
    return {
      module: TypeOrmIntegrationModule,
      imports: [
        TypeOrmModule.forRoot({
          ...options.database,
          entities: [SessionEntity],
          synchronize: options.synchronize,
          retryAttempts: 0,
        }),
        SessionModule.forRootAsync({
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => ({
            type: 'sqlalchemy',
            dataSource,
            table: options.table,
            createTable: !options.synchronize,
            keyPrefix: options.keyPrefix,
          }),
        }),
      ],
      controllers: [CartController],
      providers: [{ provide: SESSION_ENTITY, useValue: SessionEntity }],
    };
  }
}
