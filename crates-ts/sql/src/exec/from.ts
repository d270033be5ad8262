/**
 * The FROM clause: tables, subqueries in FROM and joins (inner, left, right, full, cross;
 * nested loops over materialized inputs), each adding its columns to the query's scope. A
 * comma list is a cross join.
 */
import type { TableDef } from '../catalog.js';
import { SqlError, SqlState } from '../errors.js';
import type { Ast } from '../parse.js';
import { nodeTag } from '../parse.js';
import type { Value } from '../types/oids.js';
import { positionIn } from './bound.js';
import type { ExecContext } from './context.js';
import type { Env } from './env.js';
import { ExprBinder } from './expr-binder.js';
import type { BindCtx, Scope } from './scope.js';
import { planSelect } from './select.js';
import { scanTable } from './table-scan.js';

/** Rows of a FROM item for one execution (outer: the enclosing query's row, for correlation). */
export interface FromNode {
  readonly width: number;
  produce(outer: Env | null, ctx: ExecContext, params: readonly (string | null)[]): Value[][];
}

export function lookupTable(bc: BindCtx, rv: Ast): TableDef {
  const schema: string = rv.schemaname ?? 'public';
  if (rv.catalogname !== undefined) {
    throw new SqlError(
      SqlState.FeatureNotSupported,
      `cross-database references are not implemented: ${rv.catalogname}.${schema}.${rv.relname}`,
      positionIn(bc, rv.location),
    );
  }
  if (schema !== 'public' && schema !== 'pg_catalog') {
    throw new SqlError(
      SqlState.InvalidSchemaName,
      `schema "${schema}" does not exist`,
      positionIn(bc, rv.location),
    );
  }
  const o = bc.catalog.lookup('public', rv.relname);
  if (o === undefined || o.kind !== 'table' || schema === 'pg_catalog') {
    throw new SqlError(
      SqlState.UndefinedTable,
      `relation "${schema === 'public' && rv.schemaname === undefined ? '' : schema + '.'}${rv.relname}" does not exist`,
      positionIn(bc, rv.location),
    );
  }
  return o;
}

function aliasColumns(names: readonly string[], alias: Ast | undefined): string[] {
  const given: string[] = (alias?.colnames ?? []).map((c: Ast) => c.String.sval);
  return names.map((n, i) => given[i] ?? n);
}

function tableNode(rv: Ast, scope: Scope, bc: BindCtx): FromNode {
  const table = lookupTable(bc, rv);
  const alias: string = rv.alias?.aliasname ?? rv.relname;
  if (scope.hasAlias(alias)) {
    throw new SqlError(
      SqlState.DuplicateAlias,
      `table name "${alias}" specified more than once`,
      positionIn(bc, rv.location),
    );
  }
  const colNames = aliasColumns(
    table.columns.map((c) => c.name),
    rv.alias,
  );
  scope.add(
    alias,
    table.columns.map((c, i) => ({ name: colNames[i]!, type: c.type })),
  );
  return {
    width: table.columns.length,
    produce: (_outer, ctx) => scanTable(ctx, table).map((r) => r.values),
  };
}

function subqueryNode(rs: Ast, scope: Scope, bc: BindCtx): FromNode {
  if (rs.lateral) throw new SqlError(SqlState.FeatureNotSupported, 'LATERAL is not supported');
  if (rs.alias === undefined) {
    throw new SqlError(SqlState.SyntaxError, 'subquery in FROM must have an alias', {
      hint: 'For example, FROM (SELECT ...) [AS] foo.',
    });
  }
  const plan = planSelect(rs.subquery.SelectStmt, bc, scope.parent);
  const colNames = aliasColumns(
    plan.columns.map((c) => c.name),
    rs.alias,
  );
  scope.add(
    rs.alias.aliasname,
    plan.columns.map((c, i) => ({ name: colNames[i]!, type: c.type })),
  );
  let cached: Value[][] | null = null;
  return {
    width: plan.columns.length,
    produce: (outer, ctx, params) => {
      if (plan.correlated) return plan.run(outer, ctx, params);
      cached ??= plan.run(outer, ctx, params);
      return cached;
    },
  };
}

function joinNode(j: Ast, scope: Scope, bc: BindCtx): FromNode {
  if (j.usingClause !== undefined || j.isNatural) {
    throw new SqlError(SqlState.FeatureNotSupported, 'JOIN ... USING and NATURAL JOIN are not supported');
  }
  // offset of this join's row within the FROM row (the qual is bound against the whole scope)
  const base = scope.width;
  const left = fromItem(j.larg, scope, bc);
  const right = fromItem(j.rarg, scope, bc);
  const qual =
    j.quals === undefined
      ? null
      : new ExprBinder(scope, bc, 'JOIN conditions').bindCondition(j.quals, 'JOIN/ON');
  const type: string = j.jointype;
  const keepLeft = type === 'JOIN_LEFT' || type === 'JOIN_FULL';
  const keepRight = type === 'JOIN_RIGHT' || type === 'JOIN_FULL';
  return {
    width: left.width + right.width,
    produce: (outer, ctx, params) => {
      const ls = left.produce(outer, ctx, params);
      const rs = right.produce(outer, ctx, params);
      const rightMatched = new Uint8Array(rs.length);
      const out: Value[][] = [];
      const env: Env = { row: [], outer, params, ctx };
      const pad: Value[] = new Array(base).fill(null);
      for (const l of ls) {
        let matched = false;
        for (let i = 0; i < rs.length; i++) {
          const row = l.concat(rs[i]!);
          env.row = base === 0 ? row : pad.concat(row);
          if (qual === null || qual.eval(env) === true) {
            out.push(row);
            matched = true;
            rightMatched[i] = 1;
          }
        }
        if (!matched && keepLeft) out.push(l.concat(new Array(right.width).fill(null)));
      }
      if (keepRight) {
        for (let i = 0; i < rs.length; i++)
          if (!rightMatched[i]) out.push(new Array(left.width).fill(null).concat(rs[i]!));
      }
      return out;
    },
  };
}

export function fromItem(node: Ast, scope: Scope, bc: BindCtx): FromNode {
  const tag = nodeTag(node);
  switch (tag) {
    case 'RangeVar':
      return tableNode(node.RangeVar, scope, bc);
    case 'RangeSubselect':
      return subqueryNode(node.RangeSubselect, scope, bc);
    case 'JoinExpr':
      return joinNode(node.JoinExpr, scope, bc);
    default:
      throw new SqlError(SqlState.FeatureNotSupported, `${tag} in FROM is not supported`);
  }
}

/** The whole FROM list (cross product of its items); no FROM is one empty row. */
export function planFrom(list: Ast[] | undefined, scope: Scope, bc: BindCtx): FromNode {
  const nodes = (list ?? []).map((n) => fromItem(n, scope, bc));
  return {
    width: scope.width,
    produce: (outer, ctx, params) => {
      let rows: Value[][] = [[]];
      for (const n of nodes) {
        const next: Value[][] = [];
        const items = n.produce(outer, ctx, params);
        for (const r of rows) for (const i of items) next.push(r.concat(i));
        rows = next;
      }
      return rows;
    },
  };
}
