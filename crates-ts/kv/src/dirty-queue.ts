/**
 * The meta cache's dirty writes in write order, as a ring buffer: per element the meta key,
 * the entry index and stamp of the write, and the key's slot with the cache's move count when
 * pushed.
 *
 * Nothing in it is a JS object per element. Columns are typed arrays, and the keys' bytes are
 * copied into one byte ring. Elements live about 2 s (the deferral), so anything allocated per
 * element outlives the young generation: holding each write's meta key Buffer here cost about
 * 15% of a SET's CPU in garbage collection (measured at pipeline 16). Growing plain arrays by
 * push and compacting them by slice also page-faulted on every new backing store.
 *
 * Element positions are logical (they only grow, rebased now and then); `head` is the oldest
 * element kept, `taken` the end of the elements a `takeDirty` handed out, `tail` the end. Key
 * bytes sit at physical offsets of the byte ring, wrapping around its end.
 */

/** Positions are rebased past this, well before bitwise masking would overflow. */
const REBASE_AT = 2 ** 30;
/** Initial byte ring size. */
const KEY_BYTES_MIN = 16 * 1024;

export class DirtyQueue {
  private index!: Float64Array;
  private stamp!: Float64Array;
  private slot!: Int32Array;
  private moves!: Float64Array;
  /** Per element: the physical offset of its key in `bytes`, and the key's length. */
  private keyStart!: Int32Array;
  private keyLength!: Int32Array;
  private mask!: number;
  private bytes: Buffer;
  private bytesMask: number;
  /** Next physical write offset in `bytes`, and the bytes held by kept elements. */
  private bytesTail = 0;
  private bytesUsed = 0;
  head = 0;
  taken = 0;
  tail = 0;

  constructor(private readonly minCapacity = 1024) {
    this.allocate(minCapacity);
    this.bytes = Buffer.allocUnsafeSlow(KEY_BYTES_MIN);
    this.bytesMask = KEY_BYTES_MIN - 1;
  }

  get length(): number {
    return this.tail - this.head;
  }

  push(key: Buffer, index: number, stampMs: number, slot: number, moves: number): void {
    if (this.tail - this.head > this.mask) this.grow();
    const n = key.length;
    if (this.bytesUsed + n > this.bytesMask + 1) this.growBytes(n);
    const p = this.tail & this.mask;
    this.index[p] = index;
    this.stamp[p] = stampMs;
    this.slot[p] = slot;
    this.moves[p] = moves;
    this.keyStart[p] = this.bytesTail;
    this.keyLength[p] = n;
    this.copyIn(key, this.bytesTail);
    this.bytesTail = (this.bytesTail + n) & this.bytesMask;
    this.bytesUsed += n;
    this.tail++;
  }

  /** The key of element `pos`, as a new Buffer. */
  keyAt(pos: number): Buffer {
    const p = pos & this.mask;
    const n = this.keyLength[p]!;
    const start = this.keyStart[p]!;
    const out = Buffer.allocUnsafe(n);
    const first = Math.min(n, this.bytesMask + 1 - start);
    this.bytes.copy(out, 0, start, start + first);
    if (first < n) this.bytes.copy(out, first, 0, n - first);
    return out;
  }
  /** The key of element `pos` as a view of the byte ring when it does not wrap (valid until
   * the next push), else as a copy. */
  keyView(pos: number): Buffer {
    const p = pos & this.mask;
    const start = this.keyStart[p]!;
    const end = start + this.keyLength[p]!;
    return end <= this.bytesMask + 1 ? this.bytes.subarray(start, end) : this.keyAt(pos);
  }
  indexAt(pos: number): number {
    return this.index[pos & this.mask]!;
  }
  stampAt(pos: number): number {
    return this.stamp[pos & this.mask]!;
  }
  slotAt(pos: number): number {
    return this.slot[pos & this.mask]!;
  }
  movesAt(pos: number): number {
    return this.moves[pos & this.mask]!;
  }

  /** Drops the elements before `pos` (at most up to the tail). */
  dropTo(pos: number): void {
    const end = Math.min(pos, this.tail);
    for (let h = this.head; h < end; h++) this.bytesUsed -= this.keyLength[h & this.mask]!;
    if (end > this.head) this.head = end;
    if (this.taken < this.head) this.taken = this.head;
    if (this.head >= REBASE_AT) {
      // Keeps positions in bitwise range: a shift by a multiple of the capacity keeps every
      // element where it is.
      const shift = this.head - (this.head & this.mask);
      this.head -= shift;
      this.taken -= shift;
      this.tail -= shift;
    }
  }

  /** Empties the queue and gives back grown buffers. */
  reset(): void {
    if (this.mask + 1 !== this.minCapacity) this.allocate(this.minCapacity);
    if (this.bytesMask + 1 !== KEY_BYTES_MIN) {
      this.bytes = Buffer.allocUnsafeSlow(KEY_BYTES_MIN);
      this.bytesMask = KEY_BYTES_MIN - 1;
    }
    this.head = 0;
    this.taken = 0;
    this.tail = 0;
    this.bytesTail = 0;
    this.bytesUsed = 0;
  }

  /** Copies `key` into the byte ring at physical offset `at`, wrapping at its end. */
  private copyIn(key: Buffer, at: number): void {
    const n = key.length;
    const bytes = this.bytes;
    if (n <= 64 && at + n <= this.bytesMask + 1) {
      for (let j = 0; j < n; j++) bytes[at + j] = key[j]!;
      return;
    }
    const first = Math.min(n, this.bytesMask + 1 - at);
    key.copy(bytes, at, 0, first);
    if (first < n) key.copy(bytes, 0, first, n);
  }

  /** Fresh, empty columns for `capacity` elements (a power of two). */
  private allocate(capacity: number): void {
    this.index = new Float64Array(capacity);
    this.stamp = new Float64Array(capacity);
    this.slot = new Int32Array(capacity);
    this.moves = new Float64Array(capacity);
    this.keyStart = new Int32Array(capacity);
    this.keyLength = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private grow(): void {
    const { index, stamp, slot, moves, keyStart, keyLength, mask } = this;
    this.allocate((mask + 1) * 2);
    for (let h = this.head; h < this.tail; h++) {
      const from = h & mask;
      const to = h & this.mask;
      this.index[to] = index[from]!;
      this.stamp[to] = stamp[from]!;
      this.slot[to] = slot[from]!;
      this.moves[to] = moves[from]!;
      this.keyStart[to] = keyStart[from]!;
      this.keyLength[to] = keyLength[from]!;
    }
  }

  /** Makes room for `more` key bytes: a larger ring holding the kept keys from offset 0. */
  private growBytes(more: number): void {
    let cap = (this.bytesMask + 1) * 2;
    while (cap < this.bytesUsed + more) cap *= 2;
    const old = this.bytes;
    const oldCap = this.bytesMask + 1;
    const bytes = Buffer.allocUnsafeSlow(cap);
    let at = 0;
    for (let h = this.head; h < this.tail; h++) {
      const p = h & this.mask;
      const start = this.keyStart[p]!;
      const n = this.keyLength[p]!;
      const first = Math.min(n, oldCap - start);
      old.copy(bytes, at, start, start + first);
      if (first < n) old.copy(bytes, at + first, 0, n - first);
      this.keyStart[p] = at;
      at += n;
    }
    this.bytes = bytes;
    this.bytesMask = cap - 1;
    this.bytesTail = at;
  }
}
