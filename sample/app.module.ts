import { Module, type DynamicModule } from '@nestjs/common';
import { SessionModule, sessionOptionsFromConfig, type ConfigSource } from '../lib';
import { SAMPLE_STORE_NAME } from './sample.constants';
import { ShopController } from './shop.controller';

/**
 * The sample shop. Sessions are configured with Flask-Session's keys from
 * `env` (normally `process.env`); without SESSION_TYPE it uses the filesystem
 * store in ./flask_session, which needs no server.
 */
@Module({})
export class AppModule {
  static fromEnv(env: Readonly<Record<string, unknown>>): DynamicModule {
    const source: ConfigSource = { SESSION_TYPE: 'filesystem', ...env };
    return {
      module: AppModule,
      imports: [SessionModule.forRoot(sessionOptionsFromConfig(source))],
      controllers: [ShopController],
      providers: [{ provide: SAMPLE_STORE_NAME, useValue: String(source.SESSION_TYPE) }],
    };
  }
}
