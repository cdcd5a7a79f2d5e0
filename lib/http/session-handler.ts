import { ServerSideSession, SESSION_STATE } from '../core/server-side-session';
import { saveAfterError, saveAfterResult } from './session-saving';

type Handler = (this: unknown, ...args: unknown[]) => unknown;

const wrapped = new WeakSet<Handler>();

/**
 * Makes the handler `target[key]` save the session it takes as argument
 * `index` once it has run, also when it throws; its response then saves again
 * only what changed since. The response could save it alone, but holding a
 * Fastify reply back costs more than saving here (measured). Done by wrapping
 * the handler rather than by an interceptor: with Nest 11 on Node 20 an
 * interceptor alone costs a route more CPU than all the session work (see the
 * README's performance section). Parameter decorators run before the
 * method's own decorators, which put the original method back, so the
 * handler is replaced once its class has been defined, long before Nest
 * registers its routes.
 */
export function saveSessionAfterHandler(target: object, key: string | symbol, index: number): void {
  void Promise.resolve().then(() => wrapHandler(target, key, index));
}

function wrapHandler(target: object, key: string | symbol, index: number): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  const original = descriptor?.value as Handler | undefined;
  if (typeof original !== 'function' || wrapped.has(original)) return;

  const handler: Handler = function (this: unknown, ...args: unknown[]): unknown {
    const session = args[index];
    const state = session instanceof ServerSideSession ? session[SESSION_STATE] : undefined;
    const save = state?.commit;
    // Called outside a request Nest routed (a unit test, say): nothing to save.
    if (!state || !save) return original.apply(this, args);
    // The handler is done with the data: what the response checks before its
    // headers go out is only what was written or handed out since, so an
    // unchanged session is not serialized a second time.
    const saveLast = () => save().then(() => void (state.mayDiffer = false));
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      return saveAfterError(saveLast, error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => saveAfterResult(value, save, saveLast),
        (error: unknown) => saveAfterError(saveLast, error),
      );
    }
    return saveAfterResult(result, save, saveLast);
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
