import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isSessionType, SESSION_BACKENDS, SESSION_TYPES } from './backends/session-backends';
import { ServerSideSessionInterface } from './core/server-side-session-interface';
import { SessionInterface } from './core/session-interface';
import {
  SessionStore,
  type BackendSessionOptions,
  type CustomInterfaceSessionOptions,
  type CustomStoreSessionOptions,
  type SessionModuleOptions,
  type SessionOptionsByType,
  type SessionType,
} from './interfaces';
import { SESSION_MODULE_OPTIONS } from './session.module-definition';
import { SessionConfigError } from './session.errors';
import { hasMethods } from './utils/validation.util';

const isStore = (value: unknown) => hasMethods<SessionStore>(value, ['get', 'set', 'delete']);

function isCustomInterface(
  options: SessionModuleOptions,
): options is CustomInterfaceSessionOptions {
  return 'sessionInterface' in options;
}

function isCustomStore(options: SessionModuleOptions): options is CustomStoreSessionOptions {
  return 'store' in options && options.store !== undefined;
}

async function customStoreInterface(
  options: CustomStoreSessionOptions,
  moduleRef: ModuleRef,
): Promise<SessionInterface> {
  const { store } = options;
  // A class is built here through DI, so it is ours to close; an instance stays the caller's.
  const built = typeof store === 'function';
  const instance: unknown = built ? await moduleRef.create(store) : store;
  if (!isStore(instance)) {
    throw new SessionConfigError(
      'store',
      'expected a SessionStore (an object or class with get, set and delete)',
    );
  }
  return new ServerSideSessionInterface(instance, options, built);
}

async function customInterface(
  options: CustomInterfaceSessionOptions,
  moduleRef: ModuleRef,
): Promise<SessionInterface> {
  const given = options.sessionInterface;
  const instance: unknown = typeof given === 'function' ? await moduleRef.create(given) : given;
  if (!(instance instanceof SessionInterface)) {
    throw new SessionConfigError(
      'sessionInterface',
      'expected a SessionInterface instance or a class extending SessionInterface',
    );
  }
  return instance;
}

function buildBackend<T extends SessionType>(
  type: T,
  options: SessionOptionsByType[T],
  moduleRef: ModuleRef,
): SessionInterface | Promise<SessionInterface> {
  return SESSION_BACKENDS[type].fromOptions(options, moduleRef);
}

/** Builds the session interface the options describe; bad options fail here, at startup. */
export async function createSessionInterface(
  options: SessionModuleOptions,
  moduleRef: ModuleRef,
): Promise<SessionInterface> {
  if (options === null || typeof options !== 'object') {
    throw new SessionConfigError('SessionModule options', 'expected an object');
  }
  if (isCustomInterface(options)) return customInterface(options, moduleRef);
  if (isCustomStore(options)) return customStoreInterface(options, moduleRef);
  const backend: BackendSessionOptions = options;
  const type = backend.type ?? 'null';
  if (!isSessionType(type)) {
    throw new SessionConfigError(
      'type (SESSION_TYPE)',
      `expected one of ${SESSION_TYPES.join(', ')}, got "${String(type)}"`,
    );
  }
  return buildBackend(type, backend, moduleRef);
}

/** The session interface the module's options describe, and its store (`null` for a custom interface). */
export const SESSION_PROVIDERS: Provider[] = [
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
];
