/**
 * PostgreSQL `numeric`: exact decimals of any precision, as an unscaled bigint and a display
 * scale (PG's dscale: the digits after the point that the value shows). The arithmetic keeps
 * PG's result scales: + and - take the larger scale, * the sum of scales, / the scale that
 * PG's select_div_scale chooses (at least 16 significant digits), and rounding is half away
 * from zero, as PG's round_var.
 */
import { SqlError, SqlState } from '../errors.js';

/** PG's NUMERIC_MIN_SIG_DIGITS: a quotient shows at least this many significant digits. */
const DIV_MIN_SIG_DIGITS = 16;
/** PG's NUMERIC_MAX_DISPLAY_SCALE. */
export const NUMERIC_SCALE_MAX = 1000;
/** PG's NUMERIC_MAX_PRECISION (the largest p of numeric(p, s)). */
export const NUMERIC_PRECISION_MAX = 1000;
/** PG stores numerics in base-10000 digits; weights and first digits of select_div_scale count in them. */
const DEC_DIGITS = 4;
/** Digits before the point PG accepts (NUMERIC_WEIGHT_MAX 0x7fff base-10000 digits). */
const INTEGRAL_DIGITS_MAX = 131072;

const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

export class Numeric {
  /** value = unscaled / 10^scale */
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  static fromBigInt(v: bigint): Numeric {
    return new Numeric(v, 0);
  }

  static fromInt(v: number): Numeric {
    return new Numeric(BigInt(v), 0);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): number {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  /** This value shown with `scale` digits after the point, rounded half away from zero. */
  withScale(scale: number): Numeric {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Numeric(this.unscaled * pow10(scale - this.scale), scale);
    return new Numeric(divRound(this.unscaled, pow10(this.scale - scale)), scale);
  }

  neg(): Numeric {
    return new Numeric(-this.unscaled, this.scale);
  }

  abs(): Numeric {
    return this.unscaled < 0n ? this.neg() : this;
  }

  add(o: Numeric): Numeric {
    const s = Math.max(this.scale, o.scale);
    return new Numeric(this.withScale(s).unscaled + o.withScale(s).unscaled, s);
  }

  sub(o: Numeric): Numeric {
    return this.add(o.neg());
  }

  mul(o: Numeric): Numeric {
    return new Numeric(this.unscaled * o.unscaled, this.scale + o.scale);
  }

  div(o: Numeric): Numeric {
    if (o.isZero()) throw new SqlError(SqlState.DivisionByZero, 'division by zero');
    return this.divToScale(o, selectDivScale(this, o));
  }

  /** Quotient rounded (half away from zero) to `rscale` digits after the point. */
  divToScale(o: Numeric, rscale: number): Numeric {
    // this/o = (a/10^sa) / (b/10^sb); scaled by 10^rscale: a * 10^(rscale + sb - sa) / b
    const shift = rscale + o.scale - this.scale;
    let num = this.unscaled;
    let den = o.unscaled;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    return new Numeric(divRound(num, den), rscale);
  }

  /** PG's numeric % : truncated quotient, remainder with the dividend's sign. */
  mod(o: Numeric): Numeric {
    if (o.isZero()) throw new SqlError(SqlState.DivisionByZero, 'division by zero');
    const s = Math.max(this.scale, o.scale);
    return new Numeric(this.withScale(s).unscaled % o.withScale(s).unscaled, s);
  }

  cmp(o: Numeric): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.withScale(s).unscaled;
    const b = o.withScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Rounded to an integer (half away from zero), as the casts to integer types do. */
  roundToBigInt(): bigint {
    return this.withScale(0).unscaled;
  }

  /** Truncated toward zero. */
  truncToBigInt(): bigint {
    return this.unscaled / pow10(this.scale);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale === 0) return (neg ? '-' : '') + digits;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const point = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, point) + '.' + digits.slice(point);
  }

  /**
   * Decimal exponent of the leading digit (value = d.ddd * 10^e), or null for zero: what
   * select_div_scale and the key encoding need.
   */
  exponent(): number | null {
    if (this.unscaled === 0n) return null;
    const len = (this.unscaled < 0n ? -this.unscaled : this.unscaled).toString().length;
    return len - 1 - this.scale;
  }
}

/** n / d rounded half away from zero (d != 0). */
export function divRound(n: bigint, d: bigint): bigint {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** Weight (base-10000 digit position) and first base-10000 digit of a value, as PG stores it. */
function weightAndFirstDigit(v: Numeric): [number, number] {
  const e = v.exponent();
  if (e === null) return [0, 0];
  const weight = Math.floor(e / DEC_DIGITS);
  const shift = v.scale + weight * DEC_DIGITS;
  const abs = v.unscaled < 0n ? -v.unscaled : v.unscaled;
  const first = shift >= 0 ? abs / pow10(shift) : abs * pow10(-shift);
  return [weight, Number(first)];
}

/** PG's select_div_scale: the display scale of a numeric quotient. */
export function selectDivScale(a: Numeric, b: Numeric): number {
  const [w1, f1] = weightAndFirstDigit(a);
  const [w2, f2] = weightAndFirstDigit(b);
  let qweight = w1 - w2;
  if (f1 <= f2) qweight--;
  let rscale = DIV_MIN_SIG_DIGITS - qweight * DEC_DIGITS;
  rscale = Math.max(rscale, a.scale, b.scale, 0);
  return Math.min(rscale, NUMERIC_SCALE_MAX);
}

const NUMERIC_RE = /^\s*([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?\s*$/;

/** PG's numeric_in for finite values; null when the text is not a number. */
export function parseNumeric(text: string): Numeric | null {
  const m = NUMERIC_RE.exec(text);
  if (m === null) return null;
  const body = m[2]!;
  const point = body.indexOf('.');
  const intPart = point < 0 ? body : body.slice(0, point);
  const fracPart = point < 0 ? '' : body.slice(point + 1);
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > INTEGRAL_DIGITS_MAX * 2) return null;
  let unscaled = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  if (m[1] === '-') unscaled = -unscaled;
  let scale = fracPart.length - exp;
  if (scale < 0) {
    unscaled *= pow10(-scale);
    scale = 0;
  }
  const out = new Numeric(unscaled, scale);
  const e = out.exponent();
  if (e !== null && e >= INTEGRAL_DIGITS_MAX) return null;
  return scale > NUMERIC_SCALE_MAX ? out.withScale(NUMERIC_SCALE_MAX) : out;
}

/**
 * Applies numeric(p, s): rounds to s digits, and fails as PG does when the value needs more
 * than p - s digits before the point.
 */
export function applyNumericTypmod(v: Numeric, precision: number, scale: number): Numeric {
  const r = v.withScale(scale);
  const e = r.exponent();
  if (e !== null && e >= precision - scale) {
    const limit = precision - scale;
    throw new SqlError(SqlState.NumericValueOutOfRange, 'numeric field overflow', {
      detail:
        limit > 0
          ? `A field with precision ${precision}, scale ${scale} must round to an absolute value less than 10^${limit}.`
          : `A field with precision ${precision}, scale ${scale} must round to an absolute value less than 1.`,
    });
  }
  return r;
}
