/**
 * Cardinality of a HyperLogLog as Redis 7.0 computes it: a histogram of the register values,
 * then Otmar Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
 * sketches", arXiv:1702.01284) with Redis's constants and order of floating-point operations,
 * so the same registers give the same integer here and in Redis.
 */
import { HLL_DENSE, HLL_HDR_BYTES, HLL_Q, HLL_REGISTERS, hllEncoding } from './hll-layout.js';
import { sparseHistogram } from './hll-sparse.js';

/** 0.5 / ln(2), Redis's HLL_ALPHA_INF (0.721347520444481703680, the same double). */
const HLL_ALPHA_INF = 0.7213475204444817;
/** Register values fit in 6 bits; the histogram has a slot for each. */
export const HISTOGRAM_SLOTS = 64;

/** Redis hllSigma: sum for the zero registers' share `x`. */
function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  let zPrime: number;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** Redis hllTau: correction for the saturated registers' complement share `x`. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let zPrime: number;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    // Redis writes pow(1 - x, 2): the exactly rounded square, as here.
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** 2^63: llroundl's result no longer fits a long long (possible only for corrupted values). */
const LLONG_OVERFLOW = 2 ** 63;
const LLONG_MIN = -(2n ** 63n);

/**
 * The estimate from a register histogram. When the estimate reaches 2^63 (a corrupted dense
 * value with huge registers) or is infinite (every register beyond Q + 1), Redis's llroundl
 * overflows to LLONG_MIN and its casts keep that bit pattern: its reply prints -2^63, returned
 * as such (stored back as the cardinality 2^63, whose top bit keeps the cache stale).
 */
export function estimate(histo: Int32Array): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  const e = Math.round((HLL_ALPHA_INF * m * m) / z);
  if (!(e < LLONG_OVERFLOW)) return LLONG_MIN;
  return Number.isSafeInteger(e) ? e : BigInt(e);
}

/** Adds the registers of a dense value (`bytes` from its header on) to `histo`. */
export function denseHistogram(bytes: Uint8Array, histo: Int32Array): void {
  // Four 6-bit registers in every three bytes.
  for (let at = HLL_HDR_BYTES; at < HLL_HDR_BYTES + (HLL_REGISTERS * 3) / 4; at += 3) {
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    const b2 = bytes[at + 2]!;
    histo[b0 & 63]!++;
    histo[((b0 >>> 6) | (b1 << 2)) & 63]!++;
    histo[((b1 >>> 4) | (b2 << 4)) & 63]!++;
    histo[(b2 >>> 2) & 63]!++;
  }
}

/** Adds one register per byte (PFCOUNT's merged registers) to `histo`. */
export function rawHistogram(registers: Uint8Array, histo: Int32Array): void {
  for (let i = 0; i < HLL_REGISTERS; i++) histo[registers[i]!]!++;
}

/**
 * The cardinality of a valid HLL value (header checked), or undefined when its sparse
 * representation is corrupted.
 */
export function hllCount(value: Uint8Array, length: number): number | bigint | undefined {
  const histo = new Int32Array(HISTOGRAM_SLOTS);
  if (hllEncoding(value) === HLL_DENSE) denseHistogram(value, histo);
  else if (!sparseHistogram(value, length, histo)) return undefined;
  return estimate(histo);
}
