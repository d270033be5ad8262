/**
 * Binds parse-tree expressions to typed closures (bound.ts) against a scope: column
 * references, constants, parameters, casts, operators, AND/OR/NOT with SQL's three-valued
 * logic, IS [NOT] NULL, IS [NOT] TRUE/FALSE, LIKE, BETWEEN, IN lists, CASE, COALESCE,
 * NULLIF, GREATEST/LEAST, functions, aggregates (in a grouping context) and subqueries
 * (scalar, EXISTS, IN), with PG's type resolution and error texts.
 */
import { SqlError, SqlState } from '../errors.js';
import { type Ast, names, nodeTag } from '../parse.js';
import { compareValues } from '../types/compare.js';
import { parseNumeric } from '../types/numeric.js';
import { formatType, Oid, type SqlType, T, type Value } from '../types/oids.js';
import { resolveTypeName } from '../types/type-name.js';
import { type AggregateSpec, bindAggregate } from './aggregates.js';
import { type BoundExpr, bindParam, coerceOrThrow, constExpr, isUnknown, positionIn } from './bound.js';
import { coerceAll, commonType } from './common-type.js';
import type { Env } from './env.js';
import { AGGREGATES, bindScalarFunction } from './functions.js';
import { likeMatcher } from './like.js';
import { bindBinaryOp, bindUnaryMinus, COMPARISON_OPS, noOperator } from './operators.js';
import type { BindCtx, Scope } from './scope.js';
import { bindSubquery } from './subquery.js';

/** The grouping context of an aggregate query: GROUP BY keys and aggregates, bound on the input. */
export interface Grouping {
  readonly keys: { fp: string; expr: BoundExpr }[];
  readonly aggs: AggregateSpec[];
  readonly input: ExprBinder;
}

/** A parse node's shape without locations: equal fingerprints mean the same expression. */
export function fingerprint(node: Ast): string {
  return JSON.stringify(node, (k, v) => (k === 'location' ? undefined : v));
}

export function containsAggregate(node: Ast): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(containsAggregate);
  if (node.SubLink !== undefined) return false;
  if (node.FuncCall !== undefined) {
    const n = names(node.FuncCall.funcname);
    if (AGGREGATES.has(n[n.length - 1]!) && node.FuncCall.over === undefined) return true;
  }
  return Object.values(node).some(containsAggregate);
}

function lookupEnv(env: Env, level: number): Env {
  let e = env;
  for (let i = 0; i < level; i++) e = e.outer!;
  return e;
}

function truth(v: Value): boolean | null {
  return v === null ? null : (v as boolean);
}

export class ExprBinder {
  constructor(
    readonly scope: Scope,
    readonly cx: BindCtx,
    /** Where aggregates are not allowed, the clause name for the error ('WHERE'); null: allowed. */
    readonly noAggregates: string | null,
    readonly grouping: Grouping | null = null,
  ) {}

  bind(node: Ast): BoundExpr {
    if (this.grouping !== null) {
      const fp = fingerprint(node);
      const k = this.grouping.keys.findIndex((g) => g.fp === fp);
      if (k >= 0) {
        const type = this.grouping.keys[k]!.expr.type;
        return { type, eval: (env) => env.row[k]! };
      }
    }
    const tag = nodeTag(node);
    const n = node[tag];
    switch (tag) {
      case 'ColumnRef':
        return this.columnRef(n);
      case 'A_Const':
        return this.constant(n);
      case 'ParamRef':
        return bindParam(n.number, this.cx, n.location);
      case 'TypeCast':
        return this.typeCast(n);
      case 'A_Expr':
        return this.aExpr(n);
      case 'BoolExpr':
        return this.boolExpr(n);
      case 'NullTest':
        return this.nullTest(n);
      case 'BooleanTest':
        return this.booleanTest(n);
      case 'FuncCall':
        return this.funcCall(n);
      case 'CoalesceExpr':
        return this.coalesce(n);
      case 'CaseExpr':
        return this.caseExpr(n);
      case 'MinMaxExpr':
        return this.minMax(n);
      case 'SubLink':
        return bindSubquery(this, n);
      case 'SQLValueFunction':
        return this.sqlValueFunction(n);
      default:
        throw new SqlError(
          SqlState.FeatureNotSupported,
          `expression ${tag} is not supported`,
          positionIn(this.cx, n.location),
        );
    }
  }

