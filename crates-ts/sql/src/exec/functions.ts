/**
 * Built-in scalar functions (the common math and string ones) with PG's argument types,
 * result types and NULL behaviour (strict: a NULL argument gives NULL, except concat).
 */
import { SqlError, SqlState } from '../errors.js';
import { trimBpchar } from '../types/compare.js';
import { charLength, outputValue } from '../types/io.js';
import { Numeric } from '../types/numeric.js';
import { Oid, type SqlType, T, typeInfo, type Value } from '../types/oids.js';
import { type BoundExpr, type CoerceCtx, coerceOrThrow, positionIn, tryCoerce } from './bound.js';
import type { Env } from './env.js';

/** Largest scale round(numeric, n) / trunc accept (PG's NUMERIC_MAX_RESULT_SCALE). */
const ROUND_SCALE_MAX = 2000;

export function noFunction(
  name: string,
  args: readonly BoundExpr[],
  cx: CoerceCtx,
  location?: number,
): SqlError {
  const types = args.map((a) => typeInfo(a.type.oid).display).join(', ');
  return new SqlError(SqlState.UndefinedFunction, `function ${name}(${types}) does not exist`, {
    ...positionIn(cx, location),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

function strict(args: readonly BoundExpr[], fn: (vals: Value[]) => Value): (env: Env) => Value {
  return (env) => {
    const vals: Value[] = [];
    for (const a of args) {
      const v = a.eval(env);
      if (v === null) return null;
      vals.push(v);
    }
    return fn(vals);
  };
}

function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The argument as one of `candidates` (in preference order), or null. */
function oneOf(a: BoundExpr, candidates: readonly SqlType[], cx: CoerceCtx): BoundExpr | null {
  if (a.type.oid === Oid.unknown) return null;
  for (const t of candidates) {
    if (a.type.oid === t.oid) return a;
  }
  for (const t of candidates) {
    const c = tryCoerce(a, t, 'implicit', cx);
    if (c !== null) return c;
  }
  return null;
}

function toText(e: BoundExpr, cx: CoerceCtx): BoundExpr | null {
  if (e.type.oid === Oid.bpchar)
    return {
      type: T.text,
      eval: (env) => {
        const v = e.eval(env);
        return v === null ? null : trimBpchar(v as string);
      },
    };
  return e.type.oid === Oid.unknown || typeInfo(e.type.oid).category === 'S'
    ? coerceOrThrow(e, T.text, 'implicit', cx)
    : null;
}

type Builder = (args: BoundExpr[], cx: CoerceCtx) => BoundExpr | null;

const NUMERICS = [T.int2, T.int4, T.int8, T.numeric, T.float4, T.float8];

const BUILDERS: Record<string, Builder> = {
  abs: (args, cx) => {
    if (args.length !== 1) return null;
    const a = oneOf(args[0]!, NUMERICS, cx);
    if (a === null) return null;
    const oid = a.type.oid;
    const fn = (v: Value): Value =>
      oid === Oid.numeric
        ? (v as Numeric).abs()
        : oid === Oid.int8
          ? (v as bigint) < 0n
            ? -(v as bigint)
            : v
          : Math.abs(v as number);
    return { type: a.type, eval: strict([a], (v) => fn(v[0]!)) };
  },
  round: (args, cx) => roundLike(args, cx, 'round'),
  trunc: (args, cx) => roundLike(args, cx, 'trunc'),
  floor: (args, cx) => floorCeil(args, cx, Math.floor),
  ceil: (args, cx) => floorCeil(args, cx, Math.ceil),
  ceiling: (args, cx) => floorCeil(args, cx, Math.ceil),
  lower: (args, cx) => textFn(args, cx, (s) => s.toLowerCase()),
  upper: (args, cx) => textFn(args, cx, (s) => s.toUpperCase()),
  length: (args, cx) => lengthFn(args, cx),
  char_length: (args, cx) => lengthFn(args, cx),
  character_length: (args, cx) => lengthFn(args, cx),
  concat: (args) => ({
    type: T.text,
    eval: (env) =>
      args
        .map((a) => {
          const v = a.eval(env);
          return v === null ? '' : a.type.oid === Oid.unknown ? (v as string) : outputValue(a.type.oid, v);
        })
        .join(''),
  }),
};

function textFn(args: BoundExpr[], cx: CoerceCtx, fn: (s: string) => string): BoundExpr | null {
  if (args.length !== 1) return null;
  const a = toText(args[0]!, cx);
  return a === null ? null : { type: T.text, eval: strict([a], (v) => fn(v[0] as string)) };
}

function lengthFn(args: BoundExpr[], cx: CoerceCtx): BoundExpr | null {
  if (args.length !== 1) return null;
  if (args[0]!.type.oid === Oid.bytea)
    return { type: T.int4, eval: strict(args, (v) => (v[0] as Buffer).length) };
  const a = toText(args[0]!, cx);
  return a === null ? null : { type: T.int4, eval: strict([a], (v) => charLength(v[0] as string)) };
}

function roundLike(args: BoundExpr[], cx: CoerceCtx, which: 'round' | 'trunc'): BoundExpr | null {
  if (args.length === 2) {
    const a = oneOf(args[0]!, [T.numeric], cx);
    const s =
      oneOf(args[1]!, [T.int4], cx) ??
      (args[1]!.type.oid === Oid.unknown ? coerceOrThrow(args[1]!, T.int4, 'implicit', cx) : null);
    if (a === null || s === null) return null;
    return {
      type: T.numeric,
      eval: strict([a, s], (v) => roundNumeric(v[0] as Numeric, v[1] as number, which)),
    };
  }
  if (args.length !== 1) return null;
  const a0 = args[0]!;
  if (
    a0.type.oid !== Oid.numeric &&
    a0.type.oid !== Oid.unknown &&
    tryCoerce(a0, T.float8, 'implicit', cx) !== null
  ) {
    // integers resolve to the float8 variant (float8 is the preferred numeric type)
    const a = coerceOrThrow(a0, T.float8, 'implicit', cx);
    const fn = which === 'round' ? rint : Math.trunc;
    return { type: T.float8, eval: strict([a], (v) => fn(v[0] as number)) };
  }
  const a = oneOf(a0, [T.numeric], cx);
  if (a === null) return null;
  return { type: T.numeric, eval: strict([a], (v) => roundNumeric(v[0] as Numeric, 0, which)) };
}

function roundNumeric(n: Numeric, scale: number, which: 'round' | 'trunc'): Numeric {
  const s = Math.max(-ROUND_SCALE_MAX, Math.min(ROUND_SCALE_MAX, scale));
  if (which === 'round') {
    if (s >= 0) return n.withScale(s);
    const unit = 10n ** BigInt(-s);
    return new Numeric(n.withScale(0).unscaled, 0)
      .divToScale(new Numeric(unit, 0), 0)
      .mul(new Numeric(unit, 0));
  }
  if (s >= n.scale) return n.withScale(s);
  const cut = 10n ** BigInt(n.scale - Math.max(s, 0));
  const t = new Numeric(n.unscaled / cut, Math.max(s, 0));
  if (s >= 0) return t;
  const unit = 10n ** BigInt(-s);
  return new Numeric((t.unscaled / unit) * unit, 0);
}

function floorCeil(args: BoundExpr[], cx: CoerceCtx, fn: (x: number) => number): BoundExpr | null {
  if (args.length !== 1) return null;
  const a0 = args[0]!;
  if (
    a0.type.oid !== Oid.numeric &&
    a0.type.oid !== Oid.unknown &&
    tryCoerce(a0, T.float8, 'implicit', cx) !== null
  ) {
    const a = coerceOrThrow(a0, T.float8, 'implicit', cx);
    return { type: T.float8, eval: strict([a], (v) => fn(v[0] as number)) };
  }
  const a = oneOf(a0, [T.numeric], cx);
  if (a === null) return null;
  const up = fn === Math.ceil;
  return {
    type: T.numeric,
    eval: strict([a], (v) => {
      const n = v[0] as Numeric;
      const t = n.truncToBigInt();
      const exact = new Numeric(t, 0).cmp(n) === 0;
      if (exact) return new Numeric(t, 0);
      return new Numeric(up ? (n.sign() > 0 ? t + 1n : t) : n.sign() < 0 ? t - 1n : t, 0);
    }),
  };
}

export function bindScalarFunction(
  name: string,
  args: BoundExpr[],
  cx: CoerceCtx,
  location?: number,
): BoundExpr {
  const builder = BUILDERS[name];
  const out = builder === undefined ? null : builder(args, cx);
  if (out === null) throw noFunction(name, args, cx, location);
  return out;
}

export const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every']);
