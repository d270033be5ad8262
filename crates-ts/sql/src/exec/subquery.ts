/**
 * Subqueries in expressions: scalar (one column, at most one row: PG's 21000 otherwise),
 * EXISTS, and `x IN (SELECT ...)` / `x op ANY (SELECT ...)` with SQL's NULL rules. An
 * uncorrelated subquery runs once per statement execution; a correlated one per outer row.
 */
import { SqlError, SqlState } from '../errors.js';
import { type Ast, names } from '../parse.js';
import type { Value } from '../types/oids.js';
import { T } from '../types/oids.js';
import { type BoundExpr, positionIn } from './bound.js';
import type { ExecContext } from './context.js';
import type { Env } from './env.js';
import type { ExprBinder } from './expr-binder.js';
import { Scope } from './scope.js';
import { planSelect, type QueryPlan } from './select.js';

/** Runs the plan for the current row, reusing the result when it is not correlated. */
function runner(plan: QueryPlan): (env: Env) => Value[][] {
  let cache: { ctx: ExecContext; params: readonly (string | null)[]; rows: Value[][] } | null = null;
  return (env) => {
    if (plan.correlated) return plan.run(env, env.ctx, env.params);
    if (cache === null || cache.ctx !== env.ctx || cache.params !== env.params) {
      cache = { ctx: env.ctx, params: env.params, rows: plan.run(env, env.ctx, env.params) };
    }
    return cache.rows;
  };
}

export function bindSubquery(binder: ExprBinder, n: Ast): BoundExpr {
  const type: string = n.subLinkType;
  const plan = planSelect(n.subselect.SelectStmt, binder.cx, binder.scope);
  const run = runner(plan);
  if (type === 'EXISTS_SUBLINK') return { type: T.bool, eval: (env) => run(env).length > 0 };
  if (type === 'EXPR_SUBLINK') {
    if (plan.columns.length !== 1) {
      throw new SqlError(
        SqlState.SyntaxError,
        'subquery must return only one column',
        positionIn(binder.cx, n.location),
      );
    }
    return {
      type: plan.columns[0]!.type,
      eval: (env) => {
        const rows = run(env);
        if (rows.length > 1) {
          throw new SqlError(
            SqlState.CardinalityViolation,
            'more than one row returned by a subquery used as an expression',
          );
        }
        return rows.length === 0 ? null : rows[0]![0]!;
      },
      location: n.location,
    };
  }
  if (type === 'ANY_SUBLINK') return anySubquery(binder, n, plan, run);
  throw new SqlError(
    SqlState.FeatureNotSupported,
    `subquery kind ${type} is not supported`,
    positionIn(binder.cx, n.location),
  );
}

function anySubquery(binder: ExprBinder, n: Ast, plan: QueryPlan, run: (env: Env) => Value[][]): BoundExpr {
  if (plan.columns.length !== 1) {
    throw new SqlError(
      SqlState.SyntaxError,
      plan.columns.length > 1 ? 'subquery has too many columns' : 'subquery has too few columns',
      positionIn(binder.cx, n.location),
    );
  }
  const op = n.operName === undefined ? '=' : names(n.operName)[0]!;
  const left = binder.bind(n.testexpr);
  // the comparison of the left value with one subquery value, bound once over a one-slot row
  const slot: BoundExpr = { type: plan.columns[0]!.type, eval: (env) => env.row[0]! };
  const holder = new Scope(null);
  void holder;
  const leftSlot: BoundExpr = {
    type: left.type,
    eval: (env) => env.row[1]!,
    ...(left.unknownLiteral !== undefined ? { unknownLiteral: left.unknownLiteral, constant: true } : {}),
  };
  const test = binder.binary(op, leftSlot.unknownLiteral !== undefined ? left : leftSlot, slot, n.location);
  return {
    type: T.bool,
    eval: (env) => {
      const lv = left.eval(env);
      const rows = run(env);
      let sawNull = false;
      const inner: Env = { row: [null, lv], outer: env, params: env.params, ctx: env.ctx };
      for (const r of rows) {
        inner.row[0] = r[0]!;
        const v = test.eval(inner);
        if (v === true) return true;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : false;
    },
    location: n.location,
  };
}
