import { Module, type DynamicModule } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SessionModule } from '../../../../lib';
import {
  LoggedInGuard,
  SessionTestController,
} from '../../../suites/session/session-test.controller';
import { REDIS_CLIENT, RedisModule } from './redis.module';

/** Sessions on the client of the application's RedisModule, injected through forRootAsync. */
@Module({})
export class InjectedRedisAppModule {
  static with(url: string, keyPrefix: string): DynamicModule {
    return {
      module: InjectedRedisAppModule,
      imports: [
        RedisModule.forRoot(url),
        SessionModule.forRootAsync({
          imports: [RedisModule.forRoot(url)],
          inject: [REDIS_CLIENT],
          useFactory: (client: Redis) => ({ type: 'redis', client, keyPrefix }),
        }),
      ],
      controllers: [SessionTestController],
      providers: [LoggedInGuard],
    };
  }
}
