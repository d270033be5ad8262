/**
 * The only file that touches `@nxtedition/rocksdb` (which ships no types). It declares
 * the small part of the binding we use and nothing else; everything here is the
 * binding's own (partly underscore-prefixed) synchronous API, verified against
 * @nxtedition/rocksdb 12.2.12 (index.js, iterator.js, chained-batch.js, binding.cc).
 *
 * Why a dependency: it is the maintained RocksDB binding with column families, sync
 * reads (`_getManySync`), sync iteration (`_nextvSync`) and batches across families;
 * the older `rocksdb` package silently ignores the column option.
 */
import { createRequire } from 'node:module';

/** Opaque native column family handle (a napi external). */
export type NativeColumn = { readonly __nativeColumn: unique symbol };

/** Per-column-family options the binding reads in `InitOptions` (binding.cc). */
export interface NativeColumnOptions {
  /** Block cache bytes, a separate cache per family (binding default 8 MiB). 0 disables it. */
  cacheSize?: number;
  /** 'point-lookup': hash index in data blocks, ribbon filter, memtable whole-key bloom. */
  optimize?: 'point-lookup';
  /** zstd compression of SST files (binding default true). */
  compression?: boolean;
  /**
   * The binding's tuned level-style compaction (InitOptions in binding.cc): write buffers of a
   * quarter of `memtableMemoryBudget`, up to 6 of them, L0 compacted at 2 files, L1 sized like
   * the budget, L0/L1 uncompressed. Unset: RocksDB's defaults (one 64 MiB write buffer).
   */
  compaction?: 'level';
  /** Bytes for this family's memtables when `compaction` is set (binding default 256 MiB). */
  memtableMemoryBudget?: number;
}

export interface NativeOpenOptions extends NativeColumnOptions {
  createIfMissing?: boolean;
  /** Background flush/compaction threads (binding default: cores / 2). */
  parallelism?: number;
  /** zstd compression of the WAL (binding default true). */
  walCompression?: boolean;
  columns: Record<string, NativeColumnOptions>;
}

export interface NativeReadOptions {
  column: NativeColumn;
  valueEncoding: 'buffer';
  fillCache?: boolean;
}

export interface NativeIteratorOptions {
  column: NativeColumn;
  keyEncoding: 'buffer';
  valueEncoding: 'buffer';
  reverse: boolean;
  /** -1: unlimited. */
  limit: number;
  keys?: boolean;
  values?: boolean;
  fillCache?: boolean;
  gte?: Buffer;
  gt?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
}

/** Rows are flattened [k0, v0, k1, v1, ...]; a value is undefined when `values: false`. */
export interface NativeNextv {
  rows: Buffer[];
  finished: boolean;
}

export interface NativeIterator {
  _nextvSync(count: number, options?: unknown): NativeNextv;
  /** Forward: first key >= target. Reverse: last key <= target. Target must be non-empty. */
  _seekSync(target: Buffer): void;
  _closeSync(): void;
}

export interface NativeBatch {
  _put(key: Buffer, value: Buffer, options: { column: NativeColumn }): void;
  _del(key: Buffer, options: { column: NativeColumn }): void;
  _writeSync(options: { sync: boolean }): void;
  _closeSync(): void;
  readonly length: number;
}

export interface NativeDb {
  open(options: NativeOpenOptions): Promise<void>;
  close(): Promise<void>;
  readonly status: string;
  readonly columns: Record<string, NativeColumn>;
  /** Latest sequence number: changes on every write to any family. */
  readonly sequence: number;
  getProperty(name: string): string;
  _getManySync(keys: Buffer[], options: NativeReadOptions): (Buffer | undefined | null)[];
  _iterator(options: NativeIteratorOptions): NativeIterator;
  _chainedBatch(): NativeBatch;
  /** Runs the native clear synchronously; reports its outcome through the callback. */
  _clear(
    options: { column: NativeColumn; gte: Buffer; lt: Buffer; limit: -1 },
    cb: (err: Error | null) => void,
  ): void;
  detachResource(resource: unknown): void;
}

interface RocksModule {
  RocksLevel: new (location: string, options: { columns: Record<string, NativeColumnOptions> }) => NativeDb;
}

const require = createRequire(import.meta.url);
const rocks = require('@nxtedition/rocksdb') as RocksModule;

export function createNativeDb(location: string, columns: Record<string, NativeColumnOptions>): NativeDb {
  return new rocks.RocksLevel(location, { columns });
}

/**
 * Creates a native iterator. abstract-level registers every iterator and batch as a
 * "resource" of the database in a Set until closed through its async API; we close
 * through the sync API, so we detach at once (else the Set grows forever). The native
 * database still closes open iterators itself when it closes (Database::Close).
 */
export function createNativeIterator(db: NativeDb, options: NativeIteratorOptions): NativeIterator {
  const it = db._iterator(options);
  db.detachResource(it);
  return it;
}

export function createNativeBatch(db: NativeDb): NativeBatch {
  const batch = db._chainedBatch();
  db.detachResource(batch);
  return batch;
}
