// Module
export { SessionModule } from './session.module';
export { SESSION_MODULE_OPTIONS } from './session.module-definition';

// Decorators and the interceptor of @UseSession()
export { Session, UseSession } from './session.decorator';
export { SessionInterceptor } from './session.interceptor';

// Session, session interfaces, store contract, options and client types
export { ServerSideSession, NullSession } from './core/server-side-session';
export { SessionInterface } from './core/session-interface';
export { ServerSideSessionInterface } from './core/server-side-session-interface';
export { TaggedJsonSerializer } from './core/serializer';
export * from './interfaces';

// Errors
export {
  SessionStoreUnavailableError,
  SessionConfigError,
  SessionNotConfiguredError,
  SessionTooLargeError,
} from './session.errors';

// Configuration from Flask keys
export { sessionOptionsFromConfig, type ConfigSource } from './session-options.from-config';
export { SESSION_TYPES } from './backends/session-backends';

// Backends
export * from './backends/null';
export * from './backends/memory';
export * from './backends/filesystem';
export * from './backends/redis';
export * from './backends/memcached';
export * from './backends/mongodb';
export * from './backends/sql';
export * from './backends/dynamodb';
export * from './backends/firestore';
export * from './backends/datastore';
export * from './backends/elasticsearch';
