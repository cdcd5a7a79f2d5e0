/**
 * A random pause before retry `attempt` (1, 2, …) of a write that lost to a
 * concurrent one: up to 2^attempt ms, at most `maxMs`, so writers that keep
 * colliding spread out.
 */
export function backoff(attempt: number, maxMs: number): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(resolve, Math.random() * Math.min(maxMs, 2 ** attempt)),
  );
}
