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
 * a small integer (up to 16,384 pages: 16 GB). Regions up to SMALL_MAX_BYTES are carved from
 * shared pages by size class: multiples of 16 bytes up to 256, then four classes per power of
 * two. A larger region gets a page of its own, dropped when freed.
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
const MAX_PAGES = 1 << 14;

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
  /** Per page: its Buffer, null once a large page is freed. */
  private pages: (Buffer | null)[] = [];
  /** Per size class (index 1..CLASSES): free region addresses, used as a stack. */
  private free: number[][] = Array.from({ length: CLASSES + 1 }, () => []);
  /** Indexes of freed large pages, for reuse. */
  private freePages: number[] = [];
  /** The shared page regions are carved from, and the next free byte in it. */
  private bumpPage = -1;
  private bumpOffset = PAGE_BYTES;
  /** Bytes of live regions (class sizes; a large region's exact size). */
  usedBytes = 0;
  /** Bytes of all pages held. */
  pageBytes = 0;

  /** A region of at least `n` bytes (n >= 1); returns its address. */
  alloc(n: number): number {
    if (n > SMALL_MAX_BYTES) return this.allocLarge(n);
    const c = sizeClass(n);
    const size = classBytes(c);
    this.usedBytes += size;
    const list = this.free[c]!;
    if (list.length > 0) return list.pop()!;
    if (this.bumpOffset + size > PAGE_BYTES) this.newBumpPage();
    const addr = (this.bumpPage << 16) | (this.bumpOffset >>> GRANULE_SHIFT);
    this.bumpOffset += size;
    return addr;
  }

  /** Frees the region at `addr`, allocated for `n` bytes. */
  release(addr: number, n: number): void {
    if (n > SMALL_MAX_BYTES) {
      const page = addr >>> 16;
      this.pages[page] = null;
      this.freePages.push(page);
      this.usedBytes -= n;
      this.pageBytes -= n;
      return;
    }
    const c = sizeClass(n);
    this.usedBytes -= classBytes(c);
    this.free[c]!.push(addr);
  }

  /** The page Buffer holding the region at `addr`. */
  page(addr: number): Buffer {
    return this.pages[addr >>> 16]!;
  }

  /** The region's first byte within its page. */
  offset(addr: number): number {
    return (addr & 0xffff) << GRANULE_SHIFT;
  }

  clear(): void {
    this.pages = [];
    this.free = Array.from({ length: CLASSES + 1 }, () => []);
    this.freePages = [];
    this.bumpPage = -1;
    this.bumpOffset = PAGE_BYTES;
    this.usedBytes = 0;
    this.pageBytes = 0;
  }

  private allocLarge(n: number): number {
    const page = this.claimPage(Buffer.allocUnsafeSlow(n));
    this.usedBytes += n;
    this.pageBytes += n;
    return page << 16;
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
    this.bumpPage = this.claimPage(Buffer.allocUnsafeSlow(PAGE_BYTES));
    this.bumpOffset = 0;
    this.pageBytes += PAGE_BYTES;
  }

  private claimPage(buffer: Buffer): number {
    const reused = this.freePages.pop();
    if (reused !== undefined) {
      this.pages[reused] = buffer;
      return reused;
    }
    if (this.pages.length >= MAX_PAGES) throw new Error('meta cache arena full (16 GB)');
    this.pages.push(buffer);
    return this.pages.length - 1;
  }
}
