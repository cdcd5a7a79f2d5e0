import { SSE_METADATA } from '@nestjs/common/constants';
import { ServerSideSession, SESSION_STATE } from '../core/server-side-session';
import { isSavedByResponse } from '../core/session-interface';
import { saveAfterError, saveAfterResult } from './session-saving';

type Handler = (this: unknown, ...args: unknown[]) => unknown;

const wrapped = new WeakSet<Handler>();

/**
 * Makes the handler `target[key]` save the session it takes as argument
 * `index` where its response does not: an SSE handler's session before each
 * event (the response itself only saves before its headers and at its end),
 * and a session whose response is unknown once the handler has run, also
 * when it throws. Done by wrapping the handler rather than by an interceptor:
 * with Nest 11 on Node 20 an interceptor alone costs a route more CPU than
 * all the session work (see the README's performance section). Parameter
 * decorators run before the method's own decorators, which put the original
 * method back, so the handler is replaced once its class has been defined,
 * long before Nest registers its routes.
 */
export function saveSessionAfterHandler(target: object, key: string | symbol, index: number): void {
  void Promise.resolve().then(() => wrapHandler(target, key, index));
}

function wrapHandler(target: object, key: string | symbol, index: number): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  const original = descriptor?.value as Handler | undefined;
  if (typeof original !== 'function' || wrapped.has(original)) return;
  const sse = Reflect.getMetadata(SSE_METADATA, original) === true;

  const handler: Handler = function (this: unknown, ...args: unknown[]): unknown {
    const session = args[index];
    const save = session instanceof ServerSideSession ? session[SESSION_STATE].commit : undefined;
    // Called outside a request Nest routed (a unit test, say): nothing to save.
    if (!save || (!sse && isSavedByResponse(session as ServerSideSession)))
      return original.apply(this, args);
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      return saveAfterError(save, error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => saveAfterResult(value, save),
        (error: unknown) => saveAfterError(save, error),
      );
    }
    return saveAfterResult(result, save);
  };

  // Nest reads routes, guards, interceptors and the rest from metadata on the handler.
  for (const metadataKey of Reflect.getOwnMetadataKeys(original) as unknown[]) {
    Reflect.defineMetadata(metadataKey, Reflect.getOwnMetadata(metadataKey, original), handler);
  }
  Object.defineProperty(handler, 'name', { value: original.name });
  Object.defineProperty(handler, 'length', { value: original.length });
  wrapped.add(handler);
  Object.defineProperty(target, key, { ...descriptor, value: handler });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
