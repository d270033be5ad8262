/**
 * A bounded in-memory cache of `meta` records (including "absent"), in front of RocksDB.
 * Every GET and every write's existence check reads a meta record; a native RocksDB read
 * costs microseconds, a cache probe a fraction of that. The cache is exact, never stale: it is
 * filled from storage reads and written by every applied entry, and the state machine is the
 * only writer.
 *
 * The table is open addressing with linear probing over one Int32Array: per slot 16 bytes
 * of key hash, key length, and the address and length of the slot's "record": the db byte, the
 * user key and the meta record (keys are meta keys without their slot prefix: the slot is a
 * function of the key), as bytes in the record arena (record-arena.ts), off the JS heap. A
 * lookup hashes the key's bytes where they are (no key string per lookup), scans slots, and
 * compares the one record whose hash matches; the value is in that same record. So a GET
 * touches two places in memory: the slot and the record. With 100,000 random keys each of
 * those is a cache and TLB miss, and they dominated a GET: the Map<string, Buffer> this
 * replaces touched five or more (bucket, chain entries, their key strings, the Buffer, its
 * bytes) and needed a fresh key string per lookup. Records were JS strings until the garbage collector's copying of every rewritten
 * key's new string showed up as the largest cost of a SET after the lookup itself.
 *
 * Complete mode: when every meta record was loaded at start (`load` ... `loaded`) and nothing has
 * been evicted since, the cache holds the whole keyspace, so a key it does not hold is absent:
 * no RocksDB read for a GET of a missing key or a SET of a new one. The first eviction (or
 * `clear`) ends it; from then on a miss reads RocksDB as before.
 *
 * `peek` and `read` hand out a Buffer: a copy of a small record's value (its region is reused
 * once the key is rewritten), a view of a large one (its page is never written again). Hashes
 * are seeded per process, so clients cannot choose colliding keys.
 *
 * While an entry applies, its new records are written straight into the cache (`write`), so
 * later commands of the entry see them. `pin` stops eviction from dropping them before the
 * batch is durable; `commit` ends that, `rollback` restores the previous contents if the batch
 * failed (so regions replaced while pinned are freed only by `commit`). Eviction drops records
 * at a clock hand moving over the table once over budget.
 */
import { randomInt } from 'node:crypto';
import { assert } from '@seshat/common';
import type { Storage } from '@seshat/storage';
import { DirtyQueue } from './dirty-queue.js';
import { META_HEADER_BYTES } from './meta.js';
import { RecordArena, SMALL_MAX_BYTES } from './record-arena.js';

/** Per-record overhead beyond its arena region: the table slot's columns at half load. */
const ENTRY_OVERHEAD_BYTES = 48;
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
/** Records (key part + value) larger than this get an arena page of their own. */
export const RECORD_SMALL_MAX_BYTES = SMALL_MAX_BYTES;
/** Int32 words per slot in `info`: hash, key length and flags, record address, record length. */
const SLOT_WORDS = 4;
/** Bit of `info` marking a known-absent key. */
const ABSENT = 0x40000000;

type Value = Buffer | null;

