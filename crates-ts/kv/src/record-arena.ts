/**
 * Off-heap storage for the meta cache's records: byte regions in large Buffers, addressed by
 * a small integer, with a free list per size class.
 *
 * Why not a JS string (or Buffer) per record: a record lives as long as its key is not
 * rewritten, so every write's new record outlives the young generation and the garbage
 * collector copies it twice (within the young generation, then into the old one) and later
 * marks and sweeps it. Here a write copies its bytes into a free region and the collector
 * never sees it.
 *
 * Addresses: `page << 16 | granule`, a granule being 16 bytes of a 1 MB page, so an address is
 * a non-negative int32 (up to 32,767 shared pages: 32 GB). Regions up to SMALL_MAX_BYTES are
 * carved from shared pages by size class: multiples of 16 bytes up to 256, then four classes
 * per power of two. A larger region, or any region once the shared pages are used up, gets a
 * Buffer of its own, addressed by a negative number (-1 - its index), dropped when freed: no
 * count or size limit there.
 *
 * Freed regions are reused by their class only, so memory that served one record size is not
 * given to another: `pageBytes` (what the arena holds) can exceed `usedBytes` (what records
 * take) after the mix of record sizes changes. `clear` gives everything back.
 */

/** Bytes per shared page. */
export const PAGE_BYTES = 1024 * 1024;
const GRANULE_SHIFT = 4;
const GRANULE_BYTES = 1 << GRANULE_SHIFT;
/** Largest region carved from shared pages; larger ones get their own page. */
export const SMALL_MAX_BYTES = 64 * 1024;
/** Classes of 16..256 bytes in steps of 16, then 4 per power of two up to SMALL_MAX_BYTES. */
const CLASSES = 16 + 4 * (Math.log2(SMALL_MAX_BYTES) - 8);
/** Shared pages at most: addresses stay non-negative int32s. */
const MAX_PAGES = (1 << 15) - 1;

/** The size class of a region of `n` bytes (1 <= n <= SMALL_MAX_BYTES). */
export function sizeClass(n: number): number {
  if (n <= 256) return (n + GRANULE_BYTES - 1) >>> GRANULE_SHIFT;
  // n in (2^e, 2^(e+1)]: four classes of 2^(e-2) bytes each.
  const e = 31 - Math.clz32(n - 1);
  const step = 1 << (e - 2);
  return 16 + 4 * (e - 8) + Math.ceil((n - (1 << e)) / step);
}

/** Bytes of size class `c`. */
export function classBytes(c: number): number {
  if (c <= 16) return c << GRANULE_SHIFT;
  const e = 8 + ((c - 17) >>> 2);
  return (1 << e) + (((c - 17) & 3) + 1) * (1 << (e - 2));
}

export class RecordArena {
  /** Shared pages. */
  private pages: Buffer[] = [];
  /** Regions of their own (negative addresses), null once freed. */
  private own: (Buffer | null)[] = [];
  /** Indexes of freed `own` entries, for reuse. */
  private freeOwn: number[] = [];
  /** Per size class (index 1..CLASSES): free region addresses, used as a stack. */
  private free: number[][] = Array.from({ length: CLASSES + 1 }, () => []);
  /** The shared page regions are carved from, and the next free byte in it. */
  private bumpPage = -1;
  private bumpOffset = PAGE_BYTES;
  /** Bytes of live regions (class sizes; a large region's exact size). */
  usedBytes = 0;
  /** Bytes of all pages and own regions held. */
  pageBytes = 0;

  constructor(private readonly maxPages = MAX_PAGES) {}

  /** A region of at least `n` bytes (n >= 1); returns its address. */
  alloc(n: number): number {
    if (n > SMALL_MAX_BYTES) return this.allocOwn(n);
    const c = sizeClass(n);
    const size = classBytes(c);
    const list = this.free[c]!;
    if (list.length > 0) {
      this.usedBytes += size;
      return list.pop()!;
    }
    if (this.bumpOffset + size > PAGE_BYTES) {
      if (this.pages.length >= this.maxPages) return this.allocOwn(n);
      this.newBumpPage();
    }
    this.usedBytes += size;
    const addr = (this.bumpPage << 16) | (this.bumpOffset >>> GRANULE_SHIFT);
    this.bumpOffset += size;
    return addr;
  }

  /** Frees the region at `addr`, allocated for `n` bytes. */
  release(addr: number, n: number): void {
    if (addr < 0) {
      const i = -1 - addr;
      this.usedBytes -= this.own[i]!.length;
      this.pageBytes -= this.own[i]!.length;
      this.own[i] = null;
      this.freeOwn.push(i);
      return;
    }
    const c = sizeClass(n);
    this.usedBytes -= classBytes(c);
    this.free[c]!.push(addr);
  }

  /** The Buffer holding the region at `addr`. */
  page(addr: number): Buffer {
    return addr >= 0 ? this.pages[addr >>> 16]! : this.own[-1 - addr]!;
  }

  /** The region's first byte within its page (0 for a region of its own). */
  offset(addr: number): number {
    return addr >= 0 ? (addr & 0xffff) << GRANULE_SHIFT : 0;
  }

  clear(): void {
    this.pages = [];
    this.own = [];
    this.freeOwn = [];
    this.free = Array.from({ length: CLASSES + 1 }, () => []);
    this.bumpPage = -1;
    this.bumpOffset = PAGE_BYTES;
    this.usedBytes = 0;
    this.pageBytes = 0;
  }

  /** A region in a Buffer of its own (exactly `n` bytes). */
  private allocOwn(n: number): number {
    const buffer = Buffer.allocUnsafeSlow(n);
    this.usedBytes += n;
    this.pageBytes += n;
    const reused = this.freeOwn.pop();
    if (reused !== undefined) {
      this.own[reused] = buffer;
      return -1 - reused;
    }
    this.own.push(buffer);
    return -this.own.length;
  }

  /** Starts a new shared page; the old one's unused tail goes to the free lists. */
  private newBumpPage(): void {
    if (this.bumpPage >= 0) {
      let rest = PAGE_BYTES - this.bumpOffset;
      while (rest >= GRANULE_BYTES) {
        let c = sizeClass(Math.min(rest, SMALL_MAX_BYTES));
        if (classBytes(c) > rest) c--;
        this.free[c]!.push((this.bumpPage << 16) | (this.bumpOffset >>> GRANULE_SHIFT));
        this.bumpOffset += classBytes(c);
        rest -= classBytes(c);
      }
    }
    this.pages.push(Buffer.allocUnsafeSlow(PAGE_BYTES));
    this.bumpPage = this.pages.length - 1;
    this.bumpOffset = 0;
    this.pageBytes += PAGE_BYTES;
  }
}
