/**
 * LZF, the compression of RDB strings (RDB_ENC_LZF). The format, as lzf_d.c reads it:
 *
 *   ctrl < 32          literal run: the next ctrl+1 bytes are copied
 *   ctrl >= 32         back reference: len = ctrl >> 5 (7 means "add the next byte"), offset =
 *                      ((ctrl & 31) << 8 | next byte) + 1 bytes back; len + 2 bytes are copied
 *                      (they may overlap the bytes being written, as in run-length coding)
 *
 * So a match is 3..264 bytes long and reaches at most 8192 bytes back. The compressor here is
 * a plain greedy one with a hash of the next three bytes; its output is valid LZF, not the same
 * bytes as Redis's lzf_c.c (nothing needs them to be: any valid stream decodes the same).
 */

/** Longest literal run one control byte covers. */
const LITERAL_RUN_MAX_BYTES = 32;
/** Match lengths: 3 (len field 1) up to 2 + 7 + 255. */
const MATCH_MIN_BYTES = 3;
const MATCH_MAX_BYTES = 264;
/** Farthest a back reference can reach (13-bit offset, plus one). */
const MATCH_DISTANCE_MAX_BYTES = 8192;
/** Output bytes per input byte at most (a 3-byte reference that copies 264 bytes). */
export const LZF_EXPANSION_MAX = 88;

const HASH_BITS = 14;
const HASH_SIZE = 1 << HASH_BITS;
/**
 * Positions of recent 3-byte sequences, as `epoch + position`: an entry below the current
 * call's epoch is stale. Clearing 64 KB per call instead would dominate the cost of the many
 * short strings a collection's payload compresses one by one.
 */
const hashTable = new Int32Array(HASH_SIZE);
let nextEpoch = 0;
const EPOCH_MAX = 0x7fffffff;

/** The epoch for compressing `length` bytes (the table is cleared when epochs run out). */
function takeEpoch(length: number): number {
  if (nextEpoch + length + 1 >= EPOCH_MAX) {
    hashTable.fill(0);
    nextEpoch = 0;
  }
  const epoch = nextEpoch + 1;
  nextEpoch = epoch + length;
  return epoch;
}

function hash3(src: Uint8Array, i: number): number {
  const v = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS)) & (HASH_SIZE - 1);
}

/** Writes literal runs for `src[from..to)`; returns the new output position or -1 if full. */
function emitLiterals(src: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  while (from < to) {
    const run = Math.min(LITERAL_RUN_MAX_BYTES, to - from);
    if (op + 1 + run > out.length) return -1;
    out[op++] = run - 1;
    for (let k = 0; k < run; k++) out[op++] = src[from + k]!;
    from += run;
  }
  return op;
}

/** Writes one back reference; returns the new output position or -1 if full. */
function emitMatch(length: number, distance: number, out: Uint8Array, op: number): number {
  const len = length - 2;
  const off = distance - 1;
  if (op + (len >= 7 ? 3 : 2) > out.length) return -1;
  if (len < 7) out[op++] = (len << 5) | (off >>> 8);
  else {
    out[op++] = (7 << 5) | (off >>> 8);
    out[op++] = len - 7;
  }
  out[op++] = off & 0xff;
  return op;
}

function matchLength(src: Uint8Array, ref: number, i: number): number {
  const max = Math.min(MATCH_MAX_BYTES, src.length - i);
  let n = MATCH_MIN_BYTES;
  while (n < max && src[ref + n] === src[i + n]) n++;
  return n;
}

/**
 * Compresses `src` into at most `maxBytes` bytes; null when the result would not fit (the
 * caller then stores the bytes verbatim, as Redis does when compression saves too little).
 */
export function lzfCompress(src: Uint8Array, maxBytes: number): Buffer | null {
  if (maxBytes <= 0 || src.length === 0) return null;
  const out = Buffer.allocUnsafe(maxBytes);
  const epoch = takeEpoch(src.length);
  let op = 0;
  let literalStart = 0;
  let i = 0;
  while (i + MATCH_MIN_BYTES <= src.length) {
    const h = hash3(src, i);
    const ref = hashTable[h]! - epoch;
    hashTable[h] = epoch + i;
    const fits =
      ref >= 0 &&
      i - ref <= MATCH_DISTANCE_MAX_BYTES &&
      src[ref] === src[i] &&
      src[ref + 1] === src[i + 1] &&
      src[ref + 2] === src[i + 2];
    if (!fits) {
      i++;
      continue;
    }
    const length = matchLength(src, ref, i);
    op = emitLiterals(src, literalStart, i, out, op);
    if (op < 0) return null;
    op = emitMatch(length, i - ref, out, op);
    if (op < 0) return null;
    // Index the positions inside the match too (cheap, and finds more matches later).
    for (let k = i + 1; k < i + length && k + MATCH_MIN_BYTES <= src.length; k++)
      hashTable[hash3(src, k)] = epoch + k;
    i += length;
    literalStart = i;
  }
  op = emitLiterals(src, literalStart, src.length, out, op);
  if (op < 0) return null;
  return out.subarray(0, op);
}

/**
 * Decompresses `src` into exactly `outBytes` bytes; null when the stream is invalid (a
 * reference before the start, input ending inside an instruction, output too long) or decodes
 * to another length: Redis's "Invalid LZF compressed string".
 */
export function lzfDecompress(src: Uint8Array, outBytes: number): Buffer | null {
  if (outBytes === 0) return Buffer.alloc(0); // lzf_decompress returns 0: the length matches
  if (outBytes > src.length * LZF_EXPANSION_MAX) return null;
  const out = Buffer.allocUnsafe(outBytes);
  let ip = 0;
  let op = 0;
  while (ip < src.length) {
    const ctrl = src[ip++]!;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (op + run > outBytes || ip + run > src.length) return null;
      for (let k = 0; k < run; k++) out[op++] = src[ip++]!;
      continue;
    }
    let len = ctrl >>> 5;
    if (ip >= src.length) return null;
    if (len === 7) {
      len += src[ip++]!;
      if (ip >= src.length) return null;
    }
    const ref = op - ((ctrl & 0x1f) << 8) - 1 - src[ip++]!;
    len += 2;
    if (op + len > outBytes || ref < 0) return null;
    for (let k = 0; k < len; k++) out[op++] = out[ref + k]!;
  }
  return op === outBytes ? out : null;
}