export class MetaCache {
  /** Per slot i, SLOT_WORDS words from SLOT_WORDS * i: the key hash (0: empty slot; a hash of
   * 0 is stored as 1); the key part's length (db byte + user key) with ABSENT set for a
   * known-absent key; the arena address of the record (key part, then the meta record); the
   * record's length. One 16-byte group, so a probe that finds its key has the record's address
   * in the same cache line (separate arrays cost a GET one more miss). */
  private info = new Int32Array(SLOT_WORDS * INITIAL_SLOTS);
  /** Per slot: index of the entry whose deferred write made the record dirty (newer than
   * RocksDB), 0 when clean. Dirty records are never evicted (see `write`). */
  private lastWrite = new Float64Array(INITIAL_SLOTS);
  private dirtyCount = 0;
  /** Dirty writes in write order. A key rewritten later has a later element too; an element
   * whose index is no longer its slot's `lastWrite` is stale and skipped. Its `taken` position
   * ends the records the last `takeDirty` handed out. */
  private queue = new DirtyQueue();
  /** Counts operations that move records between slots (removal's backward shift, growth). */
  private moves = 0;
  /** The slots of the records the last `takeDirty` handed out, valid while `moves` is
   * `takenMoves` (they spare `confirmTaken` a probe per record). */
  private takenSlots: number[] = [];
  private takenMoves = -1;
  private readonly arena = new RecordArena();
  private mask = INITIAL_SLOTS - 1;
  private count = 0;
  /** Next slot eviction looks at. */
  private hand = 0;
  private readonly seed = randomInt(0x7fffffff);
  /** Every meta record is in the table: a key not found is absent (see the header). */
  private complete = false;
  /** True while an entry applies: its writes must stay until committed or rolled back. */
  private pinned = false;
  /** While pinned: per write, the meta key (undoKeys) and in `undo` the replaced record's
   * address and length (0 if the key was not cached), the slot's info word and lastWrite. Replaced regions stay
   * allocated until `commit`, so no copy is needed. */
  private undoKeys: Buffer[] = [];
  private undo: number[] = [];
  /** The key of the last successful lookup and its slot (valid until a slot moves): the write
   * that usually follows a command's lookup of the same key skips the second probe. */
  private memoKey: Buffer | null = null;
  private memoSlot = -1;
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

  /** Bytes the records take, as the budget counts them. */
  get usedBytes(): number {
    return this.arena.usedBytes + this.count * ENTRY_OVERHEAD_BYTES;
  }

  /** Bytes of the arena's pages (at least the records' regions; see record-arena.ts). */
  get arenaBytes(): number {
    return this.arena.pageBytes;
  }

  /** Whether the cache holds every meta record (a miss means absent). */
  get isComplete(): boolean {
    return this.complete;
  }

  /**
   * Adds a record read from storage while (re)loading the keyspace; false once the budget is
   * spent (the caller stops, and the cache stays incomplete).
   */
  load(mk: Buffer, v: Buffer): boolean {
    if (this.maxBytes === 0) return false;
    const h = hashMetaKey(this.seed, mk);
    if (this.find(mk, h) < 0) this.insert(mk, h, v);
    if (this.usedBytes <= this.maxBytes) return true;
    this.evictIfOver();
    return false;
  }

  /** The keyspace has been loaded whole (every `load` returned true): misses mean absent. */
  loaded(): void {
    this.complete = this.maxBytes > 0;
  }

  /** Cached value: a Buffer, null (known absent), or undefined (not cached). */
  peek(mk: Buffer): Value | undefined {
    const slot = this.find(mk, hashMetaKey(this.seed, mk));
    return slot < 0 ? undefined : this.valueAt(slot);
  }

  /**
   * GET's probe of `key` in `db`, without copying anything: the slot of its record (db byte,
   * user key, then the meta record from `1 + key.length`), -1 when the key is known absent,
   * -2 when not cached. The record's bytes are `recordPage(slot)` from `recordStart(slot)`
   * to `recordEnd(slot)`, valid until the next write. Counts a hit when found (a miss is
   * counted by the `read` that follows).
   */
  peekRecord(db: number, key: Buffer): number {
    const slot = this.findUserKey(db, key);
    if (slot < 0) {
      if (!this.complete) return -2;
      this.hits++;
      this.windowLookups++;
      return -1;
    }
    this.hits++;
    this.windowLookups++;
    return (this.info[SLOT_WORDS * slot + 1]! & ABSENT) !== 0 ? -1 : slot;
  }

  recordPage(slot: number): Buffer {
    return this.arena.page(this.info[SLOT_WORDS * slot + 2]!);
  }

  recordStart(slot: number): number {
    return this.arena.offset(this.info[SLOT_WORDS * slot + 2]!);
  }

  recordEnd(slot: number): number {
    return this.arena.offset(this.info[SLOT_WORDS * slot + 2]!) + this.info[SLOT_WORDS * slot + 3]!;
  }

