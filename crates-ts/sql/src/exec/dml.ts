/**
 * INSERT (VALUES lists with DEFAULT, INSERT ... SELECT, DEFAULT VALUES), UPDATE and DELETE,
 * each with RETURNING. Values are converted to the column types with assignment casts (PG's
 * 42804 when none exists), typmods applied (varchar(n) 22001, numeric(p,s) 22003), defaults
 * and serial columns filled in, and constraints checked row by row (row-writer.ts). UPDATE
 * and DELETE read every qualifying row first, then write.
 */
import type { TableDef } from '../catalog.js';
import { SqlError, SqlState } from '../errors.js';
import { type Ast, nodeTag } from '../parse.js';
import { formatType, type Value } from '../types/oids.js';
import { type BoundExpr, type CoerceCtx, positionIn, tryCoerce } from './bound.js';
import type { Env } from './env.js';
import { ExprBinder } from './expr-binder.js';
import { lookupTable } from './from.js';
import type { StatementPlan } from './plan.js';
import { deleteRow, insertRow, rowKey, updateRow } from './row-writer.js';
import { type BindCtx, Scope } from './scope.js';
import { planSelect } from './select.js';
import { scanTable } from './table-scan.js';
import { columnName } from './column-name.js';

/** Converts a value expression to a column's type as an assignment, or PG's 42804. */
export function assignTo(
  table: TableDef,
  col: number,
  e: BoundExpr,
  cx: CoerceCtx,
  what = 'expression',
): BoundExpr {
  const c = table.columns[col]!;
  const out = tryCoerce(e, c.type, 'assignment', cx);
  if (out === null) {
    throw new SqlError(
      SqlState.DatatypeMismatch,
      `column "${c.name}" is of type ${formatType({ oid: c.type.oid, typmod: -1 })} but ${what} is of type ${formatType({ oid: e.type.oid, typmod: -1 })}`,
      {
        ...positionIn(cx, e.location),
        hint: 'You will need to rewrite or cast the expression.',
      },
    );
  }
  return out;
}

/** The bound DEFAULT of a column (NULL when it has none). */
export function defaultOf(table: TableDef, col: number, bc: BindCtx): BoundExpr {
  const c = table.columns[col]!;
  if (c.defaultExpr === null) return { type: c.type, eval: () => null };
  const e = new ExprBinder(new Scope(null), bc, 'DEFAULT expressions').bind(c.defaultExpr);
  return assignTo(table, col, e, bc, 'default expression');
}

function targetColumns(table: TableDef, cols: Ast[] | undefined, bc: BindCtx): number[] {
  if (cols === undefined) return table.columns.map((_c, i) => i);
  const out: number[] = [];
  for (const c of cols) {
    const rt = c.ResTarget;
    const idx = table.columns.findIndex((col) => col.name === rt.name);
    if (idx < 0) {
      throw new SqlError(
        SqlState.UndefinedColumn,
        `column "${rt.name}" of relation "${table.name}" does not exist`,
        positionIn(bc, rt.location),
      );
    }
    if (out.includes(idx)) {
      throw new SqlError(
        SqlState.DuplicateColumn,
        `column "${rt.name}" specified more than once`,
        positionIn(bc, rt.location),
      );
    }
    out.push(idx);
  }
  return out;
}

function bindReturning(list: Ast[] | undefined, scope: Scope, bc: BindCtx) {
  if (list === undefined || list.length === 0) return null;
  const binder = new ExprBinder(scope, bc, 'RETURNING');
  const targets: { name: string; expr: BoundExpr }[] = [];
  for (const item of list) {
    const rt = item.ResTarget;
    const cr = rt.val.ColumnRef;
    if (cr !== undefined && nodeTag(cr.fields[cr.fields.length - 1]) === 'A_Star') {
      for (const col of scope.star(null, bc, cr.location))
        targets.push({ name: col.name, expr: { type: col.type, eval: (env: Env) => env.row[col.index]! } });
      continue;
    }
    const e = binder.bind(rt.val);
    targets.push({
      name: rt.name ?? columnName(rt.val),
      expr: e.type.oid === 705 ? tryCoerce(e, { oid: 25, typmod: -1 }, 'implicit', bc)! : e,
    });
  }
  return targets;
}

/** Row sources of an INSERT: one bound expression (or 'default') per target column, per row. */
function insertSource(
  n: Ast,
  table: TableDef,
  cols: number[],
  bc: BindCtx,
): (env: Env) => (Value | undefined)[][] {
  const sel = n.selectStmt?.SelectStmt;
  if (sel === undefined) return () => [[]];
  const simpleValues =
    sel.valuesLists !== undefined && sel.sortClause === undefined && sel.limitCount === undefined;
  if (simpleValues) {
    const binder = new ExprBinder(new Scope(null), bc, 'VALUES');
    const rows: (BoundExpr | null)[][] = sel.valuesLists.map((l: Ast) => {
      const items: Ast[] = l.List.items;
      if (items.length > cols.length) {
        throw new SqlError(
          SqlState.SyntaxError,
          'INSERT has more expressions than target columns',
          positionIn(bc, items[cols.length][nodeTag(items[cols.length])].location),
        );
      }
      if (items.length < cols.length) {
        throw new SqlError(
          SqlState.SyntaxError,
          'INSERT has more target columns than expressions',
          positionIn(bc, n.cols?.[items.length]?.ResTarget.location),
        );
      }
      return items.map((item, i) =>
        item.SetToDefault !== undefined ? null : assignTo(table, cols[i]!, binder.bind(item), bc),
      );
    });
    return (env) => rows.map((r) => r.map((e) => (e === null ? undefined : e.eval(env))));
  }
  const plan = planSelect(sel, bc, null);
  if (plan.columns.length > cols.length)
    throw new SqlError(SqlState.SyntaxError, 'INSERT has more expressions than target columns');
  if (plan.columns.length < cols.length)
    throw new SqlError(SqlState.SyntaxError, 'INSERT has more target columns than expressions');
  const convs = plan.columns.map((c, i) =>
    assignTo(table, cols[i]!, { type: c.type, eval: (env) => env.row[i]! }, bc),
  );
  return (env) =>
    plan.run(null, env.ctx, env.params).map((r) => {
      const inner: Env = { ...env, row: r };
      return convs.map((c) => c.eval(inner));
    });
}

