/**
 * The storage contract shared by the RocksDB implementation and the in-memory twin.
 * Keys and values are Buffers end to end and keys order byte-wise (Buffer.compare).
 */

/**
 * Column families, created on first open. Order is irrelevant to RocksDB; it is the
 * order in which snapshots create their cursors. Adding a family is backwards
 * compatible (it is created on the next open); removing one is not (RocksDB refuses to
 * open a database without listing every family it has), so never remove an entry.
 */
export const COLUMN_FAMILIES = [
  'default',
  'raft_log',
  'raft_state',
  'meta',
  'sub',
  'zscore',
  'expire',
  'stream',
  // SQL tables (crates-ts/sql): catalog, rows by (table id, primary key), secondary indexes.
  // Redis data never lives here; FLUSHALL / FLUSHDB do not touch them.
  'sql_catalog',
  'sql_rows',
  'sql_index',
] as const;
export type ColumnFamily = (typeof COLUMN_FAMILIES)[number];

/** Most rows one `nextBatch` call may ask for: bounds the memory of a single native call. */
export const NEXT_BATCH_ROWS_MAX = 65_536;
/** The binding reads `limit` as an int32. */
export const ITERATOR_LIMIT_MAX = 0x7fff_ffff;

/**
 * A key range. At most one lower bound (`gte` or `gt`) and one upper bound (`lt` or
 * `lte`). `reverse` iterates from the upper end down. `limit` caps the rows the
 * iterator returns in total (absent: no cap).
 */
export interface RangeOptions {
  gte?: Buffer;
  gt?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  reverse?: boolean;
  limit?: number;
}

export interface StorageIterator {
  /**
   * Up to `max` rows, flattened [k0, v0, k1, v1, ...] (so at most 2*max elements); an
   * empty array means the end (and every later call returns an empty array too).
   * Synchronous. `max` is 1..NEXT_BATCH_ROWS_MAX.
   */
  nextBatch(max: number): Buffer[];
  /** Releases the native iterator (and what it pins). Idempotent. */
  close(): void;
}

export interface StorageReader {
  /** Synchronous point read; undefined when absent. */
  get(cf: ColumnFamily, key: Buffer): Buffer | undefined;
  /** Synchronous multi-get in one native call; results in the order of `keys`. */
  getMany(cf: ColumnFamily, keys: Buffer[]): (Buffer | undefined)[];
  /** Synchronous; the iterator sees the state at the moment it was created. */
  iterator(cf: ColumnFamily, range: RangeOptions): StorageIterator;
}

export interface WriteBatch {
  /** Keys must be non-empty. Key and value are copied when added. */
  put(cf: ColumnFamily, key: Buffer, value: Buffer): void;
  del(cf: ColumnFamily, key: Buffer): void;
  /**
   * Deletes [start, end). There is no native range delete inside a batch in the
   * binding, so this scans the range NOW (the live database, plus keys put earlier in
   * this batch) and adds one `del` per key: cost O(keys in range) time and batch
   * memory. Keys written to the database by another batch between this call and
   * `write` are not deleted. For dropping large ranges see `Storage.clearRange`.
   */
  deleteRange(cf: ColumnFamily, start: Buffer, end: Buffer): void;
  /** Operations added (a deleteRange counts one per key it deleted). */
  readonly count: number;
  /** Approximate bytes of keys + values added. */
  readonly byteLength: number;
}

export interface StorageSnapshot extends StorageReader {
  /** Releases every cursor the snapshot holds. Idempotent; reads after it throw. */
  release(): void;
}

export interface Storage extends StorageReader {
  batch(): WriteBatch;
  /**
   * Atomically writes the batch (all column families). `sync: true` fsyncs the WAL
   * before returning, blocking the event loop (the write paths use `syncWrites` instead).
   * A batch can be written once; it is spent afterwards. A thrown SeshatError('STORAGE')
   * from a sync write must be treated as fatal (the state of the WAL is unknown).
   */
  write(batch: WriteBatch, options: { sync: boolean }): void;
  /**
   * Makes every write made before the call durable without blocking the event loop (the
   * WAL is fdatasynced in the thread pool, wal-sync.ts; concurrent callers share rounds).
   * Rejects with SeshatError('STORAGE') if an fsync failed: treat as fatal.
   */
  syncWrites(): Promise<void>;
  /** syncWrites rounds completed (each fdatasyncs the WAL once for every caller it covers). */
  readonly syncRounds: number;
  /**
   * A consistent read view over all column families: every read through it sees the
   * database as of the call, however many event-loop turns later it is used. Holding it
   * pins memtables and SST files (space) until `release`.
   */
  snapshot(): StorageSnapshot;
  /**
   * Immediately deletes [start, end) with one range tombstone (O(1), not part of any
   * batch, not fsynced by itself: a later sync write fsyncs it too since the WAL is
   * ordered). Idempotent, so safe to redo when re-applying a log entry after a crash.
   */
  clearRange(cf: ColumnFamily, start: Buffer, end: Buffer): void;
  /** RocksDB property for INFO, e.g. 'rocksdb.estimate-num-keys'; undefined if unknown. */
  property(cf: ColumnFamily, name: string): string | undefined;
  close(): Promise<void>;
  /** Data directory; null for in-memory storage. */
  readonly path: string | null;
}