  /** Reads a meta record through the cache. */
  read(storage: Storage, mk: Buffer): Buffer | undefined {
    return this.readUpTo(storage, mk, Number.POSITIVE_INFINITY);
  }

  /**
   * Reads only the header of a meta record (type, flags, deadline, version): for writers that
   * replace a record whatever its value, so the value is not copied out of the cache.
   */
  readHead(storage: Storage, mk: Buffer): Buffer | undefined {
    return this.readUpTo(storage, mk, META_HEADER_BYTES);
  }

  private readUpTo(storage: Storage, mk: Buffer, limit: number): Buffer | undefined {
    const h = hashMetaKey(this.seed, mk);
    const slot = this.find(mk, h);
    this.windowLookups++;
    if (slot >= 0) {
      this.hits++;
      this.memoKey = mk;
      this.memoSlot = slot;
      return this.valueAt(slot, limit) ?? undefined;
    }
    if (this.complete) {
      this.hits++;
      return undefined;
    }
    this.misses++;
    this.windowMisses++;
    const v = storage.get('meta', mk);
    if (this.maxBytes > 0 || this.pinned) {
      this.insert(mk, h, v ?? null);
      this.evictIfOver();
    }
    return v !== undefined && v.length > limit ? v.subarray(0, limit) : v;
  }

  /** Loads the records of `mks` that are not cached with one native multi-get. */
  prefetch(storage: Storage, mks: Buffer[]): void {
    if (this.maxBytes === 0 || this.complete) return;
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
    this.undoKeys.length = 0;
    this.undo.length = 0;
  }

  /**
   * An applied write of the record at `mk` (null: deleted), visible to later reads. With
   * `dirtyIndex` (the entry's index) the record is not written to RocksDB with the entry: it
   * stays dirty, never evicted, until `takeDirty` hands it out (deferred writes).
   */
  write(mk: Buffer, v: Value, dirtyIndex = 0, stampMs = 0): void {
    let slot: number;
    let h = 0;
    if (mk === this.memoKey) slot = this.memoSlot;
    else {
      h = hashMetaKey(this.seed, mk);
      slot = this.find(mk, h);
    }
    if (this.pinned) {
      this.undoKeys.push(mk);
      if (slot < 0) this.undo.push(0, 0, 0, 0);
      else
        this.undo.push(
          this.info[SLOT_WORDS * slot + 2]!,
          this.info[SLOT_WORDS * slot + 3]!,
          this.info[SLOT_WORDS * slot + 1]!,
          this.lastWrite[slot]!,
        );
    }
    if (slot < 0) slot = this.insert(mk, h, v);
    else this.store(slot, mk, v);
    if (dirtyIndex === 0) return;
    if (this.lastWrite[slot] === 0) this.dirtyCount++;
    this.lastWrite[slot] = dirtyIndex;
    this.queue.push(mk, dirtyIndex, stampMs, slot, this.moves);
  }

  /** The meta keys written since `pin`, each once, with their current records. */
  writes(): [Buffer, Value][] {
    const seen = new Set<string>();
    const out: [Buffer, Value][] = [];
    for (let i = 0; i < this.undoKeys.length; i++) {
      const mk = this.undoKeys[i]!;
      const k = mk.toString('latin1');
      if (seen.has(k)) continue;
      seen.add(k);
      out.push([mk, this.peek(mk) ?? null]);
    }
    return out;
  }

  /** The entry's writes are durable: eviction may drop them from now on. */
  commit(): void {
    // The regions the entry's writes replaced are garbage now.
    const undo = this.undo;
    for (let i = 0; i < undo.length; i += 4) {
      if (undo[i + 1] !== 0) this.arena.release(undo[i]!, undo[i + 1]!);
    }
    this.unpin();
  }

  private unpin(): void {
    this.pinned = false;
    this.undoKeys.length = 0;
    this.undo.length = 0;
    this.evictIfOver();
  }

