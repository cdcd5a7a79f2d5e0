import { Logger } from '@nestjs/common';
import { MemoryStore, ServerSideSessionInterface, type SessionStore } from '../../lib';

/**
 * A store that keeps expired entries and records its sweeps; with `hold`, a
 * sweep runs until `finish()`.
 */
class SweptStore extends MemoryStore {
  static readonly made: SweptStore[] = [];
  needsSweep = true;
  hold = false;
  sweeps = 0;
  private pending: (() => void)[] = [];
  constructor() {
    super();
    SweptStore.made.push(this);
  }
  override deleteExpired(): Promise<number> {
    this.sweeps++;
    if (!this.hold) return Promise.resolve(0);
    return new Promise((resolve) => this.pending.push(() => resolve(0)));
  }
  finish(): void {
    this.pending.splice(0).forEach((resolve) => resolve());
  }
}

describe('background sweep', () => {
  const opened: ServerSideSessionInterface[] = [];
  const open = (store: SessionStore, cleanupInterval?: number) => {
    const sessions = new ServerSideSessionInterface(store, { cleanupInterval });
    opened.push(sessions);
    return sessions;
  };

  beforeEach(() => jest.useFakeTimers());
  afterEach(async () => {
    jest.useRealTimers();
    // A failed test leaves no sweep running to hold up the next one.
    for (const store of SweptStore.made.splice(0)) store.finish();
    for (const sessions of opened.splice(0)) await sessions.close();
  });

  it('runs every cleanupInterval, one sweep at a time, on a timer that never holds the process', async () => {
    const interval = jest.spyOn(global, 'setInterval');
    const store = Object.assign(new SweptStore(), { hold: true });
    open(store, 1000);
    const timer = interval.mock.results[0].value as NodeJS.Timeout;
    interval.mockRestore();
    expect(timer.hasRef()).toBe(false);
    await jest.advanceTimersByTimeAsync(999);
    expect(store.sweeps).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.sweeps).toBe(1);
    // Still running: the next ticks neither start nor queue another.
    await jest.advanceTimersByTimeAsync(3000);
    expect(store.sweeps).toBe(1);
    store.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(store.sweeps).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(store.sweeps).toBe(2);
    store.finish();
  });

  it('runs one sweep at a time in the process, across stores', async () => {
    const first = Object.assign(new SweptStore(), { hold: true });
    const second = Object.assign(new SweptStore(), { hold: true });
    open(first, 1000);
    open(second, 1000);
    await jest.advanceTimersByTimeAsync(1000);
    expect([first.sweeps, second.sweeps]).toEqual([1, 0]);
    first.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect([first.sweeps, second.sweeps]).toEqual([1, 1]);
    second.finish();
  });

  it('defaults to every 5 minutes, and leaves stores with a TTL of their own alone', async () => {
    const swept = new SweptStore();
    const native = Object.assign(new SweptStore(), { needsSweep: false });
    open(swept);
    open(native);
    await jest.advanceTimersByTimeAsync(5 * 60_000 - 1);
    expect(swept.sweeps).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(swept.sweeps).toBe(1);
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    expect(swept.sweeps).toBe(2);
    expect(native.sweeps).toBe(0);
  });

  it('is off with cleanupInterval 0, and stops on close', async () => {
    const off = new SweptStore();
    open(off, 0);
    const closed = new SweptStore();
    const sessions = open(closed, 1000);
    await sessions.close();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(off.sweeps).toBe(0);
    expect(closed.sweeps).toBe(0);
  });

  it('logs a failed sweep and tries again at the next tick', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = new SweptStore();
    let calls = 0;
    store.deleteExpired = () => Promise.reject(new Error(`down ${++calls}`));
    open(store, 1000);
    await jest.advanceTimersByTimeAsync(2000);
    expect(error.mock.calls.map(([message]) => String(message))).toEqual([
      'Removing expired sessions failed: down 1',
      'Removing expired sessions failed: down 2',
    ]);
    error.mockRestore();
  });
});
