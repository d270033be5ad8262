/**
 * The in-memory twin of RocksStorage for tests and the simulator. Same contract: byte-
 * wise order, ranges, reverse, limit, atomic batches, point-in-time iterators and
 * snapshots. Each family is a pair of sorted arrays; iterators and snapshots share
 * them copy-on-write (a write clones a family while an open iterator or unreleased
 * snapshot still holds it), so a reader never sees a later write. Inserts are O(n):
 * meant for test-sized data.
 *
 * Crash model (opt-in, `{ crashModel: true }`, for the simulator): the storage also keeps
 * what a machine crash would leave on disk. Writes are ordered like RocksDB's WAL; a
 * `write(..., {sync: true})` makes everything written so far durable, and `syncWrites()`
 * covers the writes made before the call but resolves only when the owner calls
 * `completeSync()` (so the test decides when the fsync finishes). `crash(n)` returns a new
 * storage holding the durable image plus the first `n` writes that were not durable yet
 * (a power loss may keep any prefix of the WAL), and closes this one. Without the option,
 * nothing changes: `syncWrites()` resolves at once and `crash` is refused.
 */
import { assert } from '@seshat/common';
import { BatchBase } from './batch.js';
import {
  aboveLower,
  assertBatchMax,
  assertColumnFamily,
  assertKey,
  belowUpper,
  checkRange,
  EmptyIterator,
  rangeIsEmpty,
} from './range.js';
import {
  COLUMN_FAMILIES,
  type ColumnFamily,
  type RangeOptions,
  type Storage,
  type StorageIterator,
  type StorageReader,
  type StorageSnapshot,
  type WriteBatch,
} from './types.js';

interface Table {
  keys: Buffer[];
  values: Buffer[];
  /** Open iterators and snapshots holding these arrays: a write must clone them first. */
  readers: number;
}

type Tables = Record<ColumnFamily, Table>;