  /** The entry's batch failed: restores what its writes replaced. */
  rollback(): void {
    const undo = this.undo;
    for (let w = this.undoKeys.length - 1; w >= 0; w--) {
      const mk = this.undoKeys[w]!;
      const oldAddr = undo[4 * w]!;
      const oldLength = undo[4 * w + 1]!;
      const oldInfo = undo[4 * w + 2]!;
      const oldLastWrite = undo[4 * w + 3]!;
      const h = hashMetaKey(this.seed, mk);
      let slot = this.find(mk, h);
      if (slot >= 0) this.dirtyCount += (oldLastWrite === 0 ? 0 : 1) - (this.lastWrite[slot] === 0 ? 0 : 1);
      else if (oldLastWrite !== 0) this.dirtyCount++;
      if (oldLength === 0) {
        if (slot >= 0) this.remove(slot);
        continue;
      }
      if (slot < 0) slot = this.insert(mk, h, null);
      this.arena.release(this.info[SLOT_WORDS * slot + 2]!, this.info[SLOT_WORDS * slot + 3]!);
      this.info[SLOT_WORDS * slot + 2] = oldAddr;
      this.info[SLOT_WORDS * slot + 3] = oldLength;
      this.info[SLOT_WORDS * slot + 1] = oldInfo;
      this.lastWrite[slot] = oldLastWrite;
    }
    this.unpin();
  }

  clear(): void {
    this.info = new Int32Array(SLOT_WORDS * INITIAL_SLOTS);
    this.arena.clear();
    this.mask = INITIAL_SLOTS - 1;
    this.count = 0;
    this.hand = 0;
    this.undoKeys.length = 0;
    this.undo.length = 0;
    this.complete = false;
    this.memoKey = null;
    assert(this.dirtyCount === 0, 'meta cache cleared while records are dirty');
    this.lastWrite = new Float64Array(INITIAL_SLOTS);
    this.queue.reset();
  }

  // ---- deferred writes -------------------------------------------------------------------

  /** Records newer than RocksDB (written by deferred entries, not flushed yet). */
  get dirty(): number {
    return this.dirtyCount;
  }

  /**
   * Dirty records to write now, oldest last write first: those last written by an entry
   * stamped at or before `maxStampMs`, at most `max`. Appends key, value (null: deleted) and
   * entry index to the arrays. Nothing changes until `confirmTaken`, called once the batch
   * holding them is written (a failed batch just drops the arrays).
   *
   * Keys and values are views of the queue's and the arena's bytes, not copies (a full write of
   * 100,000 dirty records spent a fifth of its time copying them): valid until the cache or the
   * queue changes, so the caller puts them into its batch right away (the batch copies them).
   */
  takeDirty(maxStampMs: number, max: number, keys: Buffer[], values: Value[], indexes: number[]): void {
    // Stale elements are skipped here but only dropped by `confirmTaken`: until the entry's
    // batch is written, a rollback can make one current again.
    const q = this.queue;
    const slots = this.takenSlots;
    slots.length = 0;
    this.takenMoves = this.moves;
    let h = q.head;
    const n = q.tail;
    while (h < n && keys.length < max && q.stampAt(h) <= maxStampMs) {
      const slot = this.queuedSlot(h);
      if (slot >= 0 && this.lastWrite[slot] === q.indexAt(h)) {
        keys.push(q.keyView(h));
        values.push(this.valueAt(slot, Number.POSITIVE_INFINITY, false));
        indexes.push(q.indexAt(h));
        slots.push(slot);
      }
      h++;
    }
    q.taken = h;
  }

  /** Entry index of the oldest last write among dirty records the last `takeDirty` left. */
  oldestLeftIndex(): number {
    const q = this.queue;
    for (let h = q.taken; h < q.tail; h++) {
      const slot = this.queuedSlot(h);
      if (slot >= 0 && this.lastWrite[slot] === q.indexAt(h)) return q.indexAt(h);
    }
    return Number.POSITIVE_INFINITY;
  }

