/**
 * Redis's geohash (geohash.c): a position is a cell of a grid over longitude [-180, 180] and
 * latitude [-85.05112878, 85.05112878] (the Web Mercator limits); at `step` bits per axis the
 * cell's two indexes are interleaved, latitude in the even bits and longitude in the odd bits.
 * A geo set stores each member with the 52-bit hash of step 26 as its sorted-set score.
 *
 * A cell is kept deinterleaved here ({lat, lon} indexes, each an unsigned 32-bit integer) since
 * JS bit operations are 32-bit; interleaving to the 64-bit hash is done only where Redis uses the
 * hash as a number (scores, GEOHASH strings). Every float operation follows Redis's order, so the
 * same input gives the same bits and the same decoded coordinates.
 */
import { assert } from '@seshat/common';

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

export interface GeoRange {
  readonly min: number;
  readonly max: number;
}

/** The ranges of stored geo sets (Redis's WGS84 / EPSG:900913 constraints). */
export const LONG_RANGE: GeoRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const LAT_RANGE: GeoRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

/** A cell: its latitude and longitude indexes at `step` bits. Step 0 marks "no cell" (GZERO). */
export interface GeoCell {
  lat: number;
  lon: number;
  step: number;
}

export const NO_CELL: GeoCell = { lat: 0, lon: 0, step: 0 };

export function isNoCell(c: GeoCell): boolean {
  return c.lat === 0 && c.lon === 0 && c.step === 0;
}

export function sameCell(a: GeoCell, b: GeoCell): boolean {
  return a.lat === b.lat && a.lon === b.lon && a.step === b.step;
}

