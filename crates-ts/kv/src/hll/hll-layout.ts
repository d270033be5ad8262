/**
 * The bytes of a Redis HyperLogLog, exactly as Redis 7.0 lays them out in a string value, so an
 * HLL copied from Redis (GET there, SET here) counts the same here and the reverse:
 *
 *   header (16 bytes): "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes |
 *                      cached cardinality, 64-bit little endian; its top bit set = stale
 *   dense:   16384 registers of 6 bits, packed from the least significant bit of each byte
 *            (register 0 is bits 0-5 of byte 0, register 1 bits 6-7 of byte 0 and 0-3 of byte 1)
 *   sparse:  run-length opcodes (hll-sparse.ts): ZERO 00xxxxxx (1-64 zero registers),
 *            XZERO 01xxxxxx yyyyyyyy (1-16384 zero registers), VAL 1vvvvvxx (1-4 registers of
 *            value 1-32)
 *
 * An element is hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register,
 * the run of zero bits above them (plus one) is the value it offers (1..51).
 */
import { hashHi, hashLo, murmurHash64A } from './murmur64.js';

export const HLL_P = 14;
/** Hash bits left for the zero run: 64 - P. */
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
export const HLL_BITS = 6;
export const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_BYTES = 16;
export const HLL_DENSE_BYTES = HLL_HDR_BYTES + Math.ceil((HLL_REGISTERS * HLL_BITS) / 8);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
/** Redis's default hll-sparse-max-bytes: sparse values grow up to this, then become dense. */
export const HLL_SPARSE_MAX_BYTES_DEFAULT = 3000;
/** Redis's seed for hashing elements. */
export const HLL_HASH_SEED = 0xadc83b19;

const ENCODING_OFFSET = 4;
const CARD_OFFSET = 8;
/** The byte holding the cache's "stale" bit (the top bit of the little-endian cardinality). */
const CARD_TOP_OFFSET = CARD_OFFSET + 7;
const STALE_BIT = 0x80;
const MAGIC = Buffer.from('HYLL', 'latin1');

/** Redis's isHLLObjectOrReply checks on a string value (its type was checked before). */
export function isValidHll(value: Buffer): boolean {
  if (value.length < HLL_HDR_BYTES) return false;
  if (value[0] !== MAGIC[0] || value[1] !== MAGIC[1] || value[2] !== MAGIC[2] || value[3] !== MAGIC[3]) {
    return false;
  }
  const encoding = value[ENCODING_OFFSET]!;
  if (encoding > HLL_SPARSE) return false;
  return encoding !== HLL_DENSE || value.length === HLL_DENSE_BYTES;
}

export function hllEncoding(value: Uint8Array): number {
  return value[ENCODING_OFFSET]!;
}

export function setHllEncoding(value: Uint8Array, encoding: number): void {
  value[ENCODING_OFFSET] = encoding;
}

export function isCacheValid(value: Uint8Array): boolean {
  return (value[CARD_TOP_OFFSET]! & STALE_BIT) === 0;
}

export function invalidateCache(value: Uint8Array): void {
  value[CARD_TOP_OFFSET]! |= STALE_BIT;
}

