/**
 * Sorted-set scores: the order-preserving 8-byte form used in `zscore` keys, the two float
 * parsers Redis 7.0 uses for scores (C strtod, with different checks around it), and the
 * `%.17g` text of a double for the few replies that carry a score as a bulk string (ZSCAN).
 *
 * Order-preserving form: the IEEE-754 bits big-endian, with the sign bit flipped for
 * positive numbers and every bit inverted for negative ones, so that unsigned byte order is
 * numeric order (-inf < ... < -0 = 0 < ... < inf). -0 is written as 0: Redis compares scores
 * with `<` and `==`, so -0 and 0 tie and are ordered by member.
 */

/** Bytes of an encoded score. */
export const SCORE_BYTES = 8;

const scratch = Buffer.allocUnsafe(8);

/** Writes the order-preserving form of `score` (not NaN) at `out[off..off+8)`. */
export function writeScoreKey(score: number, out: Buffer, off: number): void {
  out.writeDoubleBE(score === 0 ? 0 : score, off);
  if (out[off]! & 0x80) {
    for (let i = off; i < off + 8; i++) out[i] = ~out[i]! & 0xff;
  } else {
    out[off] = out[off]! | 0x80;
  }
}

/** Reads a score written by writeScoreKey. */
export function readScoreKey(buf: Buffer, off: number): number {
  if (buf[off]! & 0x80) {
    buf.copy(scratch, 0, off, off + 8);
    scratch[0] = scratch[0]! & 0x7f;
  } else {
    for (let i = 0; i < 8; i++) scratch[i] = ~buf[off + i]! & 0xff;
  }
  return scratch.readDoubleBE(0);
}

/** The exact 8-byte value of a score (member -> score in `sub`; -0 stays -0). */
export function encodeScoreValue(score: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeDoubleBE(score, 0);
  return out;
}

export function decodeScoreValue(buf: Buffer): number {
  return buf.readDoubleBE(0);
}

// ---------------------------------------------------------------------------------------------
// Parsing: C strtod's syntax, written out (JS has no strtod).

interface Scanned {
  value: number;
  /** Index after the last character used; equal to the start when nothing was converted. */
  end: number;
  /** True when the result is out of range (strtod's ERANGE for overflow or underflow to 0). */
  range: boolean;
}

const DECIMAL_RE = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const DIGITS_NONZERO_RE = /[1-9]/;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function lowerAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

function startsWithWord(s: string, i: number, word: string): boolean {
  if (s.length - i < word.length) return false;
  for (let j = 0; j < word.length; j++) if (lowerAt(s, i + j) !== word.charCodeAt(j)) return false;
  return true;
}

/** strtod from `start` (no whitespace skipping): what it converts and where it stops. */
function scanFloat(s: string, start: number): Scanned {
  let i = start;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  if (startsWithWord(s, i, 'inf')) {
    const end = startsWithWord(s, i, 'infinity') ? i + 8 : i + 3;
    return { value: neg ? -Infinity : Infinity, end, range: false };
  }
  if (startsWithWord(s, i, 'nan')) {
    let end = i + 3;
    if (s[end] === '(') {
      const close = s.indexOf(')', end);
      if (close > 0 && /^[0-9A-Za-z_]*$/.test(s.slice(end + 1, close))) end = close + 1;
    }
    return { value: Number.NaN, end, range: false };
  }
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    const hex = scanHex(s, i + 2, neg);
    if (hex !== undefined) return hex;
  }
  const m = DECIMAL_RE.exec(s.slice(i));
  if (m === null) return { value: 0, end: start, range: false };
  const text = m[0];
  const v = Number(text);
  const mantissa = text.replace(/[eE].*$/, '');
  const range = v === Number.POSITIVE_INFINITY || (v === 0 && DIGITS_NONZERO_RE.test(mantissa));
  return { value: neg ? -v : v, end: i + text.length, range };
}

/** The part of a hex float after "0x"; undefined when no hex digit follows (strtod reads "0"). */
function scanHex(s: string, i: number, neg: boolean): Scanned | undefined {
  let mant = 0n;
  let digits = 0;
  let fracDigits = 0;
  let seenDot = false;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '.' && !seenDot) {
      seenDot = true;
      continue;
    }
    const d = Number.parseInt(c, 16);
    if (Number.isNaN(d)) break;
    mant = (mant << 4n) | BigInt(d);
    digits++;
    if (seenDot) fracDigits++;
  }
  if (digits === 0) return undefined;
  let exp = 0;
  const em = /^[pP]([+-]?\d+)/.exec(s.slice(i));
  if (em !== null) {
    exp = Math.max(-100000, Math.min(100000, Number(em[1])));
    i += em[0].length;
  }
  const value = hexValue(mant, exp - 4 * fracDigits);
  const range = value === Number.POSITIVE_INFINITY || (value === 0 && mant !== 0n);
  return { value: neg ? -value : value, end: i, range };
}

