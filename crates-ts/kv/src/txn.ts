/**
 * The store a command executes against. Reads on the leader use the RocksDB state directly;
 * an entry being applied uses a Txn: an overlay of the entry's pending writes on top of the
 * applied state, so that later commands of the same entry see earlier ones, and all of it
 * lands in one atomic write batch together with the applied index.
 */
import { assert } from '@seshat/common';
import type { MetaCache } from './meta-cache.js';
import type { ColumnFamily, RangeOptions, Storage, StorageIterator, WriteBatch } from '@seshat/storage';

export interface KvStore {
  get(cf: ColumnFamily, key: Buffer): Buffer | undefined;
  /** The header of the meta record at `mk` (type, flags, deadline, version), without its value. */
  getMetaHead(mk: Buffer): Buffer | undefined;
  iterator(cf: ColumnFamily, range: RangeOptions): StorageIterator;
  put(cf: ColumnFamily, key: Buffer, value: Buffer): void;
  del(cf: ColumnFamily, key: Buffer): void;
}

/** Read-only view over applied state; writing through it is a programmer error. */
export class ReadView implements KvStore {
  constructor(
    private readonly reader: Storage,
    private readonly cache: MetaCache,
    /** Called before iterating the meta family: deferred records must be in RocksDB first. */
    private readonly beforeMetaScan: () => void = () => {},
  ) {}
  get(cf: ColumnFamily, key: Buffer): Buffer | undefined {
    return cf === 'meta' ? this.cache.read(this.reader, key) : this.reader.get(cf, key);
  }
  getMetaHead(mk: Buffer): Buffer | undefined {
    return this.cache.readHead(this.reader, mk);
  }
  iterator(cf: ColumnFamily, range: RangeOptions): StorageIterator {
    if (cf === 'meta') this.beforeMetaScan();
    return this.reader.iterator(cf, range);
  }
  put(): void {
    assert(false, 'write through a read view');
  }
  del(): void {
    assert(false, 'delete through a read view');
  }
}

const CF_TAG: Record<ColumnFamily, string> = {
  default: '0',
  raft_log: '1',
  raft_state: '2',
  meta: '3',
  sub: '4',
  zscore: '5',
  expire: '6',
  stream: '7',
  // SQL's families (never written by kv commands; listed because the type covers every family)
  sql_catalog: '8',
  sql_rows: '9',
  sql_index: 'a',
};

/**
 * The store an entry applies against. Meta records are written straight into the meta cache,
 * pinned there until the batch is durable (`publish`) or undone (`rollback`); every other
 * family gets an overlay of pending writes here. Either way later commands of the entry see
 * earlier ones, and all of it lands in one atomic write batch with the applied index.
 */
export class Txn implements KvStore {
  readonly batch: WriteBatch;
  /** cf tag + key (latin1, byte-exact) -> value, or null for a deletion; not for `meta`. */
  private readonly pending = new Map<string, Buffer | null>();

  /** Whether any family other than `meta` was written. */
  wroteOther = false;

  /**
   * `deferIndex` (the entry's index; 0: not deferred): meta writes go to the meta cache only,
   * as dirty records of that entry, not to the batch; the state machine writes them later
   * (see KvStateMachine.deferPlainWrites). `stampMs`: the entry's stamp.
   */
  constructor(
    private readonly storage: Storage,
    private readonly cache: MetaCache,
    private readonly deferIndex = 0,
    private readonly stampMs = 0,
  ) {
    this.batch = storage.batch();
    cache.pin();
  }

  get(cf: ColumnFamily, key: Buffer): Buffer | undefined {
    if (cf === 'meta') return this.cache.read(this.storage, key);
    if (this.pending.size > 0) {
      const p = this.pending.get(CF_TAG[cf] + key.toString('latin1'));
      if (p !== undefined) return p === null ? undefined : p;
    }
    return this.storage.get(cf, key);
  }

  getMetaHead(mk: Buffer): Buffer | undefined {
    return this.cache.readHead(this.storage, mk);
  }

  /** After the batch is written: the entry's meta records may now be evicted like any other. */
  publish(): void {
    this.cache.commit();
  }

  /** The batch was not written: the meta cache gets back what the entry's writes replaced. */
  rollback(): void {
    this.cache.rollback();
  }

  put(cf: ColumnFamily, key: Buffer, value: Buffer): void {
    if (this.overlay(cf, key, value)) this.batch.put(cf, key, value);
  }

