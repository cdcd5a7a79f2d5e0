export { MemcachedSessionInterface } from './memcached.session-interface';
export { MemcachedStore, type MemcachedStoreOptions } from './memcached.store';