  /** The records of the last `takeDirty` are in RocksDB: clean unless rewritten since. */
  confirmTaken(keys: Buffer[], indexes: number[]): void {
    const slots =
      this.takenMoves === this.moves && this.takenSlots.length === keys.length ? this.takenSlots : null;
    for (let i = 0; i < keys.length; i++) {
      const mk = keys[i]!;
      const slot = slots !== null ? slots[i]! : this.find(mk, hashMetaKey(this.seed, mk));
      if (slot >= 0 && this.lastWrite[slot] === indexes[i]) {
        this.lastWrite[slot] = 0;
        this.dirtyCount--;
      }
    }
    this.queue.dropTo(this.queue.taken);
    // Gives back a buffer grown during a burst once the burst is written.
    if (this.queue.length === 0) this.queue.reset();
  }

  /** The slot of queue element `h`'s key (-1 if gone): its pushed slot unless records moved. */
  private queuedSlot(h: number): number {
    const q = this.queue;
    if (q.movesAt(h) === this.moves) return q.slotAt(h);
    const mk = q.keyAt(h);
    return this.find(mk, hashMetaKey(this.seed, mk));
  }

  // ---- the table ------------------------------------------------------------------------

  /** The value of occupied `slot` up to `limit` bytes (null: absent), as a Buffer: a copy for
   * a small record; a view for a record with a buffer of its own (never written again), or
   * with `copy` false (valid until the cache changes, see takeDirty). */
  private valueAt(slot: number, limit = Number.POSITIVE_INFINITY, copy = true): Value {
    const n = this.info[SLOT_WORDS * slot + 1]!;
    if ((n & ABSENT) !== 0) return null;
    const a = this.info[SLOT_WORDS * slot + 2]!;
    const page = this.arena.page(a);
    const start = this.arena.offset(a) + n;
    const recordLength = this.info[SLOT_WORDS * slot + 3]!;
    const length = Math.min(recordLength - n, limit);
    if (!copy || recordLength > SMALL_MAX_BYTES) return page.subarray(start, start + length);
    const out = Buffer.allocUnsafe(length);
    // Small values (the common case): a byte loop beats a native copy call.
    if (length <= 64) for (let i = 0; i < length; i++) out[i] = page[start + i]!;
    else page.copy(out, 0, start, start + length);
    return out;
  }

