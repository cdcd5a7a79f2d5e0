export { RedisSessionInterface } from './redis.session-interface';
export { RedisStore, type RedisStoreOptions } from './redis.store';
