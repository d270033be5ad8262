/**
 * Doubles formatted as Redis 7.0 writes them in replies (`addReplyDouble`): C's `%.17g`,
 * and `inf` / `-inf` for infinities. Verified against redis-server 7.0.15 (see the test).
 *
 * %.17g: round to 17 significant digits (exactly, ties to even as glibc does); with X the
 * decimal exponent of the rounded value, use fixed notation when -4 <= X < 17, otherwise
 * `d.ddde+XX` (at least two exponent digits); then drop trailing zeros and a bare point.
 */

const SIGNIFICANT_DIGITS = 17;
/** Ties at the 18th digit need an exact binary fraction of at most this many bits (5^25 < 10^18 <= 5^26). */
const TIE_FRACTION_BITS_MAX = 25;
const TIE_SCALE = 2 ** TIE_FRACTION_BITS_MAX;

export function formatDouble(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (Number.isNaN(value)) return 'nan';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const negative = value < 0;
  const { digits, exponent } = roundTo17Digits(negative ? -value : value);
  const text =
    exponent >= -4 && exponent < SIGNIFICANT_DIGITS ? fixed(digits, exponent) : scientific(digits, exponent);
  return negative ? '-' + text : text;
}

/** 17 significant digits of a positive finite value and the decimal exponent of the first. */
function roundTo17Digits(value: number): { digits: string; exponent: number } {
  // toExponential rounds exactly but breaks ties upwards; C rounds them to even.
  const text = value.toExponential(SIGNIFICANT_DIGITS - 1);
  const e = text.indexOf('e');
  const digits = text[0]! + text.slice(2, e);
  const exponent = Number.parseInt(text.slice(e + 1), 10);
  const tie = exactTieDigits(value);
  return tie ?? { digits, exponent };
}

/**
 * When the exact decimal expansion of `value` has exactly 18 significant digits ending
 * in 5 (a tie at the 17th digit), returns the round-half-even result; otherwise null.
 * Only binary fractions with few fraction bits can do that, so the exact check is rare.
 */
function exactTieDigits(value: number): { digits: string; exponent: number } | null {
  if (Number.isInteger(value) || !Number.isInteger(value * TIE_SCALE)) return null;
  if (value.toExponential(SIGNIFICANT_DIGITS)[SIGNIFICANT_DIGITS + 1] !== '5') return null;
  // value = scaled / 2^25 = scaled * 5^25 / 10^25 exactly.
  const full = (BigInt(value * TIE_SCALE) * 5n ** BigInt(TIE_FRACTION_BITS_MAX)).toString();
  const significant = stripZeros(full);
  if (significant.length !== SIGNIFICANT_DIGITS + 1) return null;
  let exponent = full.length - 1 - TIE_FRACTION_BITS_MAX;
  let kept = BigInt(significant.slice(0, SIGNIFICANT_DIGITS));
  if (kept % 2n === 1n) kept += 1n;
  let digits = kept.toString();
  if (digits.length > SIGNIFICANT_DIGITS) {
    digits = digits.slice(0, SIGNIFICANT_DIGITS);
    exponent++;
  }
  return { digits, exponent };
}

function stripZeros(fraction: string): string {
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === 0x30) end--;
  return fraction.slice(0, end);
}

function fixed(digits: string, exponent: number): string {
  if (exponent < 0) {
    return '0.' + stripZeros('0'.repeat(-exponent - 1) + digits);
  }
  const whole = digits.slice(0, exponent + 1);
  const fraction = stripZeros(digits.slice(exponent + 1));
  return fraction.length > 0 ? whole + '.' + fraction : whole;
}

function scientific(digits: string, exponent: number): string {
  const fraction = stripZeros(digits.slice(1));
  const mantissa = fraction.length > 0 ? digits[0] + '.' + fraction : digits[0]!;
  const magnitude = Math.abs(exponent);
  return mantissa + (exponent < 0 ? 'e-' : 'e+') + (magnitude < 10 ? '0' : '') + magnitude;
}
