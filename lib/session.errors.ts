import { ServiceUnavailableException, InternalServerErrorException } from '@nestjs/common';

/** A store call failed or exceeded `storeTimeout`; the request answers 503. */
export class SessionStoreUnavailableError extends ServiceUnavailableException {
  constructor(
    readonly operation: string,
    cause?: unknown,
  ) {
    super('Session store unavailable', { cause, description: 'Service Unavailable' });
  }
}

/** Bad module configuration, raised at startup; the message names the key. */
export class SessionConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'SessionConfigError';
  }
}

/** A write to the null session, used when no store is configured. */
export class SessionNotConfiguredError extends InternalServerErrorException {
  constructor() {
    super(
      'The session is unavailable because no session store is configured. ' +
        "Set SESSION_TYPE (e.g. 'filesystem' or 'redis') or pass `type` / `store` " +
        'to SessionModule.forRoot().',
    );
  }
}

/** The session is larger than the store (or `maxSize`) accepts. */
export class SessionTooLargeError extends InternalServerErrorException {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`Session data is ${size} bytes, above the limit of ${limit} bytes; it was not saved`);
  }
}
