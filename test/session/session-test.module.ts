import { Module, type DynamicModule } from '@nestjs/common';
import { SessionModule, type SessionModuleOptions } from '../../lib';
import { LoggedInGuard, SessionTestController } from './session-test.controller';

/** A small app exercising the session API, on any store the options choose. */
@Module({})
export class SessionTestModule {
  static with(options: SessionModuleOptions): DynamicModule {
    return {
      module: SessionTestModule,
      imports: [SessionModule.forRoot(options)],
      controllers: [SessionTestController],
      providers: [LoggedInGuard],
    };
  }
}
