export { MemoryStore } from './memory.store';
export { MemorySessionInterface } from './memory.session-interface';
