/** A bound statement, ready to run against the state a statement reads. */
import type { Value } from '../types/oids.js';
import type { ExecContext } from './context.js';
import type { OutColumn } from './select.js';

export interface StatementOutput {
  /** Command tag without the count for SELECT/INSERT/UPDATE/DELETE (added by `tagOf`). */
  readonly rows: Value[][];
  /** Rows affected / returned (the count in the command tag). */
  readonly count: number;
  /** A notice PG would send (CREATE TABLE IF NOT EXISTS on an existing table, ...). */
  readonly notice?: string;
}

export interface StatementPlan {
  /** 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE TABLE', ... */
  readonly command: string;
  /** Result columns (SELECT, RETURNING), or null. */
  readonly columns: OutColumn[] | null;
  run(ctx: ExecContext, params: readonly (string | null)[]): StatementOutput;
}

export function commandTag(command: string, count: number): string {
  switch (command) {
    case 'INSERT':
      return `INSERT 0 ${count}`;
    case 'SELECT':
    case 'UPDATE':
    case 'DELETE':
      return `${command} ${count}`;
    default:
      return command;
  }
}
