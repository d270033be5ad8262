/**
 * A bounded in-memory cache of `meta` records (including "absent"), in front of RocksDB.
 * Every GET and every write's existence check reads a meta record; a native RocksDB read
 * costs microseconds, a Map lookup a fraction of that. The cache is exact, never stale:
 * it is filled from storage reads and updated from every applied write batch, and the state
 * machine is the only writer. Eviction is first-in-first-out once the byte budget is spent.
 */
import type { Storage } from '@seshat/storage';

/** Rough per-entry overhead of a Map slot, the key string and the Buffer object. */
const ENTRY_OVERHEAD_BYTES = 96;
/** Lookups per window when deciding whether prefetching is worth it. */
const PREFETCH_WINDOW_LOOKUPS = 4096;
/** Prefetch while more than this share of lookups miss the cache. */
const PREFETCH_MISS_RATIO_MIN = 0.02;
/** Keys per native multi-get when prefetching. */
export const PREFETCH_KEYS_MAX = 1024;

export class MetaCache {
  private readonly map = new Map<string, Buffer | null>();
  private bytes = 0;
  hits = 0;
  misses = 0;
  /** Lookups and misses in the current sampling window (see worthPrefetching). */
  private windowLookups = 0;
  private windowMisses = 0;
  private prefetchUseful = true;

  constructor(public maxBytes: number) {}

  get size(): number {
    return this.map.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  /** Cached value: a Buffer, null (known absent), or undefined (not cached). */
  peek(k: string): Buffer | null | undefined {
    return this.map.get(k);
  }

  set(k: string, v: Buffer | null): void {
    if (this.maxBytes === 0) return;
    const old = this.map.get(k);
    if (old !== undefined) this.bytes -= entryBytes(k, old);
    this.map.set(k, v);
    this.bytes += entryBytes(k, v);
    if (this.bytes > this.maxBytes) this.evict();
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  private evict(): void {
    const target = this.maxBytes * 0.9;
    for (const [k, v] of this.map) {
      if (this.bytes <= target) break;
      this.map.delete(k);
      this.bytes -= entryBytes(k, v);
    }
  }

  /**
   * Whether batched prefetching currently pays off: it costs a key computation and a map
   * probe per key, wasted when nearly everything is cached (a warm read workload). Decided
   * per window of lookups by the observed miss ratio.
   */
  worthPrefetching(): boolean {
    if (this.windowLookups >= PREFETCH_WINDOW_LOOKUPS) {
      this.prefetchUseful = this.windowMisses / this.windowLookups > PREFETCH_MISS_RATIO_MIN;
      this.windowLookups = 0;
      this.windowMisses = 0;
    }
    return this.prefetchUseful;
  }

  /** Reads a meta record through the cache. */
  read(storage: Storage, mk: Buffer): Buffer | undefined {
    const k = mk.toString('latin1');
    const c = this.map.get(k);
    this.windowLookups++;
    if (c !== undefined) {
      this.hits++;
      return c === null ? undefined : c;
    }
    this.misses++;
    this.windowMisses++;
    const v = storage.get('meta', mk);
    this.set(k, v ?? null);
    return v;
  }

  /** Loads the records of `mks` that are not cached with one native multi-get. */
  prefetch(storage: Storage, mks: Buffer[]): void {
    if (this.maxBytes === 0) return;
    const want: Buffer[] = [];
    const names: string[] = [];
    for (const mk of mks) {
      const k = mk.toString('latin1');
      if (this.map.has(k)) continue;
      want.push(mk);
      names.push(k);
      if (want.length === PREFETCH_KEYS_MAX) break;
    }
    if (want.length === 0) return;
    const values = want.length === 1 ? [storage.get('meta', want[0]!)] : storage.getMany('meta', want);
    for (let i = 0; i < names.length; i++) this.set(names[i]!, values[i] ?? null);
  }
}

function entryBytes(k: string, v: Buffer | null): number {
  return k.length + (v === null ? 0 : v.length) + ENTRY_OVERHEAD_BYTES;
}