/** The cached cardinality (top bit clear, so below 2^63): a number when exact, else a bigint. */
export function cachedCardinality(value: Uint8Array): number | bigint {
  let hi = 0;
  for (let i = 7; i >= 4; i--) hi = hi * 256 + value[CARD_OFFSET + i]!;
  let lo = 0;
  for (let i = 3; i >= 0; i--) lo = lo * 256 + value[CARD_OFFSET + i]!;
  const card = hi * 2 ** 32 + lo;
  return Number.isSafeInteger(card) ? card : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Stores `card` (a uint64 as number or bigint) as the cached cardinality, little endian. */
export function writeCardinality(value: Uint8Array, card: number | bigint): void {
  let v = BigInt.asUintN(64, BigInt(card));
  for (let i = 0; i < 8; i++) {
    value[CARD_OFFSET + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * Register `index` of dense registers starting at `base`. The last register reads one byte past
 * the registers (Redis relies on the sds terminator there): absent here, it reads as zero.
 */
export function denseGet(regs: Uint8Array, base: number, index: number): number {
  const bit = index * HLL_BITS;
  const at = base + (bit >>> 3);
  const shift = bit & 7;
  const b1 = at + 1 < regs.length ? regs[at + 1]! : 0;
  return ((regs[at]! >>> shift) | (b1 << (8 - shift))) & HLL_REGISTER_MAX;
}

/** Sets register `index` to `value` (0..63). */
export function denseSet(regs: Uint8Array, base: number, index: number, value: number): void {
  const bit = index * HLL_BITS;
  const at = base + (bit >>> 3);
  const shift = bit & 7;
  regs[at] = (regs[at]! & ~(HLL_REGISTER_MAX << shift)) | ((value << shift) & 0xff);
  if (at + 1 < regs.length) {
    regs[at + 1] = (regs[at + 1]! & ~(HLL_REGISTER_MAX >>> (8 - shift))) | (value >>> (8 - shift));
  }
}

/**
 * Redis hllPatLen: the register an element maps to and the length of its "000..1" pattern,
 * packed as `count * HLL_REGISTERS + index` (no allocation per element).
 */
export function elementPattern(element: Uint8Array, start = 0, end = element.length): number {
  murmurHash64A(element, HLL_HASH_SEED, start, end);
  const index = hashLo & (HLL_REGISTERS - 1);
  // Bits P..63 of the hash; the count is 1 + their trailing zeros, at most Q + 1.
  const low = hashLo >>> HLL_P;
  let count: number;
  if (low !== 0) count = 1 + ctz32(low);
  else if (hashHi !== 0) count = 1 + (32 - HLL_P) + ctz32(hashHi);
  else count = HLL_Q + 1;
  return count * HLL_REGISTERS + index;
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** An HLL string being edited: `bytes[0, length)` is the value, with room to grow in place. */
export class HllValue {
  private constructor(
    public bytes: Buffer,
    public length: number,
  ) {}

  /** Slack kept past a sparse value: a register update grows it by at most 3 bytes. */
  static readonly SLACK_BYTES = 64;

  /** A copy of `value` to edit. */
  static of(value: Buffer): HllValue {
    const bytes = Buffer.alloc(value.length + HllValue.SLACK_BYTES);
    value.copy(bytes, 0);
    return new HllValue(bytes, value.length);
  }

  /** Redis createHLLObject: a sparse HLL of all-zero registers, cached cardinality 0 (valid). */
  static empty(): HllValue {
    const v = new HllValue(Buffer.alloc(HLL_HDR_BYTES + HllValue.SLACK_BYTES), HLL_HDR_BYTES);
    MAGIC.copy(v.bytes, 0);
    setHllEncoding(v.bytes, HLL_SPARSE);
    // XZERO opcodes of at most 16384 registers each: with P = 14, exactly one.
    const run = HLL_REGISTERS - 1;
    v.bytes[v.length++] = 0x40 | (run >>> 8);
    v.bytes[v.length++] = run & 0xff;
    return v;
  }

  /** A dense HLL of all-zero registers, cached cardinality 0 (valid). */
  static emptyDense(): HllValue {
    const v = new HllValue(Buffer.alloc(HLL_DENSE_BYTES + 1), HLL_DENSE_BYTES);
    MAGIC.copy(v.bytes, 0);
    setHllEncoding(v.bytes, HLL_DENSE);
    return v;
  }

  get encoding(): number {
    return this.bytes[ENCODING_OFFSET]!;
  }

  /**
   * Makes room for `extra` more bytes after `length`, plus the byte at `length` itself: like the
   * terminator of a Redis sds string, it always exists and edits may read or write it.
   */
  reserve(extra: number): void {
    if (this.length + extra + 1 <= this.bytes.length) return;
    const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.length + extra + 1));
    this.bytes.copy(grown, 0);
    this.bytes = grown;
  }

  /** Redis sdsIncrLen: the length moves by `delta` and the byte at the new end becomes 0. */
  grow(delta: number): void {
    this.length += delta;
    this.bytes[this.length] = 0;
  }

  /** Replaces the whole value (the dense conversion builds a new one). */
  replace(bytes: Buffer, length: number): void {
    this.bytes = bytes;
    this.length = length;
  }

  /** A copy of the value's bytes, to store. */
  toBuffer(): Buffer {
    return Buffer.from(this.bytes.subarray(0, this.length));
  }
}
