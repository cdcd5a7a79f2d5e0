export { FileSystemSessionInterface } from './filesystem.session-interface';
export { FileSystemStore, type FileSystemStoreOptions } from './filesystem.store';
