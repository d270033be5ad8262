/**
 * Bound expressions: a parse-tree expression resolved against a scope and the catalog into
 * a typed closure. `eval` runs per row. Expressions of type `unknown` (a quoted literal or a
 * parameter without a declared type) take their type from context through `coerce`, as PG's
 * parser does.
 */
import { SqlError, SqlState, positionOf } from '../errors.js';
import { type CastContext, canCast, castValue } from '../types/cast.js';
import { inputValue } from '../types/io.js';
import { formatType, Oid, type SqlType, T, type Value } from '../types/oids.js';
import type { Env } from './env.js';

export interface BoundExpr {
  readonly type: SqlType;
  eval(env: Env): Value;
  /** A literal of type unknown: its text (null for NULL). */
  readonly unknownLiteral?: string | null;
  /** A parameter ($n, 1-based) whose type is not known yet. */
  readonly unknownParam?: number;
  /** Parse location (byte offset) for error positions. */
  readonly location?: number;
  /** True when the value never changes (literals): folded at bind time. */
  readonly constant?: boolean;
}

export function constExpr(type: SqlType, value: Value, location?: number): BoundExpr {
  return { type, eval: () => value, constant: true, ...(location === undefined ? {} : { location }) };
}

export function isUnknown(e: BoundExpr): boolean {
  return e.type.oid === Oid.unknown;
}

/** Parameter types of a statement being bound: declared by the client or resolved from context. */
export class ParamTypes {
  constructor(readonly types: number[]) {}

  declared(n: number): number {
    return this.types[n - 1] ?? 0;
  }

  resolve(n: number, oid: number): void {
    while (this.types.length < n) this.types.push(0);
    if (this.types[n - 1] === 0) this.types[n - 1] = oid;
  }
}

export interface CoerceCtx {
  params: ParamTypes;
  sql: string;
  /**
   * Work PG does at plan time, after the whole statement is parsed (its constant folding):
   * typmod coercions of literals (varchar(n) lengths, numeric(p,s) rounding). Run by the
   * statement planner once binding is done, so that input errors of every literal come
   * first, as in PG.
   */
  folds: (() => void)[];
}

/** A constant computed at plan time (see CoerceCtx.folds). */
export function foldedConst(
  type: SqlType,
  compute: () => Value,
  cx: CoerceCtx,
  location?: number,
): BoundExpr {
  let done = false;
  let value: Value = null;
  const get = (): Value => {
    if (!done) {
      try {
        value = compute();
      } catch (err) {
        if (err instanceof SqlError && err.position === undefined)
          Object.assign(err, positionIn(cx, location));
        throw err;
      }
      done = true;
    }
    return value;
  };
  cx.folds.push(() => void get());
  return { type, eval: get, constant: true, ...(location === undefined ? {} : { location }) };
}

function paramExpr(n: number, type: SqlType): BoundExpr {
  return {
    type,
    eval: (env) => {
      const raw = env.params[n - 1];
      if (raw === undefined) throw new SqlError(SqlState.UndefinedParameter, `there is no parameter $${n}`);
      return raw === null
        ? null
        : castValue(inputValue(type.oid, raw), { oid: type.oid, typmod: -1 }, type, false);
    },
  };
}

/** A parameter reference: typed if the client declared its type, else unknown until coerced. */
export function bindParam(n: number, cx: CoerceCtx, location: number): BoundExpr {
  const oid = cx.params.declared(n);
  if (oid !== 0 && oid !== Oid.unknown) return { ...paramExpr(n, { oid, typmod: -1 }), location };
  return { type: T.unknown, eval: (env) => env.params[n - 1] ?? null, unknownParam: n, location };
}

export function cannotCoerce(e: BoundExpr, to: SqlType, cx: CoerceCtx): SqlError {
  return new SqlError(
    SqlState.CannotCoerce,
    `cannot cast type ${formatType(e.type)} to ${formatType(to)}`,
    positionIn(cx, e.location),
  );
}

export function positionIn(cx: CoerceCtx, location: number | undefined) {
  if (location === undefined || location < 0) return {};
  return { position: Buffer.from(cx.sql, 'utf8').subarray(0, location).toString('utf8').length + 1 };
}

/**
 * Converts `e` to `to` if a cast of strength `context` exists (an unknown literal converts
 * with the target's input function, at bind time, so its errors carry its position).
 * Returns null when no such cast exists.
 */
export function tryCoerce(e: BoundExpr, to: SqlType, context: CastContext, cx: CoerceCtx): BoundExpr | null {
  const explicit = context === 'explicit';
  if (e.unknownParam !== undefined) {
    cx.params.resolve(e.unknownParam, to.oid === Oid.unknown ? Oid.text : to.oid);
    return { ...paramExpr(e.unknownParam, to.oid === Oid.unknown ? T.text : to), location: e.location };
  }
  if (
    e.type.oid === to.oid &&
    (to.typmod < 0 || e.type.typmod === to.typmod) &&
    e.unknownLiteral === undefined
  ) {
    return e;
  }
  if (e.unknownLiteral !== undefined) {
    if (e.unknownLiteral === null) return constExpr(to, null, e.location);
    // the input function runs now (parse time in PG), the typmod at plan time
    let v: Value;
    try {
      v = inputValue(to.oid, e.unknownLiteral);
    } catch (err) {
      if (err instanceof SqlError && err.position === undefined)
        Object.assign(err, positionIn(cx, e.location));
      throw err;
    }
    if (to.typmod < 0) return constExpr(to, v, e.location);
    const base = { oid: to.oid, typmod: -1 };
    return foldedConst(to, () => castValue(v, base, to, explicit), cx);
  }
  if (!canCast(e.type.oid, to.oid, context)) return null;
  const from = e.type;
  if (e.constant) return foldedConst(to, () => castValue(e.eval(NO_ENV), from, to, explicit), cx, e.location);
  return { type: to, eval: (env) => castValue(e.eval(env), from, to, explicit), location: e.location };
}

export function coerceOrThrow(e: BoundExpr, to: SqlType, context: CastContext, cx: CoerceCtx): BoundExpr {
  const out = tryCoerce(e, to, context, cx);
  if (out === null) throw cannotCoerce(e, to, cx);
  return out;
}

/** An environment for folding constants (they read nothing). */
export const NO_ENV: Env = { row: [], outer: null, params: [], ctx: null as never };

export function datatypeMismatch(message: string, cx: CoerceCtx, location?: number, hint?: string): SqlError {
  return new SqlError(SqlState.DatatypeMismatch, message, {
    ...positionIn(cx, location),
    ...(hint ? { hint } : {}),
  });
}

export { positionOf };
