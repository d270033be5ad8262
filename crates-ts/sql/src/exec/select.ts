/**
 * SELECT: FROM, WHERE, GROUP BY / HAVING with aggregates, the select list, DISTINCT,
 * ORDER BY (output names, ordinals or expressions; NULLS LAST ascending and FIRST
 * descending, as PG), OFFSET and LIMIT; VALUES lists; UNION / INTERSECT / EXCEPT [ALL].
 * Plans are built once per statement (binding resolves names and types) and run against
 * the state the statement reads; inputs are materialized.
 */
import { SqlError, SqlState } from '../errors.js';
import { encodeKey } from '../keys.js';
import { type Ast, names, nodeTag } from '../parse.js';
import { compareValues } from '../types/compare.js';
import { type SqlType, T, type Value } from '../types/oids.js';
import type { Accumulator } from './aggregates.js';
import { type BoundExpr, coerceOrThrow, positionIn } from './bound.js';
import { columnName } from './column-name.js';
import { coerceAll, commonType } from './common-type.js';
import type { ExecContext } from './context.js';
import type { Env } from './env.js';
import { containsAggregate, ExprBinder, fingerprint, type Grouping } from './expr-binder.js';
import { planFrom } from './from.js';
import { type BindCtx, Scope } from './scope.js';

export interface OutColumn {
  readonly name: string;
  readonly type: SqlType;
}

export interface QueryPlan {
  readonly columns: OutColumn[];
  /** True if the query reads the enclosing query's row (re-run per outer row). */
  readonly correlated: boolean;
  run(outer: Env | null, ctx: ExecContext, params: readonly (string | null)[]): Value[][];
}

interface Target {
  readonly name: string;
  readonly expr: BoundExpr;
  readonly fp: string | null;
}

interface SortKey {
  /** Output column it sorts by, or -1 with `expr`. */
  readonly output: number;
  readonly expr: BoundExpr | null;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export function planSelect(s: Ast, bc: BindCtx, parent: Scope | null): QueryPlan {
  if (s.withClause !== undefined) throw new SqlError(SqlState.FeatureNotSupported, 'WITH is not supported');
  if (s.intoClause !== undefined)
    throw new SqlError(SqlState.FeatureNotSupported, 'SELECT INTO is not supported');
  if (s.op !== undefined && s.op !== 'SETOP_NONE') return planSetOp(s, bc, parent);
  if (s.valuesLists !== undefined) return planValues(s, bc, parent);
  return planSimple(s, bc, parent);
}

/** Expands `*` / `t.*` and binds the select list. */
function bindTargets(list: Ast[], scope: Scope, binder: ExprBinder, bc: BindCtx): Target[] {
  const out: Target[] = [];
  for (const item of list) {
    const rt = item.ResTarget;
    const cr = rt.val.ColumnRef;
    const parts = cr === undefined ? [] : names(cr.fields);
    if (parts[parts.length - 1] === '*') {
      const cols = scope.star(parts.length === 2 ? parts[0]! : null, bc, cr.location);
      if (cols.length === 0 && parts.length === 1 && scope.items.length === 0) {
        throw new SqlError(
          SqlState.SyntaxError,
          'SELECT * with no tables specified is not valid',
          positionIn(bc, cr.location),
        );
      }
      for (const c of cols) {
        const node = {
          ColumnRef: {
            fields: [{ String: { sval: c.rel } }, { String: { sval: c.name } }],
            location: cr.location,
          },
        };
        out.push({ name: c.name, expr: binder.bind(node), fp: null });
      }
      continue;
    }
    const expr = binder.bind(rt.val);
    out.push({ name: rt.name ?? columnName(rt.val), expr, fp: fingerprint(rt.val) });
  }
  return out;
}

/** The select list's expressions with unknown literals resolved to text (as PG's output). */
function finishTargets(targets: Target[], bc: BindCtx): Target[] {
  return targets.map((t) =>
    t.expr.type.oid === T.unknown.oid ? { ...t, expr: coerceOrThrow(t.expr, T.text, 'implicit', bc) } : t,
  );
}

/** A GROUP BY / ORDER BY item naming an output column (alias or ordinal): that target's parse node. */
function outputReference(node: Ast, list: Ast[], scope: Scope, clause: string, bc: BindCtx): number | null {
  const c = node.A_Const;
  if (c?.ival !== undefined) {
    const n = c.ival.ival ?? 0;
    if (n < 1 || n > list.length) {
      throw new SqlError(
        SqlState.InvalidColumnReference,
        `${clause} position ${n} is not in select list`,
        positionIn(bc, c.location),
      );
    }
    return n - 1;
  }
  const cr = node.ColumnRef;
  if (cr === undefined || cr.fields.length !== 1 || cr.fields[0].String === undefined) return null;
  const name = cr.fields[0].String.sval;
  const idx = list.findIndex((t) => (t.ResTarget.name ?? columnName(t.ResTarget.val)) === name);
  if (idx < 0) return null;
  // GROUP BY prefers an input column of that name; ORDER BY prefers the output column
  if (clause === 'GROUP BY' && scope.items.some((i) => i.columns.some((col) => col.name === name)))
    return null;
  return idx;
}

function planGrouping(s: Ast, scope: Scope, bc: BindCtx): Grouping {
  const input = new ExprBinder(scope, bc, 'nested');
  const grouping: Grouping = { keys: [], aggs: [], input };
  const keyBinder = new ExprBinder(scope, bc, 'GROUP BY');
  for (const g of s.groupClause ?? []) {
    const ref = outputReference(g, s.targetList ?? [], scope, 'GROUP BY', bc);
    const node = ref === null ? g : s.targetList[ref].ResTarget.val;
    grouping.keys.push({ fp: fingerprint(node), expr: keyBinder.bind(node) });
  }
  return grouping;
}

function planSort(
  s: Ast,
  targets: Target[],
  binder: ExprBinder,
  scope: Scope,
  bc: BindCtx,
  distinct: boolean,
): SortKey[] {
  const keys: SortKey[] = [];
  for (const item of s.sortClause ?? []) {
    const sb = item.SortBy;
    if (sb.useOp !== undefined)
      throw new SqlError(SqlState.FeatureNotSupported, 'ORDER BY ... USING is not supported');
    const desc = sb.sortby_dir === 'SORTBY_DESC';
    const nullsFirst =
      sb.sortby_nulls === 'SORTBY_NULLS_FIRST' || (sb.sortby_nulls !== 'SORTBY_NULLS_LAST' && desc);
    const ref = outputReference(sb.node, s.targetList ?? [], scope, 'ORDER BY', bc);
    if (ref !== null) {
      keys.push({ output: ref, expr: null, desc, nullsFirst });
      continue;
    }
    const fp = fingerprint(sb.node);
    const same = targets.findIndex((t) => t.fp === fp);
    if (same >= 0) {
      keys.push({ output: same, expr: null, desc, nullsFirst });
      continue;
    }
    if (distinct) {
      throw new SqlError(
        SqlState.InvalidColumnReference,
        'for SELECT DISTINCT, ORDER BY expressions must appear in select list',
        positionIn(bc, sb.node[nodeTag(sb.node)].location),
      );
    }
    keys.push({ output: -1, expr: binder.bind(sb.node), desc, nullsFirst });
  }
  return keys;
}

function compareRows(keys: readonly SortKey[], types: readonly SqlType[], a: Value[], b: Value[]): number {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = a[i]!;
    const y = b[i]!;
    let c: number;
    if (x === null || y === null) {
      if (x === y) continue;
      c = (x === null) === k.nullsFirst ? -1 : 1;
      return c;
    }
    c = compareValues(types[i]!.oid, x, y);
    if (c !== 0) return k.desc ? -c : c;
  }
  return 0;
}