  /** Binds and requires a boolean (WHERE, HAVING, ON, CASE WHEN): unknown literals become boolean. */
  bindCondition(node: Ast, clause: string): BoundExpr {
    const e = this.bind(node);
    if (isUnknown(e)) return coerceOrThrow(e, T.bool, 'implicit', this.cx);
    if (e.type.oid !== Oid.bool) {
      throw new SqlError(
        SqlState.DatatypeMismatch,
        `argument of ${clause} must be type boolean, not type ${typeDisplay(e.type)}`,
        positionIn(this.cx, e.location),
      );
    }
    return e;
  }

  private columnRef(n: Ast): BoundExpr {
    const parts = names(n.fields);
    if (parts.includes('*')) {
      throw new SqlError(
        SqlState.FeatureNotSupported,
        '* is not allowed in this expression',
        positionIn(this.cx, n.location),
      );
    }
    if (parts.length > 2) {
      throw new SqlError(
        SqlState.FeatureNotSupported,
        `cross-database references are not implemented: ${parts.join('.')}`,
        positionIn(this.cx, n.location),
      );
    }
    const [qualifier, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [null, parts[0]!];
    const r = this.scope.resolve(qualifier, name, this.cx, n.location);
    if (this.grouping !== null && r.level === 0) {
      throw new SqlError(
        SqlState.GroupingError,
        `column "${r.column.rel}.${r.column.name}" must appear in the GROUP BY clause or be used in an aggregate function`,
        positionIn(this.cx, n.location),
      );
    }
    const idx = r.column.index;
    const level = r.level;
    const ev = level === 0 ? (env: Env) => env.row[idx]! : (env: Env) => lookupEnv(env, level).row[idx]!;
    return { type: r.column.type, eval: ev, location: n.location };
  }

  private constant(n: Ast): BoundExpr {
    const loc = n.location;
    if (n.isnull)
      return { type: T.unknown, eval: () => null, unknownLiteral: null, constant: true, location: loc };
    if (n.ival !== undefined) return constExpr(T.int4, n.ival.ival ?? 0, loc);
    if (n.fval !== undefined) {
      const text: string = n.fval.fval;
      // an integer literal too big for int4 arrives as fval: int8 if it fits, else numeric
      if (/^-?\d+$/.test(text)) {
        const b = BigInt(text);
        if (b >= -(2n ** 63n) && b < 2n ** 63n) return constExpr(T.int8, b, loc);
      }
      return constExpr(T.numeric, parseNumeric(text)!, loc);
    }
    if (n.sval !== undefined) {
      return {
        type: T.unknown,
        eval: () => n.sval.sval ?? '',
        unknownLiteral: n.sval.sval ?? '',
        constant: true,
        location: loc,
      };
    }
    if (n.boolval !== undefined) return constExpr(T.bool, n.boolval.boolval === true, loc);
    throw new SqlError(
      SqlState.FeatureNotSupported,
      'bit string constants are not supported',
      positionIn(this.cx, loc),
    );
  }

  private typeCast(n: Ast): BoundExpr {
    const arg = this.bind(n.arg);
    const to = resolveTypeName(n.typeName);
    const out = coerceOrThrow(arg, to, 'explicit', this.cx);
    return { ...out, location: n.location };
  }

  private aExpr(n: Ast): BoundExpr {
    switch (n.kind) {
      case 'AEXPR_OP':
        return this.operator(n);
      case 'AEXPR_IN':
        return this.inList(n);
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE':
        return this.like(n, n.kind === 'AEXPR_ILIKE');
      case 'AEXPR_NULLIF':
        return this.nullif(n);
      case 'AEXPR_BETWEEN':
      case 'AEXPR_NOT_BETWEEN':
        return this.between(n, n.kind === 'AEXPR_NOT_BETWEEN');
      case 'AEXPR_DISTINCT':
      case 'AEXPR_NOT_DISTINCT':
        return this.distinctFrom(n, n.kind === 'AEXPR_DISTINCT');
      default:
        throw new SqlError(
          SqlState.FeatureNotSupported,
          `operator kind ${n.kind} is not supported`,
          positionIn(this.cx, n.location),
        );
    }
  }

  /** Binds a binary operator given bound operands, resolving unknown operands from the other side. */
  binary(op: string, l: BoundExpr, r: BoundExpr, location: number): BoundExpr {
    if (isUnknown(l) && isUnknown(r)) {
      if (COMPARISON_OPS.has(op) || op === '||') {
        l = coerceOrThrow(l, T.text, 'implicit', this.cx);
        r = coerceOrThrow(r, T.text, 'implicit', this.cx);
      } else {
        throw new SqlError(SqlState.AmbiguousFunction, `operator is not unique: unknown ${op} unknown`, {
          ...positionIn(this.cx, location),
          hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.',
        });
      }
    } else if (isUnknown(l)) {
      l = coerceOrThrow(l, op === '||' ? T.text : { oid: r.type.oid, typmod: -1 }, 'implicit', this.cx);
    } else if (isUnknown(r)) {
      r = coerceOrThrow(r, op === '||' ? T.text : { oid: l.type.oid, typmod: -1 }, 'implicit', this.cx);
    }
    return bindBinaryOp(op, l, r, this.cx, location);
  }

  private operator(n: Ast): BoundExpr {
    const op = names(n.name).pop()!;
    if (n.lexpr === undefined) {
      const arg = this.bind(n.rexpr);
      if (op === '+') return arg;
      if (op === '-') {
        const a = isUnknown(arg) ? coerceOrThrow(arg, T.numeric, 'implicit', this.cx) : arg;
        return bindUnaryMinus(a, this.cx, n.location);
      }
      throw noOperator(op, null, arg.type, this.cx, n.location);
    }
    return this.binary(op, this.bind(n.lexpr), this.bind(n.rexpr), n.location);
  }

  private inList(n: Ast): BoundExpr {
    const negate = names(n.name)[0] === '<>';
    const left = this.bind(n.lexpr);
    const items = (n.rexpr.List?.items ?? []).map((i: Ast) => this.bind(i));
    const t = commonType([left, ...items], 'IN', this.cx);
    const l = coerceOrThrow(left, t, 'implicit', this.cx);
    const tests = coerceAll(items, t, this.cx).map((i) => this.binary('=', l, i, n.location));
    return { type: T.bool, eval: (env) => anyOf(tests, env, negate), location: n.location };
  }

  private like(n: Ast, insensitive: boolean): BoundExpr {
    const op = names(n.name)[0]!;
    const negate = op.startsWith('!');
    const text = (x: Ast) => {
      const e = this.bind(x);
      // bpchar has its own LIKE (bpcharlike): it matches the padded value
      if (e.type.oid === Oid.bpchar) return e;
      if (
        isUnknown(e) ||
        e.type.oid === Oid.text ||
        e.type.oid === Oid.varchar ||
        e.type.oid === Oid.bpchar
      ) {
        return coerceOrThrow(e, T.text, 'implicit', this.cx);
      }
      throw noOperator(op, e.type, T.text, this.cx, n.location);
    };
    const l = text(n.lexpr);
    const r = text(n.rexpr);
    const cache = new Map<string, (s: string) => boolean>();
    return {
      type: T.bool,
      eval: (env) => {
        const a = l.eval(env);
        const b = r.eval(env);
        if (a === null || b === null) return null;
        let m = cache.get(b as string);
        if (m === undefined) cache.set(b as string, (m = likeMatcher(b as string, insensitive)));
        return m(a as string) !== negate;
      },
      location: n.location,
    };
  }

  private nullif(n: Ast): BoundExpr {
    const l0 = this.bind(n.lexpr);
    const l = isUnknown(l0) ? coerceOrThrow(l0, T.text, 'implicit', this.cx) : l0;
    const eq = this.binary('=', l, this.bind(n.rexpr), n.location);
    return {
      // the type of the = operator's left input: varchar compares (and comes back) as text
      type: l.type.oid === Oid.varchar ? T.text : l.type,
      eval: (env) => (eq.eval(env) === true ? null : l.eval(env)),
      location: n.location,
    };
  }

  private between(n: Ast, negate: boolean): BoundExpr {
    const [lo, hi] = n.rexpr.List.items;
    const x = this.bind(n.lexpr);
    const ge = this.binary('>=', x, this.bind(lo), n.location);
    const le = this.binary('<=', x, this.bind(hi), n.location);
    return {
      type: T.bool,
      eval: (env) => {
        const v = and3(truth(ge.eval(env)), truth(le.eval(env)));
        return v === null ? null : v !== negate;
      },
      location: n.location,
    };
  }

  private distinctFrom(n: Ast, distinct: boolean): BoundExpr {
    const l = this.bind(n.lexpr);
    const r = this.bind(n.rexpr);
    const eq = this.binary('=', l, r, n.location);
    return {
      type: T.bool,
      eval: (env) => {
        const a = l.eval(env);
        const b = r.eval(env);
        if (a === null || b === null) return (a === null && b === null) !== distinct;
        return (eq.eval(env) === true) !== distinct;
      },
    };
  }

  private boolExpr(n: Ast): BoundExpr {
    const clause = n.boolop === 'AND_EXPR' ? 'AND' : n.boolop === 'OR_EXPR' ? 'OR' : 'NOT';
    const args: BoundExpr[] = n.args.map((a: Ast) => this.bindCondition(a, clause));
    if (n.boolop === 'NOT_EXPR') {
      const a = args[0]!;
      return {
        type: T.bool,
        eval: (env) => {
          const v = a.eval(env);
          return v === null ? null : !v;
        },
      };
    }
    const isAnd = n.boolop === 'AND_EXPR';
    return {
      type: T.bool,
      eval: (env) => {
        let sawNull = false;
        for (const a of args) {
          const v = a.eval(env);
          if (v === null) sawNull = true;
          else if (v === !isAnd) return !isAnd;
        }
        return sawNull ? null : isAnd;
      },
    };
  }

  private nullTest(n: Ast): BoundExpr {
    const a = this.bind(n.arg);
    const isNull = n.nulltesttype === 'IS_NULL';
    return { type: T.bool, eval: (env) => (a.eval(env) === null) === isNull };
  }

  private booleanTest(n: Ast): BoundExpr {
    const a = this.bindCondition(n.arg, 'IS TRUE');
    const kind: string = n.booltesttype;
    const test: (v: Value) => boolean = {
      IS_TRUE: (v: Value) => v === true,
      IS_NOT_TRUE: (v: Value) => v !== true,
      IS_FALSE: (v: Value) => v === false,
      IS_NOT_FALSE: (v: Value) => v !== false,
      IS_UNKNOWN: (v: Value) => v === null,
      IS_NOT_UNKNOWN: (v: Value) => v !== null,
    }[kind]!;
    return { type: T.bool, eval: (env) => test(a.eval(env)) };
  }

  private funcCall(n: Ast): BoundExpr {
    const parts = names(n.funcname);
    const name = parts[parts.length - 1]!;
    if (parts.length > 1 && parts[0] !== 'pg_catalog') {
      throw new SqlError(
        SqlState.InvalidSchemaName,
        `schema "${parts[0]}" does not exist`,
        positionIn(this.cx, n.location),
      );
    }
    if (n.over !== undefined)
      throw new SqlError(
        SqlState.FeatureNotSupported,
        'window functions are not supported',
        positionIn(this.cx, n.location),
      );
    if (AGGREGATES.has(name)) return this.aggregate(name, n);
    if (n.agg_star || n.agg_distinct) {
      throw new SqlError(
        SqlState.WrongObjectType,
        `${n.agg_star ? '*' : 'DISTINCT'} specified, but ${name} is not an aggregate function`,
        positionIn(this.cx, n.location),
      );
    }
    const args: BoundExpr[] = (n.args ?? []).map((a: Ast) => this.bind(a));
    if (name === 'now' && args.length === 0) return { type: T.timestamptz, eval: (env) => env.ctx.nowMicros };
    if (name === 'nextval' && args.length === 1) return this.nextval(args[0]!, n.location);
    return { ...bindScalarFunction(name, args, this.cx, n.location), location: n.location };
  }

  private nextval(arg: BoundExpr, location: number): BoundExpr {
    const a = coerceOrThrow(arg, T.text, 'implicit', this.cx);
    return {
      type: T.int8,
      eval: (env) => {
        const name = a.eval(env);
        if (name === null) return null;
        const seq = env.ctx.catalog.lookup('public', name as string);
        if (seq === undefined || seq.kind !== 'sequence') {
          throw new SqlError(
            SqlState.UndefinedTable,
            `relation "${name}" does not exist`,
            positionIn(this.cx, location),
          );
        }
        return env.ctx.nextval(seq);
      },
      location,
    };
  }

  private aggregate(name: string, n: Ast): BoundExpr {
    if (this.grouping === null) {
      const where = this.noAggregates ?? 'this context';
      const msg =
        where === 'nested'
          ? 'aggregate function calls cannot be nested'
          : `aggregate functions are not allowed in ${where}`;
      throw new SqlError(SqlState.GroupingError, msg, positionIn(this.cx, n.location));
    }
    const args: Ast[] = n.args ?? [];
    if (!n.agg_star && args.length !== 1) {
      const bound = args.map((a) => this.grouping!.input.bind(a));
      throw new SqlError(
        SqlState.UndefinedFunction,
        `function ${name}(${bound.map((b) => typeDisplay(b.type)).join(', ')}) does not exist`,
        positionIn(this.cx, n.location),
      );
    }
    const arg = n.agg_star ? null : this.grouping.input.bind(args[0]);
    const spec = bindAggregate(
      name === 'every' ? 'bool_and' : name,
      arg,
      n.agg_distinct === true,
      this.cx,
      n.location,
    );
    const slot = this.grouping.keys.length + this.grouping.aggs.length;
    this.grouping.aggs.push(spec);
    return { type: spec.type, eval: (env) => env.row[slot]!, location: n.location };
  }

  private coalesce(n: Ast): BoundExpr {
    const args: BoundExpr[] = n.args.map((a: Ast) => this.bind(a));
    const t = commonType(args, 'COALESCE', this.cx);
    const cs = coerceAll(args, t, this.cx);
    return {
      type: t,
      eval: (env) => {
        for (const c of cs) {
          const v = c.eval(env);
          if (v !== null) return v;
        }
        return null;
      },
    };
  }

  private caseExpr(n: Ast): BoundExpr {
    const subject = n.arg === undefined ? null : this.bind(n.arg);
    const whens: BoundExpr[] = [];
    const results: BoundExpr[] = [];
    for (const w of n.args) {
      const cw = w.CaseWhen;
      whens.push(
        subject === null
          ? this.bindCondition(cw.expr, 'CASE/WHEN')
          : this.binary('=', subject, this.bind(cw.expr), cw.location),
      );
      results.push(this.bind(cw.result));
    }
    const def = n.defresult === undefined ? null : this.bind(n.defresult);
    const t = commonType(def === null ? results : [...results, def], 'CASE', this.cx);
    const rs = coerceAll(results, t, this.cx);
    const d = def === null ? null : coerceOrThrow(def, t, 'implicit', this.cx);
    return {
      type: t,
      eval: (env) => {
        for (let i = 0; i < whens.length; i++) if (whens[i]!.eval(env) === true) return rs[i]!.eval(env);
        return d === null ? null : d.eval(env);
      },
      location: n.location,
    };
  }

  private minMax(n: Ast): BoundExpr {
    const args: BoundExpr[] = n.args.map((a: Ast) => this.bind(a));
    const name = n.op === 'IS_GREATEST' ? 'GREATEST' : 'LEAST';
    const t = commonType(args, name, this.cx);
    const cs = coerceAll(args, t, this.cx);
    const sign = n.op === 'IS_GREATEST' ? 1 : -1;
    return {
      type: t,
      eval: (env) => {
        let best: Value = null;
        for (const c of cs) {
          const v = c.eval(env);
          if (v !== null && (best === null || compareValues(t.oid, v, best) * sign > 0)) best = v;
        }
        return best;
      },
    };
  }

  private sqlValueFunction(n: Ast): BoundExpr {
    switch (n.op) {
      case 'SVFOP_CURRENT_TIMESTAMP':
      case 'SVFOP_LOCALTIMESTAMP':
        return {
          type: n.op === 'SVFOP_CURRENT_TIMESTAMP' ? T.timestamptz : T.timestamp,
          eval: (env) => env.ctx.nowMicros,
        };
      case 'SVFOP_CURRENT_DATE':
        return { type: T.date, eval: (env) => Number(env.ctx.nowMicros / 86_400_000_000n) };
      default:
        throw new SqlError(
          SqlState.FeatureNotSupported,
          `${n.op} is not supported`,
          positionIn(this.cx, n.location),
        );
    }
  }
}

function typeDisplay(t: SqlType): string {
  return formatType({ oid: t.oid, typmod: -1 });
}

function and3(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}

/** x IN (...): true if any test is true, else null if any was null, else false (negated for NOT IN). */
function anyOf(tests: readonly BoundExpr[], env: Env, negate: boolean): boolean | null {
  let sawNull = false;
  for (const t of tests) {
    const v = t.eval(env);
    if (v === true) return !negate;
    if (v === null) sawNull = true;
  }
  return sawNull ? null : negate;
}
