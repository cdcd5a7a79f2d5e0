import { Module, type DynamicModule } from '@nestjs/common';
import { SessionModule, type SessionModuleOptions } from '../../../lib';
import { UserSessionsTestController } from './user-sessions-test.controller';

/** The account pages of an app with `userKey: 'userId'`, on any store the options choose. */
@Module({})
export class UserSessionsTestModule {
  static with(options: SessionModuleOptions): DynamicModule {
    return {
      module: UserSessionsTestModule,
      imports: [SessionModule.forRoot({ userKey: 'userId', ...options } as SessionModuleOptions)],
      controllers: [UserSessionsTestController],
    };
  }
}
