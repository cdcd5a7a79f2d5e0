import type { DynamicModule, INestApplication } from '@nestjs/common';
import { sessionOptionsFromConfig, SessionConfigError, type SessionModuleOptions } from '../../lib';
import { SessionTestModule } from '../suites/session/session-test.module';
import { createApp } from './platforms';

/**
 * One Express app at a time for a store's configuration tests, closed after
 * each test (or earlier with `close()`).
 */
export function configApp() {
  let current: INestApplication | undefined;
  const close = async () => {
    const app = current;
    current = undefined;
    await app?.close();
  };
  afterEach(close);

  const openModule = async (module: DynamicModule) => {
    await close();
    current = await createApp('express', module);
    return current;
  };
  const open = (options: SessionModuleOptions) => openModule(SessionTestModule.with(options));

  return {
    open,
    openModule,
    close,
    /** The app the last `open` started. */
    get app(): INestApplication {
      if (!current) throw new Error('no app is open');
      return current;
    },
    /** Flask keys that must fail at startup with a SessionConfigError naming `key`. */
    async expectRefused(config: Record<string, unknown>, key: string) {
      const started = open(sessionOptionsFromConfig(config));
      await expect(started).rejects.toThrow(SessionConfigError);
      await expect(started).rejects.toThrow(key);
    },
  };
}
