/**
 * C's `%.<precision>g` for doubles (glibc: exactly rounded, ties to even), as the libraries
 * Redis bundles with its Lua print numbers (cjson: `%.14g`), and the conversion of decoded
 * numbers to Lua values.
 */
import { lua } from './runtime.js';

/** A tie at digit p+1 needs an exact expansion that short: only binary exponents >= this. */
const TIE_EXPONENT_MIN = -64;

const scratch = Buffer.alloc(8);

/** Significant digits of |x| (finite, non-zero) rounded to `p`, and the exponent of the first. */
function digitsOf(x: number, p: number): [string, number] {
  scratch.writeDoubleBE(x, 0);
  const hi = scratch.readUInt32BE(0);
  const biased = (hi >>> 20) & 0x7ff;
  const e2 = biased === 0 ? -1074 : biased - 1075;
  if (e2 < TIE_EXPONENT_MIN) {
    // The exact expansion is far longer than p + 1 digits: no tie, JS rounds it exactly.
    const s = x.toExponential(p - 1);
    const e = s.indexOf('e');
    return [s[0]! + s.slice(2, e), Number.parseInt(s.slice(e + 1), 10)];
  }
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(scratch.readUInt32BE(4));
  if (biased !== 0) mant |= 1n << 52n;
  const exact = e2 >= 0 ? (mant << BigInt(e2)).toString() : (mant * 5n ** BigInt(-e2)).toString();
  const point = e2 >= 0 ? exact.length : exact.length + e2; // value = 0.exact * 10^point
  return roundDigits(exact, point, p);
}

/** Rounds the digit string to p digits, ties to even; returns digits and first-digit exponent. */
function roundDigits(exact: string, point: number, p: number): [string, number] {
  const lead = exact.length - exact.replace(/^0+/, '').length;
  const digits = exact.slice(lead);
  let exp = point - lead - 1;
  if (digits.length <= p) return [digits.padEnd(p, '0'), exp];
  let kept = digits.slice(0, p);
  const next = digits.charCodeAt(p) - 48;
  const rest = /[1-9]/.test(digits.slice(p + 1));
  const odd = (kept.charCodeAt(p - 1) - 48) % 2 === 1;
  if (next > 5 || (next === 5 && (rest || odd))) {
    const up = (BigInt(kept) + 1n).toString();
    if (up.length > p) {
      kept = up.slice(0, p);
      exp++;
    } else kept = up;
  }
  return [kept, exp];
}

/** `%.<p>g` of x (1 <= p <= 17), with C's `inf`, `-inf`, `nan` and `-0`. */
export function formatG(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [digits, exp] = digitsOf(Math.abs(x), p);
  let body: string;
  if (exp < -4 || exp >= p) {
    const frac = digits.slice(1).replace(/0+$/, '');
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    body = `${digits[0]}${frac === '' ? '' : `.${frac}`}e${exp < 0 ? '-' : '+'}${e}`;
  } else if (exp >= 0) {
    const int = digits.slice(0, exp + 1);
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    body = frac === '' ? int : `${int}.${frac}`;
  } else {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`.replace(/0+$/, '');
  }
  return x < 0 ? `-${body}` : body;
}

/** Largest magnitude pushed as a Lua integer (beyond, a double cannot hold every integer). */
const LUA_INTEGER_FROM_DOUBLE_MAX = 2 ** 53;

/**
 * Pushes a number decoded by a library. Redis's Lua 5.1 has only doubles, and prints integral
 * ones without a fraction; Lua 5.4 prints an integral float as `1.0`, so an integral value a
 * double holds exactly (not -0) is pushed as a Lua integer.
 */
export function pushLuaNumber(L: number, x: number): void {
  const m = lua();
  if (Number.isInteger(x) && Math.abs(x) <= LUA_INTEGER_FROM_DOUBLE_MAX && !Object.is(x, -0)) {
    m._lua_pushinteger(L, BigInt(x));
  } else m._lua_pushnumber(L, x);
}
