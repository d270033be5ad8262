/**
 * What an expression sees while it runs: the current row (the FROM clause's columns side by
 * side, or a group's keys and aggregates), the enclosing query's row for correlated
 * subqueries, the statement's parameters (text, null for NULL), and the execution context.
 */
import type { Value } from '../types/oids.js';
import type { ExecContext } from './context.js';

export interface Env {
  row: Value[];
  outer: Env | null;
  params: readonly (string | null)[];
  ctx: ExecContext;
}
