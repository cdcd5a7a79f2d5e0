/** Metadata set by `@Session()` on a handler, so the interceptor loads the session before it runs. */
export const SESSION_PARAM_METADATA = 'nestjs-server-session:param';