  private find(mk: Buffer, h: number): number {
    const info = this.info;
    const mask = this.mask;
    const keyChars = mk.length - SLOT_PREFIX_BYTES;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const stored = info[SLOT_WORDS * i]!;
      if (stored === 0) return -1;
      if (stored !== h || (info[SLOT_WORDS * i + 1]! & ~ABSENT) !== keyChars) continue;
      const a = this.info[SLOT_WORDS * i + 2]!;
      const page = this.arena.page(a);
      const at = this.arena.offset(a);
      let j = 0;
      while (j < keyChars && page[at + j] === mk[SLOT_PREFIX_BYTES + j]) j++;
      if (j === keyChars) return i;
    }
  }

  private findUserKey(db: number, key: Buffer): number {
    const h = hashUserKey(this.seed, db, key);
    const info = this.info;
    const mask = this.mask;
    const len = key.length;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const stored = info[SLOT_WORDS * i]!;
      if (stored === 0) return -1;
      if (stored !== h || (info[SLOT_WORDS * i + 1]! & ~ABSENT) !== len + 1) continue;
      const a = this.info[SLOT_WORDS * i + 2]!;
      const page = this.arena.page(a);
      const at = this.arena.offset(a);
      if (page[at] !== db) continue;
      let j = 0;
      while (j < len && page[at + 1 + j] === key[j]) j++;
      if (j === len) return i;
    }
  }

  /** Adds a key known to be absent from the table; returns its slot. */
  private insert(mk: Buffer, h: number, v: Value): number {
    if (2 * (this.count + 1) > this.mask + 1) this.grow();
    const mask = this.mask;
    let i = h & mask;
    while (this.info[SLOT_WORDS * i] !== 0) i = (i + 1) & mask;
    this.info[SLOT_WORDS * i] = h;
    this.store(i, mk, v);
    this.count++;
    return i;
  }

  /** Sets occupied or just claimed `slot` to key `mk` with value `v`. The replaced region is
   * freed now, or while pinned by `commit` (the undo log holds it). */
  private store(slot: number, mk: Buffer, v: Value): void {
    const keyChars = mk.length - SLOT_PREFIX_BYTES;
    const n = keyChars + (v === null ? 0 : v.length);
    if (this.info[SLOT_WORDS * slot + 3] !== 0 && !this.pinned)
      this.arena.release(this.info[SLOT_WORDS * slot + 2]!, this.info[SLOT_WORDS * slot + 3]!);
    const a = this.arena.alloc(n);
    const page = this.arena.page(a);
    const at = this.arena.offset(a);
    for (let j = 0; j < keyChars; j++) page[at + j] = mk[SLOT_PREFIX_BYTES + j]!;
    if (v !== null) {
      if (v.length <= 64) for (let j = 0; j < v.length; j++) page[at + keyChars + j] = v[j]!;
      else v.copy(page, at + keyChars);
    }
    this.info[SLOT_WORDS * slot + 2] = a;
    this.info[SLOT_WORDS * slot + 3] = n;
    this.info[SLOT_WORDS * slot + 1] = keyChars | (v === null ? ABSENT : 0);
  }

  /** Empties `slot`, moving later records of its probe run back so every run stays unbroken. */
  private remove(slot: number): void {
    const info = this.info;
    const mask = this.mask;
    this.memoKey = null;
    this.moves++;
    this.arena.release(info[SLOT_WORDS * slot + 2]!, info[SLOT_WORDS * slot + 3]!);
    this.count--;
    let hole = slot;
    for (let j = (slot + 1) & mask; info[SLOT_WORDS * j] !== 0; j = (j + 1) & mask) {
      // The record at j may fill the hole only if its home slot is not after the hole
      // (cyclically, within hole+1 .. j).
      const home = info[SLOT_WORDS * j]! & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      for (let w = 0; w < SLOT_WORDS; w++) info[SLOT_WORDS * hole + w] = info[SLOT_WORDS * j + w]!;
      this.lastWrite[hole] = this.lastWrite[j]!;
      hole = j;
    }
    info.fill(0, SLOT_WORDS * hole, SLOT_WORDS * hole + SLOT_WORDS);
    this.lastWrite[hole] = 0;
  }

  private grow(): void {
    const oldInfo = this.info;
    const oldLastWrite = this.lastWrite;
    const slots = (this.mask + 1) * 2;
    this.info = new Int32Array(SLOT_WORDS * slots);
    this.lastWrite = new Float64Array(slots);
    this.moves++;
    this.mask = slots - 1;
    this.hand = 0;
    this.memoKey = null;
    for (let s = 0; s < oldInfo.length / SLOT_WORDS; s++) {
      const h = oldInfo[SLOT_WORDS * s]!;
      if (h === 0) continue;
      let i = h & this.mask;
      while (this.info[SLOT_WORDS * i] !== 0) i = (i + 1) & this.mask;
      this.info[SLOT_WORDS * i] = h;
      for (let w = 1; w < SLOT_WORDS; w++) this.info[SLOT_WORDS * i + w] = oldInfo[SLOT_WORDS * s + w]!;
      this.lastWrite[i] = oldLastWrite[s]!;
    }
  }

  private evictIfOver(): void {
    if (this.pinned || this.usedBytes <= this.maxBytes) return;
    if (this.maxBytes === 0) {
      this.clear();
      return;
    }
    this.complete = false;
    const target = this.maxBytes * 0.9;
    // Dirty records stay: at most one sweep of the table when nearly everything is dirty
    // (the state machine then flushes dirty records sooner, see KvStateMachine).
    let sinceRemoval = 0;
    while (this.usedBytes > target && this.count > 0 && sinceRemoval <= this.mask) {
      const slot = this.hand;
      this.hand = (this.hand + 1) & this.mask;
      sinceRemoval++;
      if (this.info[SLOT_WORDS * slot] !== 0 && this.lastWrite[slot] === 0) {
        this.remove(slot);
        sinceRemoval = 0;
      }
    }
  }
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
