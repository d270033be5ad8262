/**
 * The sparse HyperLogLog encoding (see hll-layout.ts for the opcodes): walking it (histogram,
 * merge, PFDEBUG DECODE), converting it to dense, and setting one register in place with the
 * exact byte-level result Redis 7.0 produces (opcode splits, the merge of adjacent VALs, and the
 * promotion to dense beyond `hll-sparse-max-bytes`), so that the stored bytes, and therefore
 * GET, STRLEN and PFDEBUG, agree with Redis.
 *
 * Corrupted values are handled the way Redis handles them: a walk that does not cover exactly
 * 16384 registers is invalid, and an edit mirrors Redis's byte operations even then (including
 * reads of the byte just past the value, which in Redis is the sds terminator). The reference is
 * redis-server 7.0.15 as distributions ship it, with the CVE-2025-32023 fix: a VAL run reaching
 * past register 16383 makes the value invalid at once (7.0.15 as tagged stopped the walk there
 * and accepted the value if the registers before it added up to 16384).
 */
import { assert } from '@seshat/common';
import {
  denseGet,
  denseSet,
  HLL_DENSE,
  HLL_DENSE_BYTES,
  HLL_HDR_BYTES,
  HLL_REGISTERS,
  type HllValue,
  invalidateCache,
  setHllEncoding,
} from './hll-layout.js';

const XZERO_BIT = 0x40;
const VAL_BIT = 0x80;
export const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
/** Opcodes after the changed one that the VAL merge looks at (Redis's scan length). */
const MERGE_SCAN_OPCODES = 5;

const isZero = (b: number): boolean => (b & 0xc0) === 0;
const isXzero = (b: number): boolean => (b & 0xc0) === XZERO_BIT;
const isVal = (b: number): boolean => (b & VAL_BIT) !== 0;
const zeroLen = (b: number): number => (b & 0x3f) + 1;
/** `b2` is undefined past the end of a stored value: it reads as the terminator, 0. */
const xzeroLen = (b: number, b2: number | undefined): number => (((b & 0x3f) << 8) | (b2 ?? 0)) + 1;
const valValue = (b: number): number => ((b >>> 2) & 0x1f) + 1;
const valLen = (b: number): number => (b & 0x3) + 1;
const valOp = (value: number, len: number): number => (((value - 1) << 2) | (len - 1) | VAL_BIT) & 0xff;

/**
 * Visits the runs of a sparse value `bytes[HLL_HDR_BYTES, end)`: `onRun(first, len, value)` for
 * each opcode, in order. Returns the number of registers covered, or -1 when a VAL run would pass
 * register 16383 (the walk stops there: Redis's overflow check).
 */
export function walkSparse(
  bytes: Uint8Array,
  end: number,
  onRun: ((first: number, len: number, value: number) => void) | null,
): number {
  let idx = 0;
  let p = HLL_HDR_BYTES;
  while (p < end) {
    const b = bytes[p]!;
    let len: number;
    let value = 0;
    if (isZero(b)) {
      len = zeroLen(b);
      p++;
    } else if (isXzero(b)) {
      len = xzeroLen(b, bytes[p + 1]);
      p += 2;
    } else {
      len = valLen(b);
      value = valValue(b);
      if (len + idx > HLL_REGISTERS) return -1;
      p++;
    }
    if (onRun !== null) onRun(idx, len, value);
    idx += len;
  }
  return idx;
}

