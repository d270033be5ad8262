/**
 * The texts Redis 7.0 prints for geo replies and errors, exactly:
 *
 *   distances (GEODIST, WITHDIST)  fixedpoint_d2string(d, 4): llrint(d * 10^4), ties to even
 *   coordinates (GEOPOS, WITHCOORD) addReplyHumanLongDouble: "%.17Lf" of the double, trailing
 *                                   zeros removed (RESP3 sends the same text as a double)
 *   invalid coordinates in errors   "%f": 6 decimals of the exact binary value, ties to even
 */
import { DoubleReply } from '@seshat/common';
import { formatLongDoubleHuman, longDoubleFromDouble } from '../long-double.js';

const DISTANCE_DECIMALS = 4;
const DISTANCE_SCALE = 10 ** DISTANCE_DECIMALS;

/** C's llrint in the default rounding mode: nearest integer, ties to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Redis addReplyDoubleDistance's text: 4 decimals, e.g. "166274.1516", "0.0000". */
export function formatDistance(d: number): string {
  if (d === 0) return `0.${'0'.repeat(DISTANCE_DECIMALS)}`;
  const scaled = roundHalfEven(d * DISTANCE_SCALE);
  const value = Math.abs(scaled);
  const int = Math.floor(value / DISTANCE_SCALE);
  const frac = String(value % DISTANCE_SCALE).padStart(DISTANCE_DECIMALS, '0');
  return `${scaled < 0 ? '-' : ''}${int}.${frac}`;
}

/** A coordinate reply (GEOPOS, WITHCOORD): RESP2 bulk, RESP3 double, Redis's long double text. */
export function coordinateReply(x: number): DoubleReply {
  return new DoubleReply(x, formatLongDoubleHuman(longDoubleFromDouble(x)));
}

const F_DECIMALS = 6;

/** C's printf "%f" of a double: the exact binary value rounded to 6 decimals, ties to even. */
export function formatF(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const neg = x < 0 || Object.is(x, -0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const biased = view.getUint16(0) >>> 4;
  const fraction = view.getBigUint64(0) & ((1n << 52n) - 1n);
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? -1022 : biased - 1023) - 52;
  const scale = 10n ** BigInt(F_DECIMALS);
  let q: bigint;
  if (e >= 0) q = (m << BigInt(e)) * scale;
  else {
    const n = m * scale;
    const sh = BigInt(-e);
    q = n >> sh;
    const rem = n - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  const digits = q.toString().padStart(F_DECIMALS + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -F_DECIMALS)}.${digits.slice(-F_DECIMALS)}`;
}