export function planInsert(n: Ast, bc: BindCtx): StatementPlan {
  if (n.onConflictClause !== undefined)
    throw new SqlError(SqlState.FeatureNotSupported, 'ON CONFLICT is not supported');
  const table = lookupTable(bc, n.relation);
  const cols = targetColumns(table, n.cols, bc);
  const source = insertSource(n, table, cols, bc);
  const defaults = table.columns.map((_c, i) => defaultOf(table, i, bc));
  const scope = new Scope(null);
  scope.add(n.relation.alias?.aliasname ?? table.name, table.columns);
  const returning = bindReturning(n.returningClause?.exprs, scope, bc);
  return {
    command: 'INSERT',
    columns: returning?.map((t) => ({ name: t.name, type: t.expr.type })) ?? null,
    run(ctx, params) {
      const env: Env = { row: [], outer: null, params, ctx };
      const out: Value[][] = [];
      let count = 0;
      for (const given of source(env)) {
        const values: Value[] = new Array(table.columns.length).fill(undefined);
        cols.forEach((c, i) => {
          values[c] = given[i] as Value;
        });
        for (let i = 0; i < values.length; i++)
          if (values[i] === undefined) values[i] = defaults[i]!.eval(env);
        insertRow(ctx, table, rowKey(ctx, table, values), values);
        count++;
        if (returning !== null) {
          env.row = values;
          out.push(returning.map((t) => t.expr.eval(env)));
        }
      }
      return { rows: out, count };
    },
  };
}

export function planUpdate(n: Ast, bc: BindCtx): StatementPlan {
  if ((n.fromClause ?? []).length > 0)
    throw new SqlError(SqlState.FeatureNotSupported, 'UPDATE ... FROM is not supported');
  const table = lookupTable(bc, n.relation);
  const scope = new Scope(null);
  scope.add(n.relation.alias?.aliasname ?? table.name, table.columns);
  const binder = new ExprBinder(scope, bc, 'UPDATE');
  const where =
    n.whereClause === undefined
      ? null
      : new ExprBinder(scope, bc, 'WHERE').bindCondition(n.whereClause, 'WHERE');
  const sets: { col: number; expr: BoundExpr | null }[] = [];
  for (const t of n.targetList) {
    const rt = t.ResTarget;
    const col = table.columns.findIndex((c) => c.name === rt.name);
    if (col < 0) {
      throw new SqlError(
        SqlState.UndefinedColumn,
        `column "${rt.name}" of relation "${table.name}" does not exist`,
        positionIn(bc, rt.location),
      );
    }
    if (sets.some((s) => s.col === col)) {
      throw new SqlError(
        SqlState.SyntaxError,
        `multiple assignments to same column "${rt.name}"`,
        positionIn(bc, rt.location),
      );
    }
    sets.push({
      col,
      expr: rt.val.SetToDefault !== undefined ? null : assignTo(table, col, binder.bind(rt.val), bc),
    });
  }
  const defaults = sets.map((s) => (s.expr === null ? defaultOf(table, s.col, bc) : null));
  const returning = bindReturning(n.returningClause?.exprs, scope, bc);
  return {
    command: 'UPDATE',
    columns: returning?.map((t) => ({ name: t.name, type: t.expr.type })) ?? null,
    run(ctx, params) {
      const env: Env = { row: [], outer: null, params, ctx };
      const matches = scanTable(ctx, table).filter((r) => {
        env.row = r.values;
        return where === null || where.eval(env) === true;
      });
      const out: Value[][] = [];
      for (const r of matches) {
        env.row = r.values;
        const values = [...r.values];
        sets.forEach((s, i) => {
          values[s.col] = s.expr === null ? defaults[i]!.eval(env) : s.expr.eval(env);
        });
        updateRow(ctx, table, r.key, r.values, values);
        if (returning !== null) {
          env.row = values;
          out.push(returning.map((t) => t.expr.eval(env)));
        }
      }
      return { rows: out, count: matches.length };
    },
  };
}

export function planDelete(n: Ast, bc: BindCtx): StatementPlan {
  if ((n.usingClause ?? []).length > 0)
    throw new SqlError(SqlState.FeatureNotSupported, 'DELETE ... USING is not supported');
  const table = lookupTable(bc, n.relation);
  const scope = new Scope(null);
  scope.add(n.relation.alias?.aliasname ?? table.name, table.columns);
  const where =
    n.whereClause === undefined
      ? null
      : new ExprBinder(scope, bc, 'WHERE').bindCondition(n.whereClause, 'WHERE');
  const returning = bindReturning(n.returningClause?.exprs, scope, bc);
  return {
    command: 'DELETE',
    columns: returning?.map((t) => ({ name: t.name, type: t.expr.type })) ?? null,
    run(ctx, params) {
      const env: Env = { row: [], outer: null, params, ctx };
      const out: Value[][] = [];
      let count = 0;
      for (const r of scanTable(ctx, table)) {
        env.row = r.values;
        if (where !== null && where.eval(env) !== true) continue;
        deleteRow(ctx, table, r.key, r.values);
        count++;
        if (returning !== null) out.push(returning.map((t) => t.expr.eval(env)));
      }
      return { rows: out, count };
    },
  };
}
