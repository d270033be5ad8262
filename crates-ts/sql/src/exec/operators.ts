/**
 * Binary and unary operators: which one PG picks for the operand types (the result types of
 * its operator catalog: int2 + int2 is int2, an integer with numeric is numeric, any float
 * makes float8 unless both are float4; || turns a non-string operand into text) and what it
 * computes, with PG's overflow and division errors. NULL in, NULL out (strict operators).
 */
import { SqlError, SqlState } from '../errors.js';
import { compareValues, trimBpchar } from '../types/compare.js';
import {
  INT2_MAX,
  INT2_MIN,
  INT4_MAX,
  INT4_MIN,
  INT8_MAX,
  INT8_MIN,
  outputValue,
  toFloat4,
} from '../types/io.js';
import type { Numeric } from '../types/numeric.js';
import { formatType, Oid, type SqlType, T, typeInfo, type Value } from '../types/oids.js';
import { type BoundExpr, type CoerceCtx, coerceOrThrow, positionIn } from './bound.js';
import type { Env } from './env.js';

type Fn2 = (a: Value, b: Value) => Value;

export function noOperator(
  op: string,
  l: SqlType | null,
  r: SqlType,
  cx: CoerceCtx,
  location?: number,
): SqlError {
  const left = l === null ? '' : `${formatType({ oid: l.oid, typmod: -1 })} `;
  return new SqlError(
    SqlState.UndefinedFunction,
    `operator does not exist: ${left}${op} ${formatType({ oid: r.oid, typmod: -1 })}`,
    {
      ...positionIn(cx, location),
      hint: 'No operator of that name accepts the given argument types. You might need to add explicit type casts.',
    },
  );
}

function intRange(oid: number): [number, number, string] {
  return oid === Oid.int2 ? [INT2_MIN, INT2_MAX, 'smallint'] : [INT4_MIN, INT4_MAX, 'integer'];
}

function checkInt(v: number, oid: number): number {
  const [min, max, name] = intRange(oid);
  if (v < min || v > max) throw new SqlError(SqlState.NumericValueOutOfRange, `${name} out of range`);
  return v;
}

function checkInt8(v: bigint): bigint {
  if (v < INT8_MIN || v > INT8_MAX)
    throw new SqlError(SqlState.NumericValueOutOfRange, 'bigint out of range');
  return v;
}

function checkFloat(v: number, a: number, b: number, oid: number, zeroOk: boolean): number {
  if (!Number.isFinite(v) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new SqlError(SqlState.NumericValueOutOfRange, 'value out of range: overflow');
  }
  if (v === 0 && !zeroOk)
    throw new SqlError(SqlState.NumericValueOutOfRange, 'value out of range: underflow');
  return oid === Oid.float4 ? toFloat4(v) : v;
}

function divZero(): SqlError {
  return new SqlError(SqlState.DivisionByZero, 'division by zero');
}

function intArith(op: string, oid: number): Fn2 | null {
  switch (op) {
    case '+':
      return (a, b) => checkInt((a as number) + (b as number), oid);
    case '-':
      return (a, b) => checkInt((a as number) - (b as number), oid);
    case '*':
      return (a, b) => checkInt(Number(BigInt(a as number) * BigInt(b as number)), oid);
    case '/':
      return (a, b) => {
        if (b === 0) throw divZero();
        return checkInt(Math.trunc((a as number) / (b as number)), oid);
      };
    case '%':
      return (a, b) => {
        if (b === 0) throw divZero();
        return (a as number) % (b as number) || 0;
      };
    default:
      return null;
  }
}

function int8Arith(op: string): Fn2 | null {
  switch (op) {
    case '+':
      return (a, b) => checkInt8((a as bigint) + (b as bigint));
    case '-':
      return (a, b) => checkInt8((a as bigint) - (b as bigint));
    case '*':
      return (a, b) => checkInt8((a as bigint) * (b as bigint));
    case '/':
      return (a, b) => {
        if (b === 0n) throw divZero();
        return checkInt8((a as bigint) / (b as bigint));
      };
    case '%':
      return (a, b) => {
        if (b === 0n) throw divZero();
        return (a as bigint) % (b as bigint);
      };
    default:
      return null;
  }
}