/** The bounds of a cell in degrees. */
export interface GeoArea {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

/**
 * Redis geohashEncode: the cell of (lon, lat) at `step` bits within the ranges, or null outside
 * the WGS84 limits or the ranges.
 */
export function encodeCell(
  lonRange: GeoRange,
  latRange: GeoRange,
  lon: number,
  lat: number,
  step: number,
): GeoCell | null {
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return null;
  if (lat < latRange.min || lat > latRange.max || lon < lonRange.min || lon > lonRange.max) return null;
  let latOffset = (lat - latRange.min) / (latRange.max - latRange.min);
  let lonOffset = (lon - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  assert(
    latOffset >= 0 && latOffset <= 2 ** step && lonOffset >= 0 && lonOffset <= 2 ** step,
    'geohash offset',
  );
  // C converts the offsets (0 .. 2^step) to uint32 by truncation.
  return { lat: Math.trunc(latOffset) >>> 0, lon: Math.trunc(lonOffset) >>> 0, step };
}

/** Redis geohashDecode: the bounds of a cell (indexes beyond `step` bits included, as in C). */
export function decodeCell(lonRange: GeoRange, latRange: GeoRange, c: GeoCell): GeoArea {
  const latScale = latRange.max - latRange.min;
  const lonScale = lonRange.max - lonRange.min;
  const cells = 2 ** c.step;
  // `index + 1` is uint32 arithmetic in C: it wraps to 0 for 0xffffffff.
  return {
    latMin: latRange.min + (c.lat / cells) * latScale,
    latMax: latRange.min + (((c.lat + 1) >>> 0) / cells) * latScale,
    lonMin: lonRange.min + (c.lon / cells) * lonScale,
    lonMax: lonRange.min + (((c.lon + 1) >>> 0) / cells) * lonScale,
  };
}

/** The centre of a cell, clamped to the WGS84 limits (Redis geohashDecodeAreaToLongLat). */
export function cellCenter(area: GeoArea, out: Float64Array): void {
  let lon = (area.lonMin + area.lonMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (area.latMin + area.latMax) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  out[0] = lon;
  out[1] = lat;
}

// ---------------------------------------------------------------------------------------------
// 64-bit hashes as (hi, lo) halves

/** Spreads the 16 low bits of x to the even bits of a 32-bit word. */
function spread16(x: number): number {
  x &= 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x;
}

/** The inverse of spread16: the even bits of x, packed. */
function compact16(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** A 64-bit unsigned integer as two unsigned 32-bit halves. */
export interface U64 {
  hi: number;
  lo: number;
}

/** Redis interleave64: latitude bits at even positions, longitude bits at odd ones. */
export function interleave(c: GeoCell): U64 {
  return {
    hi: (spread16(c.lat >>> 16) | (spread16(c.lon >>> 16) << 1)) >>> 0,
    lo: (spread16(c.lat) | (spread16(c.lon) << 1)) >>> 0,
  };
}

/** The cell of a 64-bit hash at `step` (Redis deinterleave64). */
export function deinterleave(h: U64, step: number): GeoCell {
  return {
    lat: (compact16(h.lo) | (compact16(h.hi) << 16)) >>> 0,
    lon: (compact16(h.lo >>> 1) | (compact16(h.hi >>> 1) << 16)) >>> 0,
    step,
  };
}

/** The double nearest to a 64-bit unsigned integer (C's conversion, round to nearest even). */
export function u64ToDouble(h: U64): number {
  return h.hi * 2 ** 32 + h.lo;
}

/**
 * C's `(uint64_t)x` for a double as gcc compiles it on x86-64: truncation toward zero, negative
 * values wrap (two's complement), and out-of-range values give the bit patterns of cvttsd2si
 * (2^63 for -inf and below -2^63, 0 for 2^64 and above).
 */
export function doubleToU64(x: number): U64 {
  if (x >= 0 && x < 2 ** 53) {
    const t = Math.trunc(x);
    return { hi: Math.floor(t / 2 ** 32), lo: t % 2 ** 32 };
  }
  if (x >= 2 ** 63) {
    const rest = x - 2 ** 63;
    if (rest >= 2 ** 63) return { hi: 0, lo: 0 };
    const t = Math.trunc(rest);
    return { hi: (Math.floor(t / 2 ** 32) | 0x80000000) >>> 0, lo: (t % 2 ** 32) >>> 0 };
  }
  if (!(x > -(2 ** 63))) return { hi: 0x80000000, lo: 0 };
  const v = BigInt.asUintN(64, BigInt(Math.trunc(x)));
  return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) };
}

/** C's `(long long)x` on x86-64: truncation, -2^63 when out of range. */
export function doubleToI64(x: number): bigint {
  if (x >= 2 ** 63 || !(x > -(2 ** 63))) return -(2n ** 63n);
  return BigInt(Math.trunc(x));
}

/** (h << shift) mod 2^64, for 0 <= shift < 64. */
function shiftLeft(h: U64, shift: number): U64 {
  if (shift === 0) return h;
  if (shift >= 32) return { hi: (h.lo << (shift - 32)) >>> 0, lo: 0 };
  return { hi: ((h.hi << shift) | (h.lo >>> (32 - shift))) >>> 0, lo: (h.lo << shift) >>> 0 };
}

function increment(h: U64): U64 {
  const lo = (h.lo + 1) >>> 0;
  return { hi: lo === 0 ? (h.hi + 1) >>> 0 : h.hi, lo };
}

/** Redis geohashAlign52Bits: the hash moved to the top of 52 bits, as a score. */
export function align52(c: GeoCell): number {
  return u64ToDouble(shiftLeft(interleave(c), 52 - c.step * 2));
}

/**
 * Redis scoresOfGeoHashBox: the scores [min, max) of every member inside a cell (the cell's
 * hash, and the next hash, moved to 52 bits).
 */
export function cellScoreRange(c: GeoCell): [min: number, max: number] {
  const shift = 52 - c.step * 2;
  const h = interleave(c);
  return [u64ToDouble(shiftLeft(h, shift)), u64ToDouble(shiftLeft(increment(h), shift))];
}

/** The cell (step 26) of a stored score: Redis decodeGeohash's `(uint64_t)score`. */
export function cellOfScore(score: number): GeoCell {
  return deinterleave(doubleToU64(score), GEO_STEP_MAX);
}

/** The position of a stored score: longitude and latitude into `out` (Redis decodeGeohash). */
export function decodeScore(score: number, out: Float64Array): void {
  cellCenter(decodeCell(LONG_RANGE, LAT_RANGE, cellOfScore(score)), out);
}

/** The score GEOADD stores for (lon, lat), already checked to be within the limits. */
export function scoreOf(lon: number, lat: number): number {
  const c = encodeCell(LONG_RANGE, LAT_RANGE, lon, lat, GEO_STEP_MAX);
  if (c === null) throw new RangeError(`coordinates out of range: ${lon},${lat}`);
  return align52(c);
}

// ---------------------------------------------------------------------------------------------
// Neighbours

/** Redis geohash_move_x / move_y: the index moves by d (mod 2^step; bits above step dropped). */
function moved(index: number, d: number, step: number): number {
  const mask = 2 ** step - 1;
  return ((index & mask) + d) & mask;
}

function neighbour(c: GeoCell, dLon: number, dLat: number): GeoCell {
  return {
    lat: dLat === 0 ? c.lat : moved(c.lat, dLat, c.step),
    lon: dLon === 0 ? c.lon : moved(c.lon, dLon, c.step),
    step: c.step,
  };
}

/** The 8 cells around `c`, in Redis's search order: N, S, E, W, NE, NW, SE, SW. */
export function neighbours(c: GeoCell): GeoCell[] {
  return [
    neighbour(c, 0, 1),
    neighbour(c, 0, -1),
    neighbour(c, 1, 0),
    neighbour(c, -1, 0),
    neighbour(c, 1, 1),
    neighbour(c, -1, 1),
    neighbour(c, 1, -1),
    neighbour(c, -1, -1),
  ];
}

const GEOHASH_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';
const GEOHASH_CHARS = 11;
const STANDARD_LONG: GeoRange = { min: -180, max: 180 };
const STANDARD_LAT: GeoRange = { min: -90, max: 90 };

/**
 * GEOHASH's text for a stored score: the position re-encoded with the standard latitude range
 * [-90, 90] at step 26, as 11 base-32 characters (the 11th is always '0': 52 bits give 10).
 */
export function standardGeohash(score: number): string {
  const xy = new Float64Array(2);
  decodeScore(score, xy);
  const c = encodeCell(STANDARD_LONG, STANDARD_LAT, xy[0]!, xy[1]!, GEO_STEP_MAX);
  const h = c === null ? { hi: 0, lo: 0 } : interleave(c);
  const bits = (BigInt(h.hi) << 32n) | BigInt(h.lo);
  let out = '';
  for (let i = 0; i < GEOHASH_CHARS; i++) {
    const idx = i === GEOHASH_CHARS - 1 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += GEOHASH_ALPHABET[idx];
  }
  return out;
}
