import type { Logger } from '@nestjs/common';
import type { SessionStore } from '../interfaces';
import { failureWithin, withTimeout } from '../utils/timeout.util';

/** Longest a sweep may run before it counts as failed (and the next one may start). */
const MIN_SWEEP_BOUND_MS = 60_000;

/** How long shutdown waits for a sweep under way before closing the store anyway. */
const STOP_WAIT_MS = 5000;

/** The sweep running in this process, whichever store it sweeps: sweeps run one at a time. */
let processSweep: Promise<unknown> = Promise.resolve();

/**
 * Removes the expired entries of a store without a TTL of its own, off the
 * request path: `deleteExpired()` every `intervalMs` on an `unref()`ed timer
 * (it never keeps the process alive), one sweep at a time in the process, a
 * failure logged and retried at the next tick. A store takes part when it says
 * `needsSweep`, read before each sweep so it may decide once it is connected.
 */
export class SessionSweeper {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: SessionStore,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts the timer; a no-op when `intervalMs` is 0 or the store has no `deleteExpired`. */
  start(): void {
    if (this.timer || this.stopped || !this.intervalMs || !this.store.deleteExpired) return;
    this.timer = setInterval(() => {
      if (this.store.needsSweep === true) void this.sweep();
    }, this.intervalMs);
    this.timer.unref();
  }

  /**
   * Runs one sweep now (after any other sweep of the process), or hands back
   * the one of this store already running. Never rejects.
   */
  sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    if (this.stopped || !this.store.deleteExpired) return Promise.resolve();
    const run = processSweep.then(() => this.runOnce());
    processSweep = run;
    this.sweeping = run.finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Stops the timer and waits a little for a sweep under way, so the store can be closed after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const running = this.sweeping;
    if (running) await failureWithin(() => running, STOP_WAIT_MS);
  }

  private async runOnce(): Promise<void> {
    if (this.stopped) return;
    const bound = Math.max(this.intervalMs, MIN_SWEEP_BOUND_MS);
    try {
      await withTimeout(() => this.store.deleteExpired!(), bound);
    } catch (error) {
      this.logger.error(
        `Removing expired sessions failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
