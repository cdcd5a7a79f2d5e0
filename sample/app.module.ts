import { Module, type DynamicModule } from '@nestjs/common';
import { SessionModule, sessionOptionsFromConfig, type ConfigSource } from '../lib';
import { AccountController } from './account.controller';
import { SAMPLE_STORE_NAME, SAMPLE_USERS } from './sample.constants';
import type { SampleUsers } from './sample-session';
import { ShopController } from './shop.controller';

/**
 * The sample shop. Sessions are configured with Flask-Session's keys from
 * `env` (normally `process.env`); without SESSION_TYPE it uses the filesystem
 * store in ./flask_session, which needs no server. The signed-in name is the
 * session's `userKey` (SESSION_USER_KEY, 'user' by default), which lets the
 * account page list and sign out the user's other devices. Memcached cannot
 * list a user's sessions (it refuses `userKey`), so there it stays off unless
 * SESSION_USER_KEY is set, and the account page says so.
 */
@Module({})
export class AppModule {
  static fromEnv(env: Readonly<Record<string, unknown>>): DynamicModule {
    const type = env.SESSION_TYPE ?? 'filesystem';
    const userKey = type === 'memcached' ? {} : { SESSION_USER_KEY: 'user' };
    const source: ConfigSource = { SESSION_TYPE: type, ...userKey, ...env };
    const users: SampleUsers = {
      key: String(source.SESSION_USER_KEY ?? 'user'),
      listed: source.SESSION_USER_KEY !== undefined,
    };
    return {
      module: AppModule,
      imports: [SessionModule.forRoot(sessionOptionsFromConfig(source))],
      controllers: [ShopController, AccountController],
      providers: [
        { provide: SAMPLE_STORE_NAME, useValue: String(source.SESSION_TYPE) },
        { provide: SAMPLE_USERS, useValue: users },
      ],
    };
  }
}
