export { DEFAULT_MEMORY_MAX_ENTRIES, MemoryStore, type MemoryStoreOptions } from './memory.store';
export { MemorySessionInterface } from './memory.session-interface';
