import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { SessionModule, sessionOptionsFromConfig } from '../../../lib';
import { LoggedInGuard, SessionTestController } from '../../suites/session/session-test.controller';

/** Options read with Flask's key names through @nestjs/config. */
@Module({
  imports: [
    SessionModule.forRootAsync({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [
            () => ({
              SESSION_TYPE: 'memory',
              SESSION_COOKIE_NAME: 'app_session',
              PERMANENT_SESSION_LIFETIME: 120,
            }),
          ],
        }),
      ],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => sessionOptionsFromConfig(config),
    }),
  ],
  controllers: [SessionTestController],
  providers: [LoggedInGuard],
})
export class ConfigSessionModule {}