function numericArith(op: string): Fn2 | null {
  switch (op) {
    case '+':
      return (a, b) => (a as Numeric).add(b as Numeric);
    case '-':
      return (a, b) => (a as Numeric).sub(b as Numeric);
    case '*':
      return (a, b) => (a as Numeric).mul(b as Numeric);
    case '/':
      return (a, b) => (a as Numeric).div(b as Numeric);
    case '%':
      return (a, b) => (a as Numeric).mod(b as Numeric);
    default:
      return null;
  }
}

function floatArith(op: string, oid: number): Fn2 | null {
  const f = (fn: (x: number, y: number) => number, zeroOk: (x: number, y: number) => boolean): Fn2 => {
    return (a, b) =>
      checkFloat(
        fn(a as number, b as number),
        a as number,
        b as number,
        oid,
        zeroOk(a as number, b as number),
      );
  };
  switch (op) {
    case '+':
      return f(
        (x, y) => x + y,
        () => true,
      );
    case '-':
      return f(
        (x, y) => x - y,
        () => true,
      );
    case '*':
      return f(
        (x, y) => x * y,
        (x, y) => x === 0 || y === 0,
      );
    case '/':
      return (a, b) => {
        if (b === 0) throw divZero();
        const x = a as number;
        return checkFloat(x / (b as number), x, b as number, oid, x === 0);
      };
    default:
      return null;
  }
}

/** The type both operands of an arithmetic operator are converted to (also its result). */
export function arithmeticType(l: SqlType, r: SqlType): SqlType {
  if (l.oid === Oid.float4 && r.oid === Oid.float4) return T.float4;
  const rl = typeInfo(l.oid).numericRank;
  const rr = typeInfo(r.oid).numericRank;
  const top = Math.max(rl, rr);
  if (top >= typeInfo(Oid.float4).numericRank) return T.float8;
  return [T.int2, T.int4, T.int8, T.numeric][top]!;
}

function arithFn(op: string, oid: number): Fn2 | null {
  if (oid === Oid.int2 || oid === Oid.int4) return intArith(op, oid);
  if (oid === Oid.int8) return int8Arith(op);
  if (oid === Oid.numeric) return numericArith(op);
  return floatArith(op, oid);
}

export const COMPARISON_OPS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);

function cmpFn(op: string, oid: number): Fn2 {
  const test: (c: number) => boolean =
    op === '='
      ? (c) => c === 0
      : op === '<>' || op === '!='
        ? (c) => c !== 0
        : op === '<'
          ? (c) => c < 0
          : op === '>'
            ? (c) => c > 0
            : op === '<='
              ? (c) => c <= 0
              : (c) => c >= 0;
  return (a, b) => test(compareValues(oid, a, b));
}

/** The common type two operands are compared in, or null if PG has no such comparison. */
export function comparisonType(l: SqlType, r: SqlType): SqlType | null {
  const li = typeInfo(l.oid);
  const ri = typeInfo(r.oid);
  if (li.category === 'N' && ri.category === 'N') {
    return l.oid === r.oid ? { oid: l.oid, typmod: -1 } : arithmeticType(l, r);
  }
  if (li.category === 'S' && ri.category === 'S')
    return l.oid === Oid.bpchar && r.oid === Oid.bpchar ? T.bpchar : T.text;
  if (li.category === 'D' && ri.category === 'D') {
    if (l.oid === r.oid) return { oid: l.oid, typmod: -1 };
    return l.oid === Oid.timestamptz || r.oid === Oid.timestamptz ? T.timestamptz : T.timestamp;
  }
  if (l.oid === r.oid && (l.oid === Oid.bool || l.oid === Oid.bytea)) return { oid: l.oid, typmod: -1 };
  return null;
}

function strict2(fn: Fn2, l: BoundExpr, r: BoundExpr): (env: Env) => Value {
  return (env) => {
    const a = l.eval(env);
    if (a === null) return null;
    const b = r.eval(env);
    if (b === null) return null;
    return fn(a, b);
  };
}