/** mant * 2^exp as a double (mantissas over 64 bits keep a sticky bit). */
function hexValue(mant: bigint, exp: number): number {
  if (mant === 0n) return 0;
  const bits = mant.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const sticky = mant & ((1n << shift) - 1n) ? 1n : 0n;
    mant = (mant >> shift) | sticky;
    exp += bits - 64;
  }
  let x = Number(mant);
  while (exp > 1000) {
    x *= 2 ** 1000;
    exp -= 1000;
  }
  while (exp < -1000) {
    x *= 2 ** -1000;
    exp += 1000;
  }
  return x * 2 ** exp;
}

/**
 * Redis getDoubleFromObject (ZADD/ZINCRBY scores, WEIGHTS): the whole argument must be a
 * strtod number, no leading space, not NaN, no overflow and no underflow to zero. Hex floats
 * and "inf"/"infinity" are accepted. Undefined when rejected.
 */
export function parseStrictDouble(buf: Buffer): number | undefined {
  if (buf.length === 0 || buf.length > 5000 || isSpace(buf[0]!)) return undefined;
  const s = buf.toString('latin1');
  const r = scanFloat(s, 0);
  if (r.end !== s.length || r.range || Number.isNaN(r.value)) return undefined;
  return r.value;
}

/**
 * The strtod check of score ranges (zslParseRange): leading spaces are skipped, the rest must
 * be used up, NaN is refused, out-of-range values are kept (1e400 is inf). An empty string
 * converts nothing and reads as 0, as in Redis.
 */
export function parseLooseDouble(s: string): number | undefined {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const r = scanFloat(s, i);
  if (r.end === i) return s.length === 0 ? 0 : undefined;
  if (r.end !== s.length || Number.isNaN(r.value)) return undefined;
  return r.value;
}

// ---------------------------------------------------------------------------------------------
// Formatting: C's "%.17g" of a double, exactly (round half to even on the exact binary value).

const SIGNIFICANT_DIGITS = 17;

/** The text Redis 7.0 writes for a score as a string: %.17g, with inf/-inf spelled out. */
export function formatScore(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const neg = x < 0;
  const [digits, exp10] = roundedDigits(Math.abs(x));
  const body = exp10 < -4 || exp10 >= SIGNIFICANT_DIGITS ? scientific(digits, exp10) : fixed(digits, exp10);
  return neg ? `-${body}` : body;
}

/** 17 significant digits of |x| (exactly rounded) and the decimal exponent of the first. */
function roundedDigits(x: number): [string, number] {
  scratch.writeDoubleBE(x, 0);
  const hi = scratch.readUInt32BE(0);
  const lo = scratch.readUInt32BE(4);
  const biased = hi >>> 20;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  let exact: string;
  let pointShift: number; // value = exact * 10^pointShift
  if (e2 >= 0) {
    exact = (mant << BigInt(e2)).toString();
    pointShift = 0;
  } else {
    exact = (mant * 5n ** BigInt(-e2)).toString();
    pointShift = e2;
  }
  let exp10 = exact.length - 1 + pointShift;
  if (exact.length <= SIGNIFICANT_DIGITS) return [exact.padEnd(SIGNIFICANT_DIGITS, '0'), exp10];
  let head = BigInt(exact.slice(0, SIGNIFICANT_DIGITS));
  const rest = exact.slice(SIGNIFICANT_DIGITS);
  const first = rest.charCodeAt(0) - 0x30;
  const tail = /[1-9]/.test(rest.slice(1));
  if (first > 5 || (first === 5 && (tail || head % 2n === 1n))) head += 1n;
  let digits = head.toString();
  if (digits.length > SIGNIFICANT_DIGITS) {
    digits = digits.slice(0, SIGNIFICANT_DIGITS);
    exp10++;
  }
  return [digits, exp10];
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

function scientific(digits: string, exp10: number): string {
  const mant = stripZeros(`${digits[0]}.${digits.slice(1)}`);
  const e = Math.abs(exp10);
  return `${mant}e${exp10 < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

function fixed(digits: string, exp10: number): string {
  if (exp10 < 0) return stripZeros(`0.${'0'.repeat(-exp10 - 1)}${digits}`);
  return stripZeros(`${digits.slice(0, exp10 + 1)}.${digits.slice(exp10 + 1)}`);
}
