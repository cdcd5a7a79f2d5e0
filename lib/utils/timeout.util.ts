/** What a call that took longer than its bound fails with. */
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * What a bounded call is given: `signal`, made only when asked for, aborts at
 * the deadline, so a client that takes one cancels the call instead of letting
 * it land after its caller gave up.
 */
export interface Deadline {
  readonly signal: AbortSignal;
}

class LazyDeadline implements Deadline {
  private controller?: AbortController;
  private reason?: TimeoutError;

  get signal(): AbortSignal {
    if (this.reason) return AbortSignal.abort(this.reason);
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  expire(reason: TimeoutError): void {
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * Runs `run` and settles with it, or fails with a {@link TimeoutError} after
 * `ms`, when `run`'s deadline signal aborts; `mapError` turns any failure into the error to report. A plain Promise
 * rather than `Promise.race` over an async function: it bounds every store call.
 */
export function withTimeout<T>(
  run: (deadline: Deadline) => Promise<T>,
  ms: number,
  mapError: (error: unknown) => unknown = (error) => error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return; // a call failing after its timeout was already reported
      settled = true;
      clearTimeout(timer);
      reject(mapError(error));
    };
    const deadline = new LazyDeadline();
    const timer = setTimeout(() => {
      const error = new TimeoutError(ms);
      fail(error);
      deadline.expire(error);
    }, ms);
    let pending: Promise<T>;
    try {
      pending = run(deadline);
    } catch (error) {
      fail(error);
      return;
    }
    pending.then((value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }, fail);
  });
}

/**
 * Waits at most `ms` for `work` (a startup step such as connecting or creating
 * an index) and says what went wrong, if anything; the work may go on after.
 */
export async function failureWithin(
  work: () => Promise<unknown>,
  ms: number,
): Promise<Error | undefined> {
  try {
    await withTimeout(work, ms);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