function bindLimit(node: Ast | undefined, bc: BindCtx, what: 'LIMIT' | 'OFFSET'): BoundExpr | null {
  if (node === undefined) return null;
  const e = new ExprBinder(new Scope(null), bc, what).bind(node);
  return coerceOrThrow(e, T.int8, 'implicit', bc);
}

function evalLimit(e: BoundExpr | null, env: Env, what: 'LIMIT' | 'OFFSET'): number | null {
  if (e === null) return null;
  const v = e.eval(env) as bigint | null;
  if (v === null) return null;
  if (v < 0n) {
    throw new SqlError(
      what === 'LIMIT' ? SqlState.InvalidRowCountInLimitClause : SqlState.InvalidRowCountInResultOffsetClause,
      `${what} must not be negative`,
    );
  }
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Distinct, sort, offset and limit over output rows paired with their sort values. */
interface Finisher {
  finish(rows: { out: Value[]; sort: Value[] }[], env: Env): Value[][];
}

function makeFinisher(s: Ast, targets: Target[], sort: SortKey[], distinct: boolean, bc: BindCtx): Finisher {
  const limit = bindLimit(s.limitCount, bc, 'LIMIT');
  const offset = bindLimit(s.limitOffset, bc, 'OFFSET');
  const outOids = targets.map((t) => t.expr.type.oid);
  const sortTypes = sort.map((k) => (k.output >= 0 ? targets[k.output]!.expr.type : k.expr!.type));
  return {
    finish(rows, env) {
      let list = rows;
      if (distinct) {
        const seen = new Set<string>();
        list = list.filter((r) => {
          const id = encodeKey(Buffer.alloc(0), outOids, r.out).toString('latin1');
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
      }
      if (sort.length > 0) list = [...list].sort((a, b) => compareRows(sort, sortTypes, a.sort, b.sort));
      const off = evalLimit(offset, env, 'OFFSET') ?? 0;
      const lim = evalLimit(limit, env, 'LIMIT');
      const end = lim === null ? list.length : Math.min(list.length, off + lim);
      return list.slice(off, end).map((r) => r.out);
    },
  };
}

function planSimple(s: Ast, bc: BindCtx, parent: Scope | null): QueryPlan {
  if ((s.distinctClause ?? []).some((d: Ast) => Object.keys(d).length > 0)) {
    throw new SqlError(SqlState.FeatureNotSupported, 'SELECT DISTINCT ON is not supported');
  }
  const distinct = s.distinctClause !== undefined;
  const scope = new Scope(parent);
  const from = planFrom(s.fromClause, scope, bc);
  const where =
    s.whereClause === undefined
      ? null
      : new ExprBinder(scope, bc, 'WHERE').bindCondition(s.whereClause, 'WHERE');
  const sortNodes = (s.sortClause ?? []).map((i: Ast) => i.SortBy.node);
  const aggregated =
    (s.groupClause ?? []).length > 0 ||
    s.havingClause !== undefined ||
    containsAggregate(s.targetList ?? []) ||
    containsAggregate(sortNodes);
  const grouping = aggregated ? planGrouping(s, scope, bc) : null;
  const binder = new ExprBinder(scope, bc, null, grouping);
  const targets = finishTargets(bindTargets(s.targetList ?? [], scope, binder, bc), bc);
  const having =
    grouping === null || s.havingClause === undefined ? null : binder.bindCondition(s.havingClause, 'HAVING');
  const sort = planSort(s, targets, binder, scope, bc, distinct);
  const finisher = makeFinisher(s, targets, sort, distinct, bc);
  return {
    columns: targets.map((t) => ({ name: t.name, type: t.expr.type })),
    get correlated() {
      return scope.usedOuter;
    },
    run(outer, ctx, params) {
      const env: Env = { row: [], outer, params, ctx };
      let rows = from.produce(outer, ctx, params);
      if (where !== null) {
        rows = rows.filter((r) => {
          env.row = r;
          return where.eval(env) === true;
        });
      }
      if (grouping !== null) rows = aggregate(rows, grouping, env, (s.groupClause ?? []).length > 0);
      const outRows: { out: Value[]; sort: Value[] }[] = [];
      for (const r of rows) {
        env.row = r;
        if (having !== null && having.eval(env) !== true) continue;
        const out = targets.map((t) => t.expr.eval(env));
        outRows.push({ out, sort: sort.map((k) => (k.output >= 0 ? out[k.output]! : k.expr!.eval(env))) });
      }
      env.row = [];
      return finisher.finish(outRows, env);
    },
  };
}

interface Group {
  keys: Value[];
  accs: Accumulator[];
  seen: (Set<string> | null)[];
}

/** Rows -> one row per group: the GROUP BY key values, then each aggregate's result. */
function aggregate(rows: Value[][], g: Grouping, env: Env, hasGroupBy: boolean): Value[][] {
  const keyOids = g.keys.map((k) => k.expr.type.oid);
  const groups = new Map<string, Group>();
  const newGroup = (keys: Value[]): Group => ({
    keys,
    accs: g.aggs.map((a) => a.create()),
    seen: g.aggs.map((a) => (a.distinct ? new Set<string>() : null)),
  });
  for (const r of rows) {
    env.row = r;
    const keys = g.keys.map((k) => k.expr.eval(env));
    const id = encodeKey(Buffer.alloc(0), keyOids, keys).toString('latin1');
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = newGroup(keys)));
    for (let i = 0; i < g.aggs.length; i++) {
      const spec = g.aggs[i]!;
      if (spec.arg === null) {
        group.accs[i]!.add(null);
        continue;
      }
      const v = spec.arg.eval(env);
      if (v === null) continue;
      const seen = group.seen[i];
      if (seen) {
        const vid = encodeKey(Buffer.alloc(0), [spec.arg.type.oid], [v]).toString('latin1');
        if (seen.has(vid)) continue;
        seen.add(vid);
      }
      group.accs[i]!.add(v);
    }
  }
  if (groups.size === 0 && !hasGroupBy) groups.set('', newGroup([]));
  return [...groups.values()].map((grp) => [...grp.keys, ...grp.accs.map((a) => a.result())]);
}

function planValues(s: Ast, bc: BindCtx, parent: Scope | null): QueryPlan {
  const binder = new ExprBinder(new Scope(parent), bc, 'VALUES');
  const rows: BoundExpr[][] = s.valuesLists.map((l: Ast) => l.List.items.map((i: Ast) => binder.bind(i)));
  const width = rows[0]!.length;
  for (const r of rows) {
    if (r.length !== width)
      throw new SqlError(SqlState.SyntaxError, 'VALUES lists must all be the same length');
  }
  const types: SqlType[] = [];
  for (let c = 0; c < width; c++) {
    const t = commonType(
      rows.map((r) => r[c]!),
      'VALUES',
      bc,
    );
    types.push(t);
    for (const r of rows) r[c] = coerceAll([r[c]!], t, bc)[0]!;
  }
  const targets: Target[] = types.map((t, i) => ({
    name: `column${i + 1}`,
    expr: { type: t, eval: (env) => env.row[i]! },
    fp: null,
  }));
  const sort = planSort(
    { ...s, targetList: targets.map((t) => ({ ResTarget: { name: t.name, val: { A_Const: {} } } })) },
    targets,
    binder,
    binder.scope,
    bc,
    false,
  );
  const finisher = makeFinisher(s, targets, sort, false, bc);
  return {
    columns: targets.map((t) => ({ name: t.name, type: t.expr.type })),
    correlated: false,
    run(outer, ctx, params) {
      const env: Env = { row: [], outer, params, ctx };
      const out = rows.map((r) => {
        const vals = r.map((e) => e.eval(env));
        return { out: vals, sort: sort.map((k) => vals[k.output]!) };
      });
      return finisher.finish(out, env);
    },
  };
}

function planSetOp(s: Ast, bc: BindCtx, parent: Scope | null): QueryPlan {
  const left = planSelect(s.larg, bc, parent);
  const right = planSelect(s.rarg, bc, parent);
  const what = s.op === 'SETOP_UNION' ? 'UNION' : s.op === 'SETOP_INTERSECT' ? 'INTERSECT' : 'EXCEPT';
  if (left.columns.length !== right.columns.length) {
    throw new SqlError(SqlState.SyntaxError, `each ${what} query must have the same number of columns`);
  }
  const types = left.columns.map((c, i) =>
    commonType(
      [
        { type: c.type, eval: () => null },
        { type: right.columns[i]!.type, eval: () => null },
      ],
      what,
      bc,
    ),
  );
  const conv = (cols: OutColumn[]) =>
    cols.map((c, i) => coerceAll([{ type: c.type, eval: (env: Env) => env.row[i]! }], types[i]!, bc)[0]!);
  const lconv = conv(left.columns);
  const rconv = conv(right.columns);
  const targets: Target[] = types.map((t, i) => ({
    name: left.columns[i]!.name,
    expr: { type: t, eval: (env) => env.row[i]! },
    fp: null,
  }));
  const fakeList = targets.map((t) => ({ ResTarget: { name: t.name, val: { A_Const: {} } } }));
  const binder = new ExprBinder(new Scope(parent), bc, 'ORDER BY');
  const sort = planSort({ ...s, targetList: fakeList }, targets, binder, binder.scope, bc, false);
  const finisher = makeFinisher(s, targets, sort, false, bc);
  const oids = types.map((t) => t.oid);
  return {
    columns: targets.map((t) => ({ name: t.name, type: t.expr.type })),
    get correlated() {
      return left.correlated || right.correlated;
    },
    run(outer, ctx, params) {
      const env: Env = { row: [], outer, params, ctx };
      const mapRows = (rows: Value[][], cs: BoundExpr[]) =>
        rows.map((r) => {
          env.row = r;
          return cs.map((c) => c.eval(env));
        });
      const l = mapRows(left.run(outer, ctx, params), lconv);
      const r = mapRows(right.run(outer, ctx, params), rconv);
      const rows = combine(what, s.all === true, l, r, oids);
      return finisher.finish(
        rows.map((out) => ({ out, sort: sort.map((k) => out[k.output]!) })),
        env,
      );
    },
  };
}

function combine(what: string, all: boolean, l: Value[][], r: Value[][], oids: number[]): Value[][] {
  const id = (row: Value[]) => encodeKey(Buffer.alloc(0), oids, row).toString('latin1');
  if (what === 'UNION') {
    if (all) return [...l, ...r];
    const seen = new Set<string>();
    return [...l, ...r].filter((row) => {
      const k = id(row);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  const counts = new Map<string, number>();
  for (const row of r) counts.set(id(row), (counts.get(id(row)) ?? 0) + 1);
  const out: Value[][] = [];
  const emitted = new Set<string>();
  for (const row of l) {
    const k = id(row);
    const n = counts.get(k) ?? 0;
    const keep = what === 'INTERSECT' ? n > 0 : n === 0;
    if (all) {
      if (what === 'INTERSECT' && n > 0) {
        counts.set(k, n - 1);
        out.push(row);
      } else if (what === 'EXCEPT') {
        if (n > 0) counts.set(k, n - 1);
        else out.push(row);
      }
    } else if (keep && !emitted.has(k)) {
      emitted.add(k);
      out.push(row);
    }
  }
  return out;
}