/** Index of the first key >= `key` (or > `key` when `after`). */
function lowerIndex(keys: Buffer[], key: Buffer, after: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = Buffer.compare(keys[mid]!, key);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function findIndex(keys: Buffer[], key: Buffer): number {
  const i = lowerIndex(keys, key, false);
  return i < keys.length && keys[i]!.equals(key) ? i : -1;
}

function copy(buf: Buffer): Buffer {
  return Buffer.from(buf);
}

class MemoryIterator implements StorageIterator {
  private next: number;
  private remaining: number;
  private closed = false;
  private holding = true;

  constructor(
    private readonly owner: { assertOpen(): void },
    private readonly table: Table,
    private readonly range: RangeOptions,
    limit: number,
  ) {
    const keys = table.keys;
    this.remaining = limit;
    if (range.reverse) {
      const upper = range.lt ?? range.lte;
      this.next =
        upper === undefined ? keys.length - 1 : lowerIndex(keys, upper, range.lte !== undefined) - 1;
    } else {
      const lower = range.gte ?? range.gt;
      this.next = lower === undefined ? 0 : lowerIndex(keys, lower, range.gt !== undefined);
    }
  }

  nextBatch(max: number): Buffer[] {
    assertBatchMax(max);
    assert(!this.closed, 'iterator used after close');
    this.owner.assertOpen();
    const out: Buffer[] = [];
    const { keys, values } = this.table;
    const step = this.range.reverse ? -1 : 1;
    while (out.length < 2 * max && this.remaining > 0 && this.next >= 0 && this.next < keys.length) {
      const key = keys[this.next]!;
      if (!aboveLower(key, this.range) || !belowUpper(key, this.range)) {
        this.remaining = 0;
        break;
      }
      out.push(copy(key), copy(values[this.next]!));
      this.next += step;
      this.remaining--;
    }
    if (out.length === 0) this.release();
    return out;
  }

  close(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    if (this.holding) this.table.readers--;
    this.holding = false;
  }
}

/** Reads over one frozen or live set of tables. */
abstract class MemoryReader implements StorageReader {
  constructor(protected tables: Tables) {}

  abstract assertOpen(): void;

  get(cf: ColumnFamily, key: Buffer): Buffer | undefined {
    assertColumnFamily(cf);
    this.assertOpen();
    const table = this.tables[cf];
    const i = findIndex(table.keys, key);
    return i < 0 ? undefined : copy(table.values[i]!);
  }

  getMany(cf: ColumnFamily, keys: Buffer[]): (Buffer | undefined)[] {
    const out: (Buffer | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.get(cf, keys[i]!);
    return out;
  }

  iterator(cf: ColumnFamily, range: RangeOptions): StorageIterator {
    assertColumnFamily(cf);
    this.assertOpen();
    const limit = checkRange(range);
    if (rangeIsEmpty(range, limit)) return new EmptyIterator();
    const table = this.tables[cf];
    table.readers++;
    return new MemoryIterator(this, table, { ...range }, limit);
  }
}

class MemorySnapshot extends MemoryReader implements StorageSnapshot {
  private released = false;

  constructor(
    tables: Tables,
    private readonly storage: MemoryStorage,
  ) {
    super(tables);
  }

  assertOpen(): void {
    assert(!this.released, 'snapshot used after release');
    this.storage.assertOpen();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const cf of COLUMN_FAMILIES) this.tables[cf].readers--;
  }
}

type MemoryOp =
  | { kind: 'put'; cf: ColumnFamily; key: Buffer; value: Buffer }
  | { kind: 'del'; cf: ColumnFamily; key: Buffer };

/** One record of the write-ahead order (crash model): a batch's operations or a range clear. */
type WalRecord =
  | { kind: 'batch'; ops: readonly MemoryOp[] }
  | { kind: 'clear'; cf: ColumnFamily; start: Buffer; end: Buffer };

function emptyTables(): Tables {
  const tables = {} as Tables;
  for (const cf of COLUMN_FAMILIES) tables[cf] = { keys: [], values: [], readers: 0 };
  return tables;
}

function applyOp(table: Table, op: MemoryOp): void {
  const i = lowerIndex(table.keys, op.key, false);
  const found = i < table.keys.length && table.keys[i]!.equals(op.key);
  if (op.kind === 'put') {
    if (found) table.values[i] = op.value;
    else {
      table.keys.splice(i, 0, op.key);
      table.values.splice(i, 0, op.value);
    }
  } else if (found) {
    table.keys.splice(i, 1);
    table.values.splice(i, 1);
  }
}

function clearTable(table: Table, start: Buffer, end: Buffer): void {
  const from = lowerIndex(table.keys, start, false);
  const to = lowerIndex(table.keys, end, false);
  table.keys.splice(from, to - from);
  table.values.splice(from, to - from);
}

export interface MemoryStorageOptions {
  /** Keep the durable image for `crash()`; `syncWrites()` then waits for `completeSync()`. */
  crashModel?: boolean;
}

/** The durable side of the crash model: the image on disk and the writes not yet in it. */
class DurabilityModel {
  readonly disk: Tables = emptyTables();
  /** Writes not durable yet, oldest first; `base` is the sequence number of the first. */
  readonly wal: WalRecord[] = [];
  base = 0;
  /** syncWrites() calls not completed, oldest first: the sequence number each covers. */
  readonly syncs: { upTo: number; resolve: () => void }[] = [];

  get written(): number {
    return this.base + this.wal.length;
  }

  /** Writes with sequence number < `upTo` reach the disk image. */
  makeDurable(upTo: number): void {
    const n = Math.min(upTo - this.base, this.wal.length);
    if (n <= 0) return;
    for (const record of this.wal.splice(0, n)) {
      if (record.kind === 'clear') clearTable(this.disk[record.cf], record.start, record.end);
      else for (const op of record.ops) applyOp(this.disk[op.cf], op);
    }
    this.base += n;
  }
}

class MemoryWriteBatch extends BatchBase {
  readonly ops: MemoryOp[] = [];

  constructor(
    readonly storage: MemoryStorage,
    scan: ConstructorParameters<typeof BatchBase>[0],
  ) {
    super(scan);
  }

  protected addPut(cf: ColumnFamily, key: Buffer, value: Buffer): void {
    this.ops.push({ kind: 'put', cf, key: copy(key), value: copy(value) });
  }

  protected addDel(cf: ColumnFamily, key: Buffer): void {
    this.ops.push({ kind: 'del', cf, key: copy(key) });
  }
}

export class MemoryStorage extends MemoryReader implements Storage {
  readonly path = null;
  private closed = false;
  /** Null unless constructed with `crashModel`. */
  private readonly durability: DurabilityModel | null;

  constructor(options: MemoryStorageOptions = {}) {
    super(emptyTables());
    this.durability = options.crashModel === true ? new DurabilityModel() : null;
  }

  batch(): WriteBatch {
    this.assertOpen();
    return new MemoryWriteBatch(this, (cf, start, end, chunkRows, onKeys) => {
      const it = this.iterator(cf, { gte: start, lt: end });
      for (let rows = it.nextBatch(chunkRows); rows.length > 0; rows = it.nextBatch(chunkRows)) {
        onKeys(rows.filter((_, i) => i % 2 === 0));
      }
      it.close();
    });
  }

  write(batch: WriteBatch, options: { sync: boolean }): void {
    this.assertOpen();
    assert(batch instanceof MemoryWriteBatch && batch.storage === this, 'batch belongs to another storage');
    batch.markWritten();
    for (const op of batch.ops) applyOp(this.writable(op.cf), op);
    const d = this.durability;
    if (d === null) return;
    d.wal.push({ kind: 'batch', ops: batch.ops });
    if (options.sync) d.makeDurable(d.written);
  }

  snapshot(): StorageSnapshot {
    this.assertOpen();
    const frozen = {} as Tables;
    for (const cf of COLUMN_FAMILIES) {
      this.tables[cf].readers++;
      frozen[cf] = this.tables[cf];
    }
    return new MemorySnapshot(frozen, this);
  }

  clearRange(cf: ColumnFamily, start: Buffer, end: Buffer): void {
    this.assertOpen();
    assertColumnFamily(cf);
    assertKey(start, 'clearRange start');
    assertKey(end, 'clearRange end');
    assert(Buffer.compare(start, end) <= 0, 'clearRange start must not be above end');
    clearTable(this.writable(cf), start, end);
    this.durability?.wal.push({ kind: 'clear', cf, start: copy(start), end: copy(end) });
  }

  /** Without the crash model nothing is made durable; resolves on a later microtask like a
   * real sync. With it, see completeSync. */
  syncRounds = 0;

  syncWrites(): Promise<void> {
    this.assertOpen();
    const d = this.durability;
    if (d === null) {
      this.syncRounds++;
      return Promise.resolve();
    }
    return new Promise((resolve) => d.syncs.push({ upTo: d.written, resolve }));
  }

  // --- Crash model (constructed with crashModel) -------------------------------------------

  private model(): DurabilityModel {
    assert(this.durability !== null, 'memory storage: constructed without crashModel');
    return this.durability;
  }

  /** syncWrites() calls waiting for completeSync(). */
  get pendingSyncs(): number {
    return this.model().syncs.length;
  }

  /** Writes (batches and range clears) made since the last point known durable. */
  get unsyncedWrites(): number {
    return this.model().wal.length;
  }

  /**
   * The oldest pending syncWrites() finishes: the writes made before it was called become
   * durable and its promise resolves (its callbacks run as microtasks). False if none waits.
   */
  completeSync(): boolean {
    this.assertOpen();
    const d = this.model();
    const sync = d.syncs.shift();
    if (sync === undefined) return false;
    d.makeDurable(sync.upTo);
    this.syncRounds++;
    sync.resolve();
    return true;
  }

  /**
   * A machine crash: returns a new storage (crash model on) holding the durable image plus
   * the first `survivingWrites` writes that were not durable yet, and closes this one (its
   * pending syncWrites() never resolve; using it asserts).
   */
  crash(survivingWrites = 0): MemoryStorage {
    this.assertOpen();
    const d = this.model();
    assert(
      Number.isInteger(survivingWrites) && survivingWrites >= 0 && survivingWrites <= d.wal.length,
      `memory storage: crash keeping ${survivingWrites} of ${d.wal.length} unsynced writes`,
    );
    d.makeDurable(d.base + survivingWrites);
    const next = new MemoryStorage({ crashModel: true });
    for (const cf of COLUMN_FAMILIES) {
      const { keys, values } = d.disk[cf];
      next.tables[cf] = { keys: keys.slice(), values: values.slice(), readers: 0 };
      next.model().disk[cf] = { keys: keys.slice(), values: values.slice(), readers: 0 };
    }
    d.syncs.length = 0;
    this.closed = true;
    return next;
  }

  property(cf: ColumnFamily, name: string): string | undefined {
    assertColumnFamily(cf);
    this.assertOpen();
    if (name === 'rocksdb.estimate-num-keys') return String(this.tables[cf].keys.length);
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  assertOpen(): void {
    assert(!this.closed, 'storage used after close');
  }

  private writable(cf: ColumnFamily): Table {
    let table = this.tables[cf];
    if (table.readers > 0) {
      table = { keys: table.keys.slice(), values: table.values.slice(), readers: 0 };
      this.tables[cf] = table;
    }
    return table;
  }
}
