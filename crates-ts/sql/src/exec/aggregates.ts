/**
 * Aggregate functions with PG's result types: count -> bigint; sum of smallint/integer ->
 * bigint, of bigint/numeric -> numeric, of real -> real, of double -> double; avg of integers
 * and numeric -> numeric (the quotient's scale as numeric division), of floats -> double;
 * min/max keep the type. NULL inputs are skipped; over no rows everything but count is NULL.
 */
import { compareValues } from '../types/compare.js';
import { INT8_MAX, INT8_MIN, toFloat4 } from '../types/io.js';
import { Numeric } from '../types/numeric.js';
import { Oid, type SqlType, T, type Value } from '../types/oids.js';
import { SqlError, SqlState } from '../errors.js';
import { type BoundExpr, type CoerceCtx, coerceOrThrow } from './bound.js';
import { noFunction } from './functions.js';

export interface Accumulator {
  add(v: Value): void;
  result(): Value;
}

export interface AggregateSpec {
  readonly name: string;
  /** null for count(*). */
  readonly arg: BoundExpr | null;
  readonly distinct: boolean;
  readonly type: SqlType;
  create(): Accumulator;
}

function sumAcc(oid: number): Accumulator {
  let count = 0;
  let big = 0n;
  let num = new Numeric(0n, 0);
  let flt = 0;
  return {
    add(v) {
      count++;
      if (oid === Oid.int2 || oid === Oid.int4) big += BigInt(v as number);
      else if (oid === Oid.int8) num = num.add(Numeric.fromBigInt(v as bigint));
      else if (oid === Oid.numeric) num = num.add(v as Numeric);
      else if (oid === Oid.float4) flt = toFloat4(flt + (v as number));
      else flt += v as number;
    },
    result() {
      if (count === 0) return null;
      if (oid === Oid.int2 || oid === Oid.int4) {
        if (big > INT8_MAX || big < INT8_MIN)
          throw new SqlError(SqlState.NumericValueOutOfRange, 'bigint out of range');
        return big;
      }
      if (oid === Oid.int8 || oid === Oid.numeric) return num;
      return flt;
    },
  };
}

function avgAcc(oid: number): Accumulator {
  let count = 0;
  let num = new Numeric(0n, 0);
  let flt = 0;
  const isFloat = oid === Oid.float4 || oid === Oid.float8;
  return {
    add(v) {
      count++;
      if (isFloat) flt += v as number;
      else if (oid === Oid.numeric) num = num.add(v as Numeric);
      else num = num.add(typeof v === 'bigint' ? Numeric.fromBigInt(v) : Numeric.fromInt(v as number));
    },
    result() {
      if (count === 0) return null;
      return isFloat ? flt / count : num.div(Numeric.fromInt(count));
    },
  };
}

function extremeAcc(oid: number, sign: number): Accumulator {
  let best: Value = null;
  return {
    add(v) {
      if (best === null || compareValues(oid, v, best) * sign > 0) best = v;
    },
    result: () => best,
  };
}

function boolAcc(all: boolean): Accumulator {
  let acc: boolean | null = null;
  return {
    add(v) {
      acc = acc === null ? (v as boolean) : all ? acc && (v as boolean) : acc || (v as boolean);
    },
    result: () => acc,
  };
}

function countAcc(): Accumulator {
  let n = 0n;
  return {
    add() {
      n++;
    },
    result: () => n,
  };
}

const SUM_TYPES: Record<number, SqlType> = {
  [Oid.int2]: T.int8,
  [Oid.int4]: T.int8,
  [Oid.int8]: T.numeric,
  [Oid.numeric]: T.numeric,
  [Oid.float4]: T.float4,
  [Oid.float8]: T.float8,
};

/** Resolves an aggregate call (its argument already bound against the input scope). */
export function bindAggregate(
  name: string,
  arg: BoundExpr | null,
  distinct: boolean,
  cx: CoerceCtx,
  location?: number,
): AggregateSpec {
  if (name === 'count') return { name, arg, distinct, type: T.int8, create: countAcc };
  if (arg === null) throw noFunction(name, [], cx, location);
  let a = arg;
  if (a.type.oid === Oid.unknown)
    a = coerceOrThrow(a, name === 'min' || name === 'max' ? T.text : T.numeric, 'implicit', cx);
  const oid = a.type.oid;
  switch (name) {
    case 'sum': {
      const type = SUM_TYPES[oid];
      if (type === undefined) throw noFunction(name, [a], cx, location);
      return { name, arg: a, distinct, type, create: () => sumAcc(oid) };
    }
    case 'avg': {
      if (SUM_TYPES[oid] === undefined) throw noFunction(name, [a], cx, location);
      const type = oid === Oid.float4 || oid === Oid.float8 ? T.float8 : T.numeric;
      return { name, arg: a, distinct, type, create: () => avgAcc(oid) };
    }
    case 'min':
    case 'max': {
      // PG has no min/max for boolean (bytea has them since PG 18)
      if (oid === Oid.bool) throw noFunction(name, [a], cx, location);
      const type = oid === Oid.varchar ? T.text : { oid, typmod: oid === Oid.bpchar ? a.type.typmod : -1 };
      const sign = name === 'max' ? 1 : -1;
      return { name, arg: a, distinct, type, create: () => extremeAcc(oid, sign) };
    }
    default: {
      if (oid !== Oid.bool) throw noFunction(name, [a], cx, location);
      const all = name !== 'bool_or';
      return { name, arg: a, distinct, type: T.bool, create: () => boolAcc(all) };
    }
  }
}
