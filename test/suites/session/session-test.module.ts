import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { SessionModule, sessionOptionsFromConfig, type SessionModuleOptions } from '../../../lib';
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

  /**
   * The same app configured the documented way: Flask's key names read through
   * `@nestjs/config` by `sessionOptionsFromConfig`. Only `config` counts, not
   * the environment of the test process.
   */
  static fromConfig(config: Record<string, unknown>): DynamicModule {
    return {
      module: SessionTestModule,
      imports: [
        SessionModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              skipProcessEnv: true,
              load: [() => config],
            }),
          ],
          inject: [ConfigService],
          useFactory: (configService: ConfigService) => sessionOptionsFromConfig(configService),
        }),
      ],
      controllers: [SessionTestController],
      providers: [LoggedInGuard],
    };
  }
}
