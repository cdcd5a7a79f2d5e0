import { Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { registerAppSessions } from './http/app-sessions';
import { ServerSideSessionInterface } from './core/server-side-session-interface';
import { SessionInterface } from './core/session-interface';
import { createSessionInterface } from './session.providers';
import { ConfigurableModuleClass, SESSION_MODULE_OPTIONS } from './session.module-definition';
import type { SessionModuleOptions } from './interfaces/session-module-options.interface';
import { SessionStore } from './interfaces/session-store.interface';

/**
 * Server-side sessions. `SessionModule.forRoot(options)` or
 * `SessionModule.forRootAsync({ imports, inject, useFactory })`; global by default.
 */
@Module({
  providers: [
    {
      provide: SessionInterface,
      useFactory: (options: SessionModuleOptions, moduleRef: ModuleRef) =>
        createSessionInterface(options, moduleRef),
      inject: [SESSION_MODULE_OPTIONS, ModuleRef],
    },
    {
      provide: SessionStore,
      useFactory: (sessions: SessionInterface) =>
        sessions instanceof ServerSideSessionInterface ? sessions.store : null,
      inject: [SessionInterface],
    },
  ],
  exports: [SessionInterface, SessionStore],
})
export class SessionModule
  extends ConfigurableModuleClass
  implements OnModuleInit, OnApplicationShutdown
{
  constructor(
    private readonly sessions: SessionInterface,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    super();
  }

  /** Lets `@Session()` find this app's sessions from a request. */
  onModuleInit(): void {
    // No HTTP adapter in a standalone application context.
    const app: unknown = this.adapterHost.httpAdapter?.getInstance();
    if (app && (typeof app === 'object' || typeof app === 'function')) {
      registerAppSessions(app, this.sessions);
    }
  }

  /** Closes the store this module opened; a client or store you passed in stays open. */
  async onApplicationShutdown(): Promise<void> {
    await this.sessions.close();
  }
}
