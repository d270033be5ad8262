/**
 * A bounded in-memory cache of `meta` records (including "absent"), in front of RocksDB.
 * Every GET and every write's existence check reads a meta record; a native RocksDB read
 * costs microseconds, a cache probe a fraction of that. The cache is exact, never stale: it is
 * filled from storage reads and written by every applied entry, and the state machine is the
 * only writer.
 *
 * The table is open addressing with linear probing over a dense array of 32-bit key hashes,
 * with key and value side by side in one array. A lookup hashes the key's bytes where they
 * are (no key string per lookup), scans hashes in one cache line, and compares the one stored
 * key whose hash matches. The Map<string, Buffer> it replaces needed a fresh key string per
 * lookup and compared every key on a bucket's chain, a cache miss each; with 100,000 random
 * keys that probe was a fifth of a GET's CPU.
 *
 * Keys are meta keys without their slot prefix (db byte + user key: the slot is a function of
 * the key). Hashes are seeded per process, so clients cannot choose colliding keys.
 *
 * While an entry applies, its new records are written straight into the cache (`write`), so
 * later commands of the entry see them. `pin` stops eviction from dropping them before the
 * batch is durable; `commit` ends that, `rollback` restores the previous contents if the batch
 * failed. Eviction drops records at a clock hand moving over the table once over budget.
 */
import { randomInt } from 'node:crypto';
import type { Storage } from '@seshat/storage';

/** Rough per-entry overhead: the table slots, the key string and the Buffer object. */
const ENTRY_OVERHEAD_BYTES = 96;
/** Lookups per window when deciding whether prefetching is worth it. */
const PREFETCH_WINDOW_LOOKUPS = 4096;
/** Prefetch while more than this share of lookups miss the cache. */
const PREFETCH_MISS_RATIO_MIN = 0.02;
/** Keys per native multi-get when prefetching. */
export const PREFETCH_KEYS_MAX = 1024;
/** Slots of an empty table; it doubles whenever it would become more than half full. */
const INITIAL_SLOTS = 1024;
/** Bytes of a meta key before the part the table keys on (the slot). */
const SLOT_PREFIX_BYTES = 2;
/** Undo record of a write to a key the cache did not hold. */
const UNCACHED = Symbol('uncached');

type Value = Buffer | null;

