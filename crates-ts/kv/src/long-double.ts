/**
 * Exact emulation of the C `long double` of x86-64 (80-bit extended precision: explicit 64-bit
 * significand, 15-bit exponent) for what Redis does with it in INCRBYFLOAT / HINCRBYFLOAT:
 * parse with strtold (string2ld), add, and print with "%.17Lf" (ld2string LD_STR_HUMAN).
 *
 * Representation: a finite value is the exact dyadic number (-1)^neg * mant * 2^exp, where
 * `mant` is a BigInt below 2^64. Values produced here are always normalised: a normal number
 * has 2^63 <= mant < 2^64 and MIN_EXP <= exp <= MAX_EXP; a subnormal has exp === MIN_EXP and
 * mant < 2^63; zero has mant === 0n (its sign is kept in `neg`). Infinity and NaN are tagged.
 *
 * Every operation rounds the exact result once, to nearest with ties to even (the default x87 /
 * glibc rounding mode), including gradual underflow to subnormals and overflow to infinity.
 * All arithmetic is exact BigInt arithmetic, so results do not depend on the host's doubles.
 */

export type LongDouble =
  | { readonly kind: 'finite'; readonly neg: boolean; readonly mant: bigint; readonly exp: number }
  | { readonly kind: 'inf'; readonly neg: boolean }
  | { readonly kind: 'nan' };

/** Exponent of the significand's least significant bit for subnormals and the smallest normals. */
const MIN_EXP = -16445;
/** Largest exponent of the least significant bit of a finite value: max = (2^64 - 1) * 2^16320. */
const MAX_EXP = 16320;
const MANT_BITS = 64;
const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Redis MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs of this length or longer. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;
/** Decimal/binary exponents are clamped to this magnitude while parsing (results are 0 or inf). */
const EXP_CLAMP = 100_000_000;
/** 10^17, the scale of "%.17Lf". */
const TEN17 = 10n ** 17n;

const ZERO: LongDouble = { kind: 'finite', neg: false, mant: 0n, exp: 0 };
/** +0, the value of a missing key or hash field. */
export const LONG_DOUBLE_ZERO: LongDouble = ZERO;
const NEG_ZERO: LongDouble = { kind: 'finite', neg: true, mant: 0n, exp: 0 };
const INF: LongDouble = { kind: 'inf', neg: false };
const NEG_INF: LongDouble = { kind: 'inf', neg: true };
const NAN: LongDouble = { kind: 'nan' };

const zero = (neg: boolean): LongDouble => (neg ? NEG_ZERO : ZERO);
const inf = (neg: boolean): LongDouble => (neg ? NEG_INF : INF);

/** Number of bits of a positive BigInt. */
function bitLength(x: bigint): number {
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(h[0]!, 16)));
}

/**
 * Rounds the exact value (-1)^neg * m * 2^e (m >= 0) to the nearest long double, ties to even,
 * with subnormals and overflow to infinity.
 */
function round(neg: boolean, m: bigint, e: number): LongDouble {
  if (m === 0n) return zero(neg);
  const bl = bitLength(m);
  let shift = bl - MANT_BITS;
  if (e + shift < MIN_EXP) shift = MIN_EXP - e;
  if (shift > 0) {
    // Everything is below half of the smallest step: rounds to zero (avoids giant shifts).
    if (shift > bl) return zero(neg);
    const sb = BigInt(shift);
    let q = m >> sb;
    const rem = m - (q << sb);
    const half = 1n << (sb - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) {
      q += 1n;
      if (q === TWO64) {
        q = TWO63;
        shift += 1;
      }
    }
    if (q === 0n) return zero(neg);
    m = q;
    e += shift;
  } else if (shift < 0) {
    m <<= BigInt(-shift);
    e += shift;
  }
  if (e > MAX_EXP) return inf(neg);
  return { kind: 'finite', neg, mant: m, exp: e };
}

/** The long double equal to a double (every double is one exactly: C's promotion). */
export function longDoubleFromDouble(x: number): LongDouble {
  if (Number.isNaN(x)) return NAN;
  if (!Number.isFinite(x)) return inf(x < 0);
  if (x === 0) return zero(Object.is(x, -0));
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, Math.abs(x));
  const biased = bits.getUint16(0) >>> 4;
  const fraction = bits.getBigUint64(0) & ((1n << 52n) - 1n);
  // Normal: 1.fraction * 2^(biased - 1023); subnormal: 0.fraction * 2^-1022.
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? -1022 : biased - 1023) - 52;
  return round(x < 0, m, e);
}

export function isFiniteLongDouble(x: LongDouble): boolean {
  return x.kind === 'finite';
}

