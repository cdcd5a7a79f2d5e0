import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SessionInterface } from '../core/session-interface';
import { SessionStoreUnavailableError } from '../session.errors';

/** The store's own words: the cause of a 503, or the error itself. */
function storeError(error: unknown): string {
  const cause = error instanceof SessionStoreUnavailableError ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * A `@nestjs/terminus` health indicator of the session store: one read of a
 * random id, bounded by `storeTimeout`. `up`, or `down` with the store's error.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.session.isHealthy()]); }
 * ```
 */
@Injectable()
export class SessionHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly sessions: SessionInterface,
  ) {}

  /** @param key the name of the result, `session` by default */
  async isHealthy<const Key extends string = 'session'>(
    key: Key = 'session' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    try {
      await this.sessions.checkStore();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: storeError(error) });
    }
  }
}
