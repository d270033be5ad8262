/**
 * MurmurHash64A (Austin Appleby's MurmurHash2, 64-bit variant) as Redis uses it to hash HyperLogLog
 * elements: 8-byte blocks read little-endian whatever the host (Redis's "endian neutral" version),
 * so the same element picks the same register and run length on every machine, and an HLL built
 * by Redis counts the same here.
 *
 * JS has no 64-bit integers on the fast path (BigInt allocates), so a 64-bit value is a pair of
 * unsigned 32-bit halves and the multiplication by the constant is done in 16-bit limbs. The
 * result is left in `hashHi` / `hashLo` of the module (no allocation per call): the HLL code hashes
 * millions of elements in PFSELFTEST.
 */

/** The multiplier m = 0xc6a4a7935bd1e995, in halves. */
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
/** The shift r = 47: a right shift by 47 moves bits 47..63 of the high half down by 15. */
const R_HI_SHIFT = 47 - 32;

/** The last hash: high and low 32 bits, unsigned. */
export let hashHi = 0;
export let hashLo = 0;

// Scratch of mul64: the product's halves.
let mulHi = 0;
let mulLo = 0;

/** (aHi:aLo) * m mod 2^64 into mulHi:mulLo. */
function mulM(aHi: number, aLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = M_LO & 0xffff;
  const b1 = M_LO >>> 16;
  // aLo * M_LO as a full 64-bit product, from four 16x16 products (each exact in a double).
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mulLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carryHi = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  // The cross products only matter modulo 2^32.
  mulHi = (carryHi + Math.imul(aLo, M_HI) + Math.imul(aHi, M_LO)) >>> 0;
}

function readU32LE(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

/**
 * Hashes `data[start, end)` with `seed` (an unsigned 32-bit value); the result is in hashHi and
 * hashLo.
 */
export function murmurHash64A(data: Uint8Array, seed: number, start = 0, end = data.length): void {
  const len = end - start;
  // h = seed ^ (len * m)
  mulM(0, len >>> 0);
  let hHi = mulHi;
  let hLo = (mulLo ^ seed) >>> 0;
  const blocksEnd = start + (len - (len & 7));
  for (let at = start; at < blocksEnd; at += 8) {
    mulM(readU32LE(data, at + 4), readU32LE(data, at));
    // k ^= k >> r; k *= m
    const kLo = (mulLo ^ (mulHi >>> R_HI_SHIFT)) >>> 0;
    mulM(mulHi, kLo);
    // h ^= k; h *= m
    mulM((hHi ^ mulHi) >>> 0, (hLo ^ mulLo) >>> 0);
    hHi = mulHi;
    hLo = mulLo;
  }
  const tail = len & 7;
  if (tail > 0) {
    // Bytes 4..6 of the tail land in the high half, 0..3 in the low half.
    for (let i = tail - 1; i >= 4; i--) hHi = (hHi ^ (data[blocksEnd + i]! << ((i - 4) * 8))) >>> 0;
    for (let i = Math.min(tail, 4) - 1; i >= 0; i--) hLo = (hLo ^ (data[blocksEnd + i]! << (i * 8))) >>> 0;
    mulM(hHi, hLo);
    hHi = mulHi;
    hLo = mulLo;
  }
  // h ^= h >> r; h *= m; h ^= h >> r
  mulM(hHi, (hLo ^ (hHi >>> R_HI_SHIFT)) >>> 0);
  hashHi = mulHi;
  hashLo = (mulLo ^ (mulHi >>> R_HI_SHIFT)) >>> 0;
}
