/**
 * Type conversion: which casts exist in which context (PG's pg_cast castcontext: implicit,
 * assignment, explicit) and what they compute (rounding and range errors as PG's cast
 * functions: numeric to integer rounds half away from zero, float to integer rounds half to
 * even as rint, float to numeric keeps 15 (float8) or 6 (float4) significant digits).
 */
import { SqlError, SqlState } from '../errors.js';
import { trimBpchar } from './compare.js';
import { MICROS_PER_DAY } from './datetime.js';
import {
  applyTypmod,
  INT2_MAX,
  INT2_MIN,
  INT4_MAX,
  INT4_MIN,
  INT8_MAX,
  INT8_MIN,
  inputValue,
  outputValue,
  outOfRangeFor,
  toFloat4,
} from './io.js';
import { Numeric, parseNumeric } from './numeric.js';
import { Oid, type SqlType, typeInfo, type Value } from './oids.js';

export type CastContext = 'implicit' | 'assignment' | 'explicit';
const CONTEXT_RANK: Record<CastContext, number> = { implicit: 0, assignment: 1, explicit: 2 };

/** float8 significant digits of float8 -> numeric (DBL_DIG) and float4 -> numeric (FLT_DIG). */
const FLOAT8_NUMERIC_DIGITS = 15;
const FLOAT4_NUMERIC_DIGITS = 6;

/** The weakest context in which `from` converts to `to`, or null if there is no cast. */
export function castContext(from: number, to: number): CastContext | null {
  if (from === to) return 'implicit';
  if (from === Oid.unknown) return 'implicit';
  const f = typeInfo(from);
  const t = typeInfo(to);
  if (f.category === 'N' && t.category === 'N')
    return f.numericRank < t.numericRank ? 'implicit' : 'assignment';
  if (f.category === 'S' && t.category === 'S') return 'implicit';
  if ((from === Oid.int4 && to === Oid.bool) || (from === Oid.bool && to === Oid.int4)) return 'explicit';
  if (from === Oid.date)
    return to === Oid.timestamp || to === Oid.timestamptz ? 'implicit' : ioCast(t.category);
  if (from === Oid.timestamp && to === Oid.timestamptz) return 'implicit';
  if ((from === Oid.timestamp || from === Oid.timestamptz) && (to === Oid.date || to === Oid.timestamp)) {
    return 'assignment';
  }
  if (t.category === 'S') return 'assignment';
  if (f.category === 'S') return 'explicit';
  return null;
}

function ioCast(toCategory: string): CastContext | null {
  return toCategory === 'S' ? 'assignment' : null;
}

export function canCast(from: number, to: number, context: CastContext): boolean {
  const c = castContext(from, to);
  return c !== null && CONTEXT_RANK[c] <= CONTEXT_RANK[context];
}

function checkIntRange(v: bigint, oid: number): number | bigint {
  if (oid === Oid.int8) {
    if (v < INT8_MIN || v > INT8_MAX) throw outOfRangeFor('bigint');
    return v;
  }
  const [min, max, name] =
    oid === Oid.int2 ? [INT2_MIN, INT2_MAX, 'smallint'] : [INT4_MIN, INT4_MAX, 'integer'];
  if (v < BigInt(min) || v > BigInt(max)) throw outOfRangeFor(name);
  return Number(v);
}

/** rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function floatToNumeric(v: number, digits: number): Numeric {
  if (Number.isNaN(v) || !Number.isFinite(v)) {
    throw new SqlError(SqlState.FeatureNotSupported, 'numeric NaN and Infinity are not supported');
  }
  let text = v.toPrecision(digits);
  // %g drops trailing zeros of the mantissa
  text = text.replace(/(\.\d*?)0+(?=$|e)/, '$1').replace(/\.(?=$|e)/, '');
  return parseNumeric(text)!;
}

function toInteger(v: Value, from: number, to: number): number | bigint {
  const name = typeInfo(to).display;
  switch (from) {
    case Oid.int2:
    case Oid.int4:
      return checkIntRange(BigInt(v as number), to);
    case Oid.int8:
      return checkIntRange(v as bigint, to);
    case Oid.numeric:
      return checkIntRange((v as Numeric).roundToBigInt(), to);
    case Oid.float4:
    case Oid.float8: {
      const x = v as number;
      if (!Number.isFinite(x)) throw outOfRangeFor(name);
      return checkIntRange(BigInt(rint(x)), to);
    }
    case Oid.bool:
      return v ? 1 : 0;
    default:
      throw new Error(`no cast ${from} -> ${to}`);
  }
}

function toNumeric(v: Value, from: number): Numeric {
  switch (from) {
    case Oid.int2:
    case Oid.int4:
      return Numeric.fromInt(v as number);
    case Oid.int8:
      return Numeric.fromBigInt(v as bigint);
    case Oid.float4:
      return floatToNumeric(v as number, FLOAT4_NUMERIC_DIGITS);
    case Oid.float8:
      return floatToNumeric(v as number, FLOAT8_NUMERIC_DIGITS);
    default:
      return v as Numeric;
  }
}

function toFloat(v: Value, from: number, to: number): number {
  let x: number;
  if (from === Oid.int8) x = Number(v as bigint);
  else if (from === Oid.numeric) x = (v as Numeric).toNumber();
  else x = v as number;
  return to === Oid.float4 ? toFloat4(x) : x;
}

function toDatetime(v: Value, from: number, to: number): Value {
  if (from === Oid.date) return to === Oid.date ? v : BigInt(v as number) * MICROS_PER_DAY;
  const micros = v as bigint;
  if (to !== Oid.date) return micros;
  let days = micros / MICROS_PER_DAY;
  if (micros % MICROS_PER_DAY < 0n) days -= 1n;
  return Number(days);
}

/** Converts a non-null value; the cast must exist (castContext), the target's typmod is applied. */
export function castValue(v: Value, from: SqlType, to: SqlType, explicit: boolean): Value {
  if (v === null) return null;
  const f = typeInfo(from.oid);
  const t = typeInfo(to.oid);
  let out: Value;
  if (from.oid === to.oid) out = v;
  else if (from.oid === Oid.unknown) out = inputValue(to.oid, v as string);
  else if (t.category === 'S')
    out =
      f.category === 'S' ? (from.oid === Oid.bpchar ? trimBpchar(v as string) : v) : outputValue(from.oid, v);
  else if (f.category === 'S')
    out = inputValue(to.oid, from.oid === Oid.bpchar ? trimBpchar(v as string) : (v as string));
  else if (to.oid === Oid.int2 || to.oid === Oid.int4 || to.oid === Oid.int8)
    out = toInteger(v, from.oid, to.oid);
  else if (to.oid === Oid.numeric) out = toNumeric(v, from.oid);
  else if (to.oid === Oid.float4 || to.oid === Oid.float8) out = toFloat(v, from.oid, to.oid);
  else if (to.oid === Oid.bool) out = (v as number) !== 0;
  else out = toDatetime(v, from.oid, to.oid);
  if (from.oid === to.oid && from.typmod === to.typmod) return out;
  return applyTypmod(to, out, explicit);
}
