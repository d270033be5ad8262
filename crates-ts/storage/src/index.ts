export * from './types.js';
export { MemoryStorage, type MemoryStorageOptions } from './memory.js';
export { openRocksStorage, RocksStorage, type RocksStorageOptions } from './rocks.js';
export { RocksSnapshot } from './rocks-snapshot.js';
export { listColumnFamilies } from './open.js';
export { WalSync, type WalSyncStats } from './wal-sync.js';
