import { Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SessionInterface } from './core/session-interface';
import {
  linkFastifyResponses,
  prepareExpressResponses,
  registerAppSessions,
} from './http/app-sessions';
import { SessionStore } from './interfaces';
import { ConfigurableModuleClass } from './session.module-definition';
import { SESSION_PROVIDERS } from './session.providers';

/**
 * Server-side sessions. `SessionModule.forRoot(options)` or
 * `SessionModule.forRootAsync({ imports, inject, useFactory })`; global by default.
 */
@Module({
  providers: SESSION_PROVIDERS,
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

  /** Lets `@Session()` find this app's sessions, and the response of a request, from a request. */
  onModuleInit(): void {
    // No HTTP adapter in a standalone application context.
    const adapter = this.adapterHost.httpAdapter;
    const app: unknown = adapter?.getInstance();
    if (!app || (typeof app !== 'object' && typeof app !== 'function')) return;
    registerAppSessions(app, this.sessions);
    const type = adapter.getType();
    if (type === 'fastify') linkFastifyResponses(app as Parameters<typeof linkFastifyResponses>[0]);
    if (type === 'express')
      prepareExpressResponses(app as Parameters<typeof prepareExpressResponses>[0]);
  }

  /** Closes the store this module opened; a client or store you passed in stays open. */
  async onApplicationShutdown(): Promise<void> {
    await this.sessions.close();
  }
}
