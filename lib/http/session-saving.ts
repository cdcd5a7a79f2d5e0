import { Logger } from '@nestjs/common';
import { isObservable, Observable } from 'rxjs';

const logger = new Logger('SessionModule');

/** Saves after a failed request, then fails with its error: the handler's error wins, a failed save is only logged. */
export async function saveAfterError(save: () => Promise<void>, error: unknown): Promise<never> {
  try {
    await save();
  } catch (saveError) {
    logger.error(`Saving the session after a failed request failed too: ${String(saveError)}`);
  }
  throw error;
}

/**
 * `source` with the session saved before each value is passed on, and after
 * an error. One hand-written Observable rather than an operator chain, as it
 * runs on every session request; values stay in order, each after the save
 * before it (like `concatMap`).
 */
export function saveBeforeEach<T>(source: Observable<T>, save: () => Promise<void>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let chain: Promise<unknown> = Promise.resolve();
    const inner = source.subscribe({
      next: (value) => {
        chain = chain.then(save).then(
          () => subscriber.next(value),
          (error: unknown) => subscriber.error(error),
        );
      },
      error: (error: unknown) => {
        chain = chain.then(() =>
          saveAfterError(save, error).catch((failure: unknown) => subscriber.error(failure)),
        );
      },
      complete: () => {
        chain = chain.then(() => subscriber.complete());
      },
    });
    return () => inner.unsubscribe();
  });
}

/**
 * A handler's result once the session is saved: a value after `saveLast`, an
 * Observable saving before each value.
 */
export function saveAfterResult(
  value: unknown,
  save: () => Promise<void>,
  saveLast = save,
): unknown {
  return isObservable(value) ? saveBeforeEach(value, save) : saveLast().then(() => value);
}
