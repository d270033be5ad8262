/**
 * float4 / float8 text output as PostgreSQL 12+ writes it with extra_float_digits = 1 (the
 * default): the shortest digits that read back to the same value (Ryu in PG; JavaScript's
 * Number#toString gives the same digits for doubles), laid out like printf's %g: fixed
 * notation while the decimal exponent is in [-4, 15) for float8 and [-4, 6) for float4,
 * otherwise d.ddde+XX with at least two exponent digits.
 */

/** Decimal exponent bounds of fixed notation (PG's d2s.c / f2s.c thresholds). */
const FLOAT8_FIXED_EXPONENT_MAX = 15;
const FLOAT4_FIXED_EXPONENT_MAX = 6;
const FIXED_EXPONENT_MIN = -4;
/** A float4 never needs more significant digits than this to read back exactly. */
const FLOAT4_DIGITS_MAX = 9;

export function formatFloat8(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [digits, exp] = shortestDigits(v.toExponential());
  return layout(v < 0, digits, exp, FLOAT8_FIXED_EXPONENT_MAX);
}

export function formatFloat4(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  let text = v.toExponential(FLOAT4_DIGITS_MAX - 1);
  for (let p = 1; p <= FLOAT4_DIGITS_MAX; p++) {
    const candidate = v.toExponential(p - 1);
    if (Math.fround(Number(candidate)) === v) {
      text = candidate;
      break;
    }
  }
  const [digits, exp] = shortestDigits(text);
  return layout(v < 0, digits, exp, FLOAT4_FIXED_EXPONENT_MAX);
}

/** Significant digits (no sign, no trailing zeros) and decimal exponent of "-d.ddde+x". */
function shortestDigits(exponential: string): [string, number] {
  const e = exponential.indexOf('e');
  const mantissa = exponential.slice(0, e).replace('-', '').replace('.', '');
  const digits = mantissa.replace(/0+$/, '') || '0';
  return [digits, Number(exponential.slice(e + 1))];
}

function layout(negative: boolean, digits: string, exp: number, fixedMax: number): string {
  const sign = negative ? '-' : '';
  if (exp >= FIXED_EXPONENT_MIN && exp < fixedMax) {
    if (exp < 0) return sign + '0.' + '0'.repeat(-exp - 1) + digits;
    if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
    return sign + digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  }
  const mantissa = digits.length === 1 ? digits : digits[0] + '.' + digits.slice(1);
  const expText = Math.abs(exp) < 10 ? '0' + Math.abs(exp) : String(Math.abs(exp));
  return sign + mantissa + 'e' + (exp < 0 ? '-' : '+') + expText;
}

const FLOAT_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const FLOAT_SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
};

/** PG's float8in: a number, or null if the text is not one (the caller raises 22P02 / 22003). */
export function parseFloatText(text: string): number | null {
  const special = FLOAT_SPECIAL[text.trim().toLowerCase()];
  if (special !== undefined) return special;
  if (!FLOAT_RE.test(text)) return null;
  return Number(text.trim());
}
