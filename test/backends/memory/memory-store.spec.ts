import { MemoryStore } from 'nestjs-server-session';
import { describeSessionStore } from 'nestjs-server-session/testing';

// Through the package's own `./testing` export, as a custom store's test file runs it.
describeSessionStore('memory', () => new MemoryStore(), {
  shortTtlMs: 100,
  // The map itself: `get` drops an expired entry it meets, so only the map shows `deleteExpired` worked.
  holds: (key, store) => (store as unknown as { entries: Map<string, unknown> }).entries.has(key),
});
