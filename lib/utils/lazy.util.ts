/**
 * A value made once, on first use, by an async step (loading a client package,
 * connecting, creating a table). A failed attempt is forgotten, so the next
 * use tries again: a server that was down at startup is picked up once it is back.
 */
export class Lazy<T> {
  private pending?: Promise<T>;

  constructor(private readonly create: () => Promise<T>) {}

  /** The value, made now if it was not yet (or if the last attempt failed). */
  get(): Promise<T> {
    if (!this.pending) {
      const attempt = this.create().catch((error: unknown) => {
        if (this.pending === attempt) this.pending = undefined;
        throw error;
      });
      this.pending = attempt;
    }
    return this.pending;
  }

  /** Whether an attempt was started and not forgotten. */
  get started(): boolean {
    return this.pending !== undefined;
  }

  /** Forgets the value and hands back what was made, if anything was (`undefined` when that failed). */
  async reset(): Promise<T | undefined> {
    const pending = this.pending;
    this.pending = undefined;
    return pending?.catch(() => undefined);
  }
}