export class MetaCache {
  /** 32-bit key hash per slot; 0 marks an empty slot (a hash of 0 is stored as 1). */
  private hashes = new Int32Array(INITIAL_SLOTS);
  /** Slot i's key string at 2i (db byte + user key, latin1) and its value at 2i + 1. */
  private cells: (string | Value)[] = nullCells(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;
  private bytes = 0;
  /** Next slot eviction looks at. */
  private hand = 0;
  private readonly seed = randomInt(0x7fffffff);
  /** True while an entry applies: its writes must stay until committed or rolled back. */
  private pinned = false;
  /** While pinned: written meta keys with the value each replaced (or UNCACHED), in order. */
  private undo: (Buffer | Value | typeof UNCACHED)[] = [];
  hits = 0;
  misses = 0;
  /** Lookups and misses in the current sampling window (see worthPrefetching). */
  private windowLookups = 0;
  private windowMisses = 0;
  private prefetchUseful = true;

  constructor(public maxBytes: number) {}

  get size(): number {
    return this.count;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  /** Cached value: a Buffer, null (known absent), or undefined (not cached). */
  peek(mk: Buffer): Value | undefined {
    const slot = this.find(mk, hashMetaKey(this.seed, mk));
    return slot < 0 ? undefined : (this.cells[2 * slot + 1] as Value);
  }

  /** Like `peek` for `key` in `db`, counting a hit (a miss is counted by the `read` after it). */
  peekUserKey(db: number, key: Buffer): Value | undefined {
    const slot = this.findUserKey(db, key);
    if (slot < 0) return undefined;
    this.hits++;
    this.windowLookups++;
    return this.cells[2 * slot + 1] as Value;
  }

  /** Reads a meta record through the cache. */
  read(storage: Storage, mk: Buffer): Buffer | undefined {
    const h = hashMetaKey(this.seed, mk);
    const slot = this.find(mk, h);
    this.windowLookups++;
    if (slot >= 0) {
      this.hits++;
      return (this.cells[2 * slot + 1] as Value) ?? undefined;
    }
    this.misses++;
    this.windowMisses++;
    const v = storage.get('meta', mk);
    if (this.maxBytes > 0 || this.pinned) {
      this.insert(mk, h, v ?? null);
      this.evictIfOver();
    }
    return v;
  }

  /** Loads the records of `mks` that are not cached with one native multi-get. */
  prefetch(storage: Storage, mks: Buffer[]): void {
    if (this.maxBytes === 0) return;
    const want: Buffer[] = [];
    const hashes: number[] = [];
    for (const mk of mks) {
      const h = hashMetaKey(this.seed, mk);
      if (this.find(mk, h) >= 0) continue;
      want.push(mk);
      hashes.push(h);
      if (want.length === PREFETCH_KEYS_MAX) break;
    }
    if (want.length === 0) return;
    const values = want.length === 1 ? [storage.get('meta', want[0]!)] : storage.getMany('meta', want);
    for (let i = 0; i < want.length; i++) {
      // A key named twice in `mks` was inserted by its first occurrence.
      if (this.find(want[i]!, hashes[i]!) < 0) this.insert(want[i]!, hashes[i]!, values[i] ?? null);
    }
    this.evictIfOver();
  }

  /**
   * Whether batched prefetching currently pays off: it costs a key computation and a probe
   * per key, wasted when nearly everything is cached (a warm read workload). Decided per
   * window of lookups by the observed miss ratio.
   */
  worthPrefetching(): boolean {
    if (this.windowLookups >= PREFETCH_WINDOW_LOOKUPS) {
      this.prefetchUseful = this.windowMisses / this.windowLookups > PREFETCH_MISS_RATIO_MIN;
      this.windowLookups = 0;
      this.windowMisses = 0;
    }
    return this.prefetchUseful;
  }

  /** Starts an entry's writes: nothing is evicted until `commit` or `rollback`. */
  pin(): void {
    this.pinned = true;
    this.undo.length = 0;
  }

  /** An applied write of the record at `mk` (null: deleted), visible to later reads. */
  write(mk: Buffer, v: Value): void {
    const h = hashMetaKey(this.seed, mk);
    const slot = this.find(mk, h);
    if (this.pinned) this.undo.push(mk, slot < 0 ? UNCACHED : (this.cells[2 * slot + 1] as Value));
    if (slot < 0) this.insert(mk, h, v);
    else this.replace(slot, v);
  }

  /** The meta keys written since `pin` (possibly repeated), with their current records. */
  writes(): [Buffer, Value][] {
    const out: [Buffer, Value][] = [];
    for (let i = 0; i < this.undo.length; i += 2) {
      const mk = this.undo[i] as Buffer;
      out.push([mk, this.peek(mk) ?? null]);
    }
    return out;
  }

  /** The entry's writes are durable: eviction may drop them from now on. */
  commit(): void {
    this.pinned = false;
    this.undo.length = 0;
    this.evictIfOver();
  }

  /** The entry's batch failed: restores what its writes replaced. */
  rollback(): void {
    for (let i = this.undo.length - 2; i >= 0; i -= 2) {
      const mk = this.undo[i] as Buffer;
      const old = this.undo[i + 1]!;
      const h = hashMetaKey(this.seed, mk);
      const slot = this.find(mk, h);
      if (old === UNCACHED) {
        if (slot >= 0) this.remove(slot);
      } else if (slot >= 0) this.replace(slot, old as Value);
      else this.insert(mk, h, old as Value);
    }
    this.commit();
  }

  clear(): void {
    this.hashes = new Int32Array(INITIAL_SLOTS);
    this.cells = nullCells(INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
    this.count = 0;
    this.bytes = 0;
    this.hand = 0;
    this.undo.length = 0;
  }

  // ---- the table ------------------------------------------------------------------------

  private find(mk: Buffer, h: number): number {
    const hashes = this.hashes;
    const mask = this.mask;
    const keyChars = mk.length - SLOT_PREFIX_BYTES;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const stored = hashes[i]!;
      if (stored === 0) return -1;
      if (stored !== h) continue;
      const k = this.cells[2 * i] as string;
      if (k.length !== keyChars) continue;
      let j = 0;
      while (j < keyChars && k.charCodeAt(j) === mk[SLOT_PREFIX_BYTES + j]) j++;
      if (j === keyChars) return i;
    }
  }

  private findUserKey(db: number, key: Buffer): number {
    const h = hashUserKey(this.seed, db, key);
    const hashes = this.hashes;
    const mask = this.mask;
    const len = key.length;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const stored = hashes[i]!;
      if (stored === 0) return -1;
      if (stored !== h) continue;
      const k = this.cells[2 * i] as string;
      if (k.length !== len + 1 || k.charCodeAt(0) !== db) continue;
      let j = 0;
      while (j < len && k.charCodeAt(j + 1) === key[j]) j++;
      if (j === len) return i;
    }
  }

  /** Adds a key known to be absent from the table. */
  private insert(mk: Buffer, h: number, v: Value): void {
    if (2 * (this.count + 1) > this.hashes.length) this.grow();
    const k = mk.toString('latin1', SLOT_PREFIX_BYTES);
    this.place(h, k, v);
    this.count++;
    this.bytes += entryBytes(k, v);
  }

  private place(h: number, k: string, v: Value): void {
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    while (hashes[i] !== 0) i = (i + 1) & mask;
    hashes[i] = h;
    this.cells[2 * i] = k;
    this.cells[2 * i + 1] = v;
  }

  private replace(slot: number, v: Value): void {
    const k = this.cells[2 * slot] as string;
    this.bytes += entryBytes(k, v) - entryBytes(k, this.cells[2 * slot + 1] as Value);
    this.cells[2 * slot + 1] = v;
  }

  /** Empties `slot`, moving later records of its probe run back so every run stays unbroken. */
  private remove(slot: number): void {
    const hashes = this.hashes;
    const cells = this.cells;
    const mask = this.mask;
    this.bytes -= entryBytes(cells[2 * slot] as string, cells[2 * slot + 1] as Value);
    this.count--;
    let hole = slot;
    for (let j = (slot + 1) & mask; hashes[j] !== 0; j = (j + 1) & mask) {
      // The record at j may fill the hole only if its home slot is not after the hole
      // (cyclically, within hole+1 .. j).
      const home = hashes[j]! & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      hashes[hole] = hashes[j]!;
      cells[2 * hole] = cells[2 * j]!;
      cells[2 * hole + 1] = cells[2 * j + 1]!;
      hole = j;
    }
    hashes[hole] = 0;
    cells[2 * hole] = null;
    cells[2 * hole + 1] = null;
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldCells = this.cells;
    const slots = oldHashes.length * 2;
    this.hashes = new Int32Array(slots);
    this.cells = nullCells(slots);
    this.mask = slots - 1;
    this.hand = 0;
    for (let i = 0; i < oldHashes.length; i++) {
      if (oldHashes[i] !== 0)
        this.place(oldHashes[i]!, oldCells[2 * i] as string, oldCells[2 * i + 1] as Value);
    }
  }

  private evictIfOver(): void {
    if (this.pinned || this.bytes <= this.maxBytes) return;
    if (this.maxBytes === 0) {
      this.clear();
      return;
    }
    const target = this.maxBytes * 0.9;
    while (this.bytes > target && this.count > 0) {
      const slot = this.hand;
      this.hand = (this.hand + 1) & this.mask;
      if (this.hashes[slot] !== 0) this.remove(slot);
    }
  }
}

/** Cells for `slots` slots, all null (built by push: a packed array, not a holey one). */
function nullCells(slots: number): (string | Value)[] {
  const cells: (string | Value)[] = [];
  for (let i = 0; i < 2 * slots; i++) cells.push(null);
  return cells;
}

function entryBytes(k: string, v: Value): number {
  return k.length + (v === null ? 0 : v.length) + ENTRY_OVERHEAD_BYTES;
}

// FNV-1a over the db byte and the user key, then murmur3's finalizer for well-mixed low bits.
function hashMetaKey(seed: number, mk: Buffer): number {
  let h = Math.imul(0x811c9dc5 ^ seed, 0x01000193);
  for (let i = SLOT_PREFIX_BYTES; i < mk.length; i++) h = Math.imul(h ^ mk[i]!, 0x01000193);
  return finish(h);
}

function hashUserKey(seed: number, db: number, key: Buffer): number {
  let h = Math.imul(Math.imul(0x811c9dc5 ^ seed, 0x01000193) ^ db, 0x01000193);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  return finish(h);
}

function finish(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}