export function isNaNLongDouble(x: LongDouble): boolean {
  return x.kind === 'nan';
}

/** The exactly rounded product x * factor, for a positive integer factor (C's `x * 1000.0`). */
export function scaleLongDouble(x: LongDouble, factor: bigint): LongDouble {
  if (x.kind !== 'finite') return x;
  return round(x.neg, x.mant * factor, x.exp);
}

/** The exactly rounded sum a + b (IEEE semantics: inf + -inf is NaN, -0 + -0 is -0). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === 'nan' || b.kind === 'nan') return NAN;
  if (a.kind === 'inf') return b.kind === 'inf' && b.neg !== a.neg ? NAN : a;
  if (b.kind === 'inf') return b;
  if (a.mant === 0n) return b.mant === 0n ? zero(a.neg && b.neg) : b;
  if (b.mant === 0n) return a;
  const e = Math.min(a.exp, b.exp);
  const am = a.mant << BigInt(a.exp - e);
  const bm = b.mant << BigInt(b.exp - e);
  const sum = (a.neg ? -am : am) + (b.neg ? -bm : bm);
  if (sum === 0n) return ZERO;
  return sum < 0n ? round(true, -sum, e) : round(false, sum, e);
}

const C_0 = 0x30;
const C_9 = 0x39;
const C_DOT = 0x2e;
const C_PLUS = 0x2b;
const C_MINUS = 0x2d;

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= C_0 && c <= C_9;

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= C_0 && c <= C_9) return c - C_0;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Case-insensitive match of lowercase ASCII `word` at `pos`. */
function matchWord(buf: Buffer, pos: number, word: string): boolean {
  if (pos + word.length > buf.length) return false;
  for (let i = 0; i < word.length; i++) if ((buf[pos + i]! | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses an optionally signed run of decimal digits at `pos` (the exponent of a float).
 * Returns the clamped value and the end offset, or undefined when no digit follows the sign.
 */
function parseExponent(buf: Buffer, pos: number): { value: number; end: number } | undefined {
  let neg = false;
  if (buf[pos] === C_PLUS || buf[pos] === C_MINUS) {
    neg = buf[pos] === C_MINUS;
    pos++;
  }
  if (!isDigit(buf[pos])) return undefined;
  let v = 0;
  while (isDigit(buf[pos])) {
    if (v < EXP_CLAMP) v = v * 10 + (buf[pos]! - C_0);
    pos++;
  }
  return { value: neg ? -Math.min(v, EXP_CLAMP) : Math.min(v, EXP_CLAMP), end: pos };
}

/** (-1)^neg * digits * 10^exp10, correctly rounded. `digits` has no leading zeros and is not empty. */
function fromDecimal(neg: boolean, digits: string, exp10: number): LongDouble {
  const nd = digits.length;
  // 10^(nd-1+exp10) <= |value| < 10^(nd+exp10); LDBL_MAX ~ 1.19e4932, half the least subnormal
  // ~ 1.8e-4951. Outside these bounds the result is known without big arithmetic.
  if (nd - 1 + exp10 >= 4933) return inf(neg);
  if (nd + exp10 < -4960) return zero(neg);
  const d = BigInt(digits);
  if (exp10 >= 0) return round(neg, d * 10n ** BigInt(exp10), 0);
  // |value| = d / 5^k * 2^-k. Divide with at least 66 quotient bits, keep the remainder as a
  // sticky bit below them, then round once.
  const k = -exp10;
  const p = 5n ** BigInt(k);
  const s = Math.max(0, MANT_BITS + 2 + bitLength(p) - bitLength(d));
  const n = d << BigInt(s);
  const q = n / p;
  const sticky = n - q * p === 0n ? 0n : 1n;
  return round(neg, (q << 1n) | sticky, -k - s - 1);
}

/**
 * strtold as Redis's string2ld uses it: the whole buffer must be one number (no leading white
 * space, no trailing bytes), shorter than 5120 bytes, not NaN, and not out of range (strtold's
 * ERANGE with a result of +-inf or zero). Accepts an optional sign, then a decimal number with
 * an optional exponent, a hexadecimal float (0x1.8p3, exponent optional), or inf / infinity in
 * any case. Returns undefined when Redis would reply "value is not a valid float".
 */
export function parseLongDouble(buf: Buffer): LongDouble | undefined {
  const len = buf.length;
  if (len === 0 || len >= MAX_LONG_DOUBLE_CHARS) return undefined;
  let pos = 0;
  let neg = false;
  if (buf[0] === C_PLUS || buf[0] === C_MINUS) {
    neg = buf[0] === C_MINUS;
    pos = 1;
  }
  const c0 = buf[pos];
  if (c0 === undefined) return undefined;
  if ((c0 | 0x20) === 0x69 /* i */) {
    if (matchWord(buf, pos, 'infinity')) return pos + 8 === len ? inf(neg) : undefined;
    if (matchWord(buf, pos, 'inf')) return pos + 3 === len ? inf(neg) : undefined;
    return undefined;
  }
  // Hexadecimal: "0x" then hex digits with an optional point (at least one digit), optional p-exponent.
  if (c0 === C_0 && (buf[pos + 1]! | 0x20) === 0x78) {
    const start = pos + 2;
    if (hexValue(buf[start]) >= 0 || (buf[start] === C_DOT && hexValue(buf[start + 1]) >= 0)) {
      return parseHex(buf, start, neg);
    }
    // strtold reads just the "0" and stops at the 'x': trailing garbage for Redis.
    return undefined;
  }
  const intStart = pos;
  while (isDigit(buf[pos])) pos++;
  const intEnd = pos;
  let fracStart = pos;
  let fracEnd = pos;
  if (buf[pos] === C_DOT) {
    fracStart = ++pos;
    while (isDigit(buf[pos])) pos++;
    fracEnd = pos;
  }
  if (intEnd === intStart && fracEnd === fracStart) return undefined;
  let exp10 = 0;
  if (pos < len && (buf[pos]! | 0x20) === 0x65 /* e */) {
    const ex = parseExponent(buf, pos + 1);
    if (ex === undefined) return undefined;
    exp10 = ex.value;
    pos = ex.end;
  }
  if (pos !== len) return undefined;
  let digits = buf.toString('latin1', intStart, intEnd) + buf.toString('latin1', fracStart, fracEnd);
  exp10 -= fracEnd - fracStart;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === C_0) lead++;
  if (lead === digits.length) return zero(neg);
  digits = digits.slice(lead);
  const r = fromDecimal(neg, digits, exp10);
  // strtold's ERANGE overflow / underflow to zero: string2ld refuses both.
  if (r.kind !== 'finite' || r.mant === 0n) return undefined;
  return r;
}

function parseHex(buf: Buffer, pos: number, neg: boolean): LongDouble | undefined {
  const len = buf.length;
  const intStart = pos;
  while (hexValue(buf[pos]) >= 0) pos++;
  const intEnd = pos;
  let fracStart = pos;
  let fracEnd = pos;
  if (buf[pos] === C_DOT) {
    fracStart = ++pos;
    while (hexValue(buf[pos]) >= 0) pos++;
    fracEnd = pos;
  }
  let exp2 = 0;
  if (pos < len && (buf[pos]! | 0x20) === 0x70 /* p */) {
    const ex = parseExponent(buf, pos + 1);
    if (ex === undefined) return undefined;
    exp2 = ex.value;
    pos = ex.end;
  }
  if (pos !== len) return undefined;
  const digits = buf.toString('latin1', intStart, intEnd) + buf.toString('latin1', fracStart, fracEnd);
  const m = BigInt(`0x${digits}`);
  if (m === 0n) return zero(neg);
  const r = round(neg, m, exp2 - 4 * (fracEnd - fracStart));
  if (r.kind !== 'finite' || r.mant === 0n) return undefined;
  return r;
}

/**
 * Redis ld2string(LD_STR_HUMAN): printf("%.17Lf") of the exact binary value (glibc rounds it to
 * 17 decimals, ties to even), then trailing zeros and a trailing '.' removed, and "-0" -> "0".
 * Infinity prints as "inf" / "-inf" (ld2string special-cases it); NaN as "nan".
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.kind === 'nan') return 'nan';
  if (x.kind === 'inf') return x.neg ? '-inf' : 'inf';
  let text: string;
  if (x.exp >= 0) {
    text = (x.mant << BigInt(x.exp)).toString();
  } else {
    const sh = -x.exp;
    let q = 0n;
    // mant * 10^17 < 2^121: beyond that shift the value is below half of 10^-17.
    if (sh <= 122) {
      const n = x.mant * TEN17;
      const sb = BigInt(sh);
      q = n >> sb;
      const rem = n - (q << sb);
      const half = 1n << (sb - 1n);
      if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    }
    const digits = q.toString().padStart(18, '0');
    const intPart = digits.slice(0, -17);
    let end = 17;
    while (end > 0 && digits.charCodeAt(digits.length - 17 + end - 1) === C_0) end--;
    text = end === 0 ? intPart : `${intPart}.${digits.slice(-17, digits.length - 17 + end)}`;
  }
  if (!x.neg || text === '0') return text;
  return `-${text}`;
}