/** Both operands known (not unknown): an operator, or 42883. */
export function bindBinaryOp(
  op: string,
  l: BoundExpr,
  r: BoundExpr,
  cx: CoerceCtx,
  location?: number,
): BoundExpr {
  if (COMPARISON_OPS.has(op)) {
    const t = comparisonType(l.type, r.type);
    if (t === null) throw noOperator(op, l.type, r.type, cx, location);
    const lc = coerceOrThrow(l, t, 'implicit', cx);
    const rc = coerceOrThrow(r, t, 'implicit', cx);
    return { type: T.bool, eval: strict2(cmpFn(op, t.oid), lc, rc), location };
  }
  if (op === '||') return bindConcat(l, r, cx, location);
  const li = typeInfo(l.type.oid);
  const ri = typeInfo(r.type.oid);
  if (li.category === 'N' && ri.category === 'N') {
    const t = arithmeticType(l.type, r.type);
    const fn = arithFn(op, t.oid);
    if (fn !== null && !(op === '%' && (t.oid === Oid.float4 || t.oid === Oid.float8))) {
      const lc = coerceOrThrow(l, t, 'implicit', cx);
      const rc = coerceOrThrow(r, t, 'implicit', cx);
      return { type: t, eval: strict2(fn, lc, rc), location };
    }
  }
  const dateOp = bindDateArith(op, l, r, cx, location);
  if (dateOp !== null) return dateOp;
  throw noOperator(op, l.type, r.type, cx, location);
}

function bindDateArith(
  op: string,
  l: BoundExpr,
  r: BoundExpr,
  cx: CoerceCtx,
  location?: number,
): BoundExpr | null {
  const isInt = (t: SqlType) => t.oid === Oid.int4 || t.oid === Oid.int2;
  if (l.type.oid === Oid.date && isInt(r.type) && (op === '+' || op === '-')) {
    const sign = op === '+' ? 1 : -1;
    return { type: T.date, eval: strict2((a, b) => (a as number) + sign * (b as number), l, r), location };
  }
  if (isInt(l.type) && r.type.oid === Oid.date && op === '+') {
    return { type: T.date, eval: strict2((a, b) => (a as number) + (b as number), l, r), location };
  }
  if (l.type.oid === Oid.date && r.type.oid === Oid.date && op === '-') {
    return { type: T.int4, eval: strict2((a, b) => (a as number) - (b as number), l, r), location };
  }
  void cx;
  return null;
}

function asConcatText(e: BoundExpr): (v: Value) => string {
  const oid = e.type.oid;
  if (oid === Oid.bpchar) return (v) => trimBpchar(v as string);
  if (typeInfo(oid).category === 'S' || oid === Oid.unknown) return (v) => v as string;
  return (v) => outputValue(oid, v);
}

function bindConcat(l: BoundExpr, r: BoundExpr, cx: CoerceCtx, location?: number): BoundExpr {
  if (l.type.oid === Oid.bytea && r.type.oid === Oid.bytea) {
    return {
      type: T.bytea,
      eval: strict2((a, b) => Buffer.concat([a as Buffer, b as Buffer]), l, r),
      location,
    };
  }
  const ls = typeInfo(l.type.oid).category === 'S';
  const rs = typeInfo(r.type.oid).category === 'S';
  if (!ls && !rs) throw noOperator('||', l.type, r.type, cx, location);
  const lt = asConcatText(l);
  const rt = asConcatText(r);
  return { type: T.text, eval: strict2((a, b) => lt(a) + rt(b), l, r), location };
}

export function bindUnaryMinus(e: BoundExpr, cx: CoerceCtx, location?: number): BoundExpr {
  const oid = e.type.oid;
  const neg: ((v: Value) => Value) | null =
    oid === Oid.int2 || oid === Oid.int4
      ? (v) => checkInt(-(v as number), oid) || 0
      : oid === Oid.int8
        ? (v) => checkInt8(-(v as bigint))
        : oid === Oid.numeric
          ? (v) => (v as Numeric).neg()
          : oid === Oid.float4 || oid === Oid.float8
            ? (v) => -(v as number)
            : null;
  if (neg === null) throw noOperator('-', null, e.type, cx, location);
  if (e.constant) {
    const v = e.eval(null as never);
    return { type: e.type, eval: () => (v === null ? null : neg(v)), constant: true, location };
  }
  return {
    type: e.type,
    eval: (env) => {
      const v = e.eval(env);
      return v === null ? null : neg(v);
    },
    location,
  };
}