  del(cf: ColumnFamily, key: Buffer): void {
    if (this.overlay(cf, key, null)) this.batch.del(cf, key);
  }

  /** Makes a write (null: deletion) visible to later reads of the entry; false when it must
   * not go into the batch (a deferred meta write). */
  private overlay(cf: ColumnFamily, key: Buffer, value: Buffer | null): boolean {
    if (cf === 'meta') {
      this.cache.write(key, value, this.deferIndex, this.stampMs);
      return this.deferIndex === 0;
    }
    this.pending.set(CF_TAG[cf] + key.toString('latin1'), value);
    this.wroteOther = true;
    return true;
  }

  iterator(cf: ColumnFamily, range: RangeOptions): StorageIterator {
    const base = this.storage.iterator(cf, { ...range, limit: undefined });
    const overlay: [Buffer, Buffer | null][] = [];
    if (cf === 'meta') {
      for (const [key, v] of this.cache.writes()) if (inRange(key, range)) overlay.push([key, v]);
    } else {
      const tag = CF_TAG[cf];
      for (const [k, v] of this.pending) {
        if (k[0] !== tag) continue;
        const key = Buffer.from(k.slice(1), 'latin1');
        if (inRange(key, range)) overlay.push([key, v]);
      }
    }
    if (overlay.length === 0 && range.limit === undefined) return base;
    overlay.sort((a, b) => Buffer.compare(a[0], b[0]) * (range.reverse ? -1 : 1));
    return new MergedIterator(base, overlay, range.reverse === true, range.limit ?? Number.POSITIVE_INFINITY);
  }
}

function inRange(key: Buffer, r: RangeOptions): boolean {
  if (r.gte && Buffer.compare(key, r.gte) < 0) return false;
  if (r.gt && Buffer.compare(key, r.gt) <= 0) return false;
  if (r.lt && Buffer.compare(key, r.lt) >= 0) return false;
  if (r.lte && Buffer.compare(key, r.lte) > 0) return false;
  return true;
}

/** Rows a merged iterator reads from storage per call, at most. */
const MERGED_BATCH_ROWS = 256;

/** Merges a sorted overlay of pending writes (deletions as null) into a storage iterator. */
class MergedIterator implements StorageIterator {
  private baseRows: Buffer[] = [];
  private basePos = 0;
  private baseDone = false;
  private overlayPos = 0;
  private remaining: number;

  constructor(
    private readonly base: StorageIterator,
    private readonly overlay: [Buffer, Buffer | null][],
    private readonly reverse: boolean,
    limit: number,
  ) {
    this.remaining = limit;
  }

  /** Base rows wanted by the current nextBatch call (a first read takes no more than that). */
  private want = MERGED_BATCH_ROWS;

  private peekBase(): Buffer | undefined {
    if (this.basePos >= this.baseRows.length && !this.baseDone) {
      // A scan that wants one row (the first entry of a stream after deleting it) must not
      // read a few hundred rows, values included, from RocksDB.
      this.baseRows = this.base.nextBatch(Math.min(MERGED_BATCH_ROWS, this.want));
      this.want = MERGED_BATCH_ROWS;
      this.basePos = 0;
      if (this.baseRows.length === 0) this.baseDone = true;
    }
    return this.basePos < this.baseRows.length ? this.baseRows[this.basePos] : undefined;
  }

  nextBatch(max: number): Buffer[] {
    const out: Buffer[] = [];
    // Overlay deletions may hide base rows: ask for as many more.
    this.want = Math.min(max, this.remaining) + this.overlay.length - this.overlayPos;
    while (out.length < max * 2 && this.remaining > 0) {
      const bk = this.peekBase();
      const ov = this.overlayPos < this.overlay.length ? this.overlay[this.overlayPos]! : undefined;
      if (bk === undefined && ov === undefined) break;
      let cmp: number;
      if (bk === undefined) cmp = 1;
      else if (ov === undefined) cmp = -1;
      else cmp = Buffer.compare(bk, ov[0]) * (this.reverse ? -1 : 1);
      if (cmp < 0) {
        out.push(bk!, this.baseRows[this.basePos + 1]!);
        this.basePos += 2;
        this.remaining--;
        continue;
      }
      if (cmp === 0) this.basePos += 2;
      this.overlayPos++;
      if (ov![1] !== null) {
        out.push(ov![0], ov![1]);
        this.remaining--;
      }
    }
    return out;
  }

  close(): void {
    this.base.close();
  }
}