/** Register histogram of a sparse value (Redis hllSparseRegHisto); false if it is corrupted. */
export function sparseHistogram(bytes: Uint8Array, end: number, histo: Int32Array): boolean {
  // Unlike the other walks, Redis's histogram has no overflow check: every run counts.
  let idx = 0;
  let p = HLL_HDR_BYTES;
  while (p < end) {
    const b = bytes[p]!;
    if (isZero(b)) {
      const len = zeroLen(b);
      idx += len;
      histo[0]! += len;
      p++;
    } else if (isXzero(b)) {
      const len = xzeroLen(b, bytes[p + 1]);
      idx += len;
      histo[0]! += len;
      p += 2;
    } else {
      const len = valLen(b);
      idx += len;
      histo[valValue(b)]! += len;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** max[i] = max(max[i], register i) over a sparse value (Redis hllMerge); false if corrupted. */
export function sparseMergeInto(bytes: Uint8Array, end: number, max: Uint8Array): boolean {
  const covered = walkSparse(bytes, end, (first, len, value) => {
    if (value === 0) return;
    for (let i = first; i < first + len; i++) if (value > max[i]!) max[i] = value;
  });
  return covered === HLL_REGISTERS;
}

/** PFDEBUG DECODE's text: `z:<len>`, `Z:<len>`, `v:<value>,<len>` separated by spaces. */
export function sparseDecodeText(value: Buffer): string {
  const parts: string[] = [];
  let p = HLL_HDR_BYTES;
  while (p < value.length) {
    const b = value[p]!;
    if (isZero(b)) {
      parts.push(`z:${zeroLen(b)}`);
      p++;
    } else if (isXzero(b)) {
      parts.push(`Z:${xzeroLen(b, value[p + 1])}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(b)},${valLen(b)}`);
      p++;
    }
  }
  return parts.join(' ');
}

/**
 * Converts a sparse value to dense in place (Redis hllSparseToDense): the header is kept (the
 * cached cardinality too), the encoding byte becomes dense. False, and `h` unchanged, if the
 * sparse value is corrupted. A dense value is left as it is.
 */
export function sparseToDense(h: HllValue): boolean {
  if (h.encoding === HLL_DENSE) return true;
  // One byte past the registers, zero, like the sds terminator Redis's register macros touch.
  const dense = Buffer.alloc(HLL_DENSE_BYTES + 1);
  h.bytes.copy(dense, 0, 0, HLL_HDR_BYTES);
  setHllEncoding(dense, HLL_DENSE);
  const covered = walkSparse(h.bytes, h.length, (first, len, value) => {
    if (value === 0) return;
    for (let i = first; i < first + len; i++) denseSet(dense, HLL_HDR_BYTES, i, value);
  });
  if (covered !== HLL_REGISTERS) return false;
  h.replace(dense, HLL_DENSE_BYTES);
  return true;
}

/** Where register `index` lies in a sparse value: the opcode's offset and the runs around it. */
interface SparseSpot {
  /** Offset of the opcode covering `index`. */
  p: number;
  /** Offset of the opcode before it, or -1 when it is the first. */
  prev: number;
  /** First register the opcode covers, and how many. */
  first: number;
  span: number;
}

function locate(bytes: Uint8Array, end: number, index: number): SparseSpot | null {
  let p = HLL_HDR_BYTES;
  let prev = -1;
  let first = 0;
  let span = 0;
  while (p < end) {
    const b = bytes[p]!;
    let oplen = 1;
    if (isZero(b)) span = zeroLen(b);
    else if (isVal(b)) span = valLen(b);
    else {
      span = xzeroLen(b, bytes[p + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return null;
  return { p, prev, first, span };
}

/** A zero run of `len` registers: ZERO when it fits, else XZERO. */
function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq.push(XZERO_BIT | ((len - 1) >>> 8), (len - 1) & 0xff);
  } else {
    seq.push(len - 1);
  }
}

/** The opcodes replacing the one at `spot` so that register `index` holds `count`. */
function splitSequence(bytes: Uint8Array, spot: SparseSpot, index: number, count: number): number[] {
  const seq: number[] = [];
  const last = spot.first + spot.span - 1;
  const op = bytes[spot.p]!;
  if (isVal(op)) {
    const cur = valValue(op);
    if (index !== spot.first) seq.push(valOp(cur, index - spot.first));
    seq.push(valOp(count, 1));
    if (index !== last) seq.push(valOp(cur, last - index));
  } else {
    if (index !== spot.first) pushZeros(seq, index - spot.first);
    seq.push(valOp(count, 1));
    if (index !== last) pushZeros(seq, last - index);
  }
  return seq;
}

/**
 * Sets register `index` of a sparse value to `count` if that is larger (Redis hllSparseSet):
 * 1 if the register changed, 0 if not, -1 if the value is corrupted. May convert `h` to dense:
 * when `count` is beyond what a VAL opcode holds, or when the value would grow past
 * `sparseMaxBytes`.
 */
export function sparseSet(h: HllValue, index: number, count: number, sparseMaxBytes: number): -1 | 0 | 1 {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  // The worst split (XZERO -> XZERO VAL XZERO) adds 3 bytes.
  h.reserve(3);
  const spot = locate(h.bytes, h.length, index);
  if (spot === null) return -1;
  const op = h.bytes[spot.p]!;
  if (isVal(op)) {
    if (valValue(op) >= count) return 0;
    if (valLen(op) === 1) {
      h.bytes[spot.p] = valOp(count, 1);
      return updated(h, spot.prev);
    }
  }
  if (isZero(op) && zeroLen(op) === 1) {
    h.bytes[spot.p] = valOp(count, 1);
    return updated(h, spot.prev);
  }
  const seq = splitSequence(h.bytes, spot, index, count);
  const oldLen = isXzero(op) ? 2 : 1;
  const delta = seq.length - oldLen;
  if (delta > 0 && h.length + delta > sparseMaxBytes) return promote(h, index, count);
  const next = spot.p + oldLen;
  const end = h.length;
  if (delta !== 0 && next < end) h.bytes.copyWithin(next + delta, next, end);
  h.grow(delta);
  for (let i = 0; i < seq.length; i++) h.bytes[spot.p + i] = seq[i]!;
  return updated(h, spot.prev);
}

/** After a change: merges adjacent VALs of equal value near it, invalidates the cache. */
function updated(h: HllValue, prev: number): 1 {
  const bytes = h.bytes;
  let p = prev === -1 ? HLL_HDR_BYTES : prev;
  let end = h.length;
  let scan = MERGE_SCAN_OPCODES;
  while (p < end) {
    if (scan-- === 0) break;
    const b = bytes[p]!;
    if (isXzero(b)) {
      p += 2;
      continue;
    }
    if (isZero(b)) {
      p++;
      continue;
    }
    if (p + 1 < end && isVal(bytes[p + 1]!)) {
      const v1 = valValue(b);
      const next = bytes[p + 1]!;
      const len = valLen(b) + valLen(next);
      if (v1 === valValue(next) && len <= SPARSE_VAL_MAX_LEN) {
        bytes[p + 1] = valOp(v1, len);
        // Redis moves the terminator along with the tail.
        bytes.copyWithin(p, p + 1, end + 1);
        h.grow(-1);
        end--;
        continue;
      }
    }
    p++;
  }
  invalidateCache(h.bytes);
  return 1;
}

/** Converts to dense, then sets the register there (it always changes: it was below `count`). */
function promote(h: HllValue, index: number, count: number): -1 | 1 {
  if (!sparseToDense(h)) return -1;
  const old = denseGet(h.bytes, HLL_HDR_BYTES, index);
  assert(count > old, 'promoted register must grow');
  denseSet(h.bytes, HLL_HDR_BYTES, index, count);
  return 1;
}
