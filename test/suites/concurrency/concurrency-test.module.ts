import { Module, type DynamicModule } from '@nestjs/common';
import { SessionModule, type SessionModuleOptions } from '../../../lib';
import { ConcurrencyTestController } from './concurrency-test.controller';

/** The concurrency suite's app, on any store the options choose. */
@Module({})
export class ConcurrencyTestModule {
  static with(options: SessionModuleOptions): DynamicModule {
    return {
      module: ConcurrencyTestModule,
      imports: [SessionModule.forRoot(options)],
      controllers: [ConcurrencyTestController],
    };
  }
}
