/**
 * The session API the PostgreSQL wire protocol calls: prepare a statement (parameter and
 * result types), execute it with text parameters, or run a simple query of several
 * statements. Results are in PG's text format. A statement runs against the applied state
 * in one synchronous section; if it wrote anything, its write set goes through the
 * `Committer` (the log) and the statement answers once applied. A write set rejected at
 * apply (another statement changed what it read) is re-run, up to STATEMENT_RETRIES_MAX.
 *
 * Errors are thrown as SqlError. `simple` stops at the first failing statement and attaches
 * the results of the statements before it (`SqlError.completed`), as PG's simple query
 * protocol reports them before the ErrorResponse.
 */
import type { Storage } from '@seshat/storage';
import { SqlError, SqlState } from './errors.js';
import { ParamTypes } from './exec/bound.js';
import { ExecContext } from './exec/context.js';
import { planCreateSequence, planCreateTable, planDrop } from './exec/ddl.js';
import { planDelete, planInsert, planUpdate } from './exec/dml.js';
import { commandTag, type StatementOutput, type StatementPlan } from './exec/plan.js';
import type { BindCtx } from './exec/scope.js';
import { planSelect } from './exec/select.js';
import { type Ast, nodeTag, type ParsedStatement, parseSql } from './parse.js';
import { outputValue } from './types/io.js';
import { isKnownOid, Oid } from './types/oids.js';
import type { SqlStateMachine } from './state-machine.js';
import type { WriteSet } from './write-set.js';

/** Times a statement is re-run after its write set lost a race at apply. */
export const STATEMENT_RETRIES_MAX = 16;

export interface ResultColumn {
  name: string;
  typeOid: number;
  typmod: number;
}

export interface SqlResult {
  /** PG's command tag: 'SELECT 2', 'INSERT 0 3', 'CREATE TABLE', ... */
  command: string;
  columns: ResultColumn[] | null;
  rows: (string | null)[][];
  notices?: string[];
}

export interface PreparedStatement {
  readonly sql: string;
  readonly statement: ParsedStatement | null;
  paramTypes: number[];
  columns: ResultColumn[] | null;
}

/** Where write sets go: through the log to the state machine. Resolves to true if applied, false on a conflict. */
export interface Committer {
  commit(ws: WriteSet): Promise<boolean>;
}

/**
 * A committer that applies write sets directly to a local SqlStateMachine (tests, embedded
 * single-node use): each write set becomes one entry at the next index, fsynced before the
 * promise resolves. A node in a Raft group proposes through its group driver instead.
 */
export class LocalCommitter implements Committer {
  private seed = 1;
  constructor(private readonly sm: SqlStateMachine) {}

  async commit(ws: WriteSet): Promise<boolean> {
    const stamp = Math.max(Date.now(), this.sm.lastStampMs);
    const data = this.sm.encodeEntry(stamp, this.seed++, [ws]);
    const replies = this.sm.apply(this.sm.appliedIndex + 1, data);
    await this.sm.storage.syncWrites();
    return replies !== null && replies[0] !== undefined && !('message' in (replies[0] as object));
  }
}

export class SqlEngine {
  constructor(
    readonly sm: SqlStateMachine,
    readonly committer: Committer,
    readonly storage: Storage = sm.storage,
  ) {}

  session(): SqlSession {
    return new SqlSession(this);
  }
}

function planStatement(stmt: Ast, bc: BindCtx): StatementPlan {
  const plan = bindStatement(stmt, bc);
  for (const fold of bc.folds) fold();
  return plan;
}

function bindStatement(stmt: Ast, bc: BindCtx): StatementPlan {
  const tag = nodeTag(stmt);
  const n = stmt[tag];
  switch (tag) {
    case 'SelectStmt': {
      const plan = planSelect(n, bc, null);
      return {
        command: 'SELECT',
        columns: plan.columns,
        run: (ctx, params) => {
          const rows = plan.run(null, ctx, params);
          return { rows, count: rows.length };
        },
      };
    }
    case 'InsertStmt':
      return planInsert(n, bc);
    case 'UpdateStmt':
      return planUpdate(n, bc);
    case 'DeleteStmt':
      return planDelete(n, bc);
    case 'CreateStmt':
      return planCreateTable(n, bc);
    case 'DropStmt':
      return planDrop(n, bc);
    case 'CreateSeqStmt':
      return planCreateSequence(n, bc);
    default:
      throw new SqlError(
        SqlState.FeatureNotSupported,
        `statement ${tag.replace(/Stmt$/, '')} is not supported`,
      );
  }
}

export class SqlSession {
  constructor(private readonly engine: SqlEngine) {}

  private bindCtx(sql: string, paramTypes: number[]): BindCtx {
    return { catalog: this.engine.sm.catalog, params: new ParamTypes(paramTypes), sql, folds: [] };
  }

  /** Parses and binds one statement: its parameter types (declared or inferred) and result columns. */
  prepare(sql: string, paramTypeOids: readonly number[] = []): PreparedStatement {
    for (const oid of paramTypeOids) {
      if (oid !== 0 && !isKnownOid(oid))
        throw new SqlError(SqlState.UndefinedObject, `type with OID ${oid} does not exist`);
    }
    const stmts = parseSql(sql);
    if (stmts.length > 1)
      throw new SqlError(SqlState.SyntaxError, 'cannot insert multiple commands into a prepared statement');
    const statement = stmts[0] ?? null;
    const prepared: PreparedStatement = { sql, statement, paramTypes: [...paramTypeOids], columns: null };
    if (statement === null) return prepared;
    const bc = this.bindCtx(sql, prepared.paramTypes);
    const plan = planStatement(statement.stmt, bc);
    prepared.paramTypes = bc.params.types.map((t) => (t === 0 ? Oid.text : t));
    prepared.columns =
      plan.columns?.map((c) => ({ name: c.name, typeOid: c.type.oid, typmod: c.type.typmod })) ?? null;
    return prepared;
  }

  async execute(prepared: PreparedStatement, params: readonly (string | null)[] = []): Promise<SqlResult> {
    if (prepared.statement === null) return { command: 'EMPTY', columns: null, rows: [] };
    if (params.length !== prepared.paramTypes.length) {
      throw new SqlError(
        SqlState.ProtocolViolation,
        `bind message supplies ${params.length} parameters, but prepared statement "" requires ${prepared.paramTypes.length}`,
      );
    }
    return this.run(prepared.sql, prepared.statement.stmt, [...prepared.paramTypes], params);
  }

  private async run(
    sql: string,
    stmt: Ast,
    paramTypes: number[],
    params: readonly (string | null)[],
  ): Promise<SqlResult> {
    for (let attempt = 0; attempt < STATEMENT_RETRIES_MAX; attempt++) {
      const catalog = this.engine.sm.catalog;
      const plan = planStatement(stmt, this.bindCtx(sql, paramTypes));
      const ctx = new ExecContext(this.engine.storage, catalog, BigInt(Date.now()) * 1000n);
      let out: StatementOutput;
      try {
        out = plan.run(ctx, params);
      } catch (e) {
        const seqs = ctx.sequenceWriteSet();
        if (seqs !== null) await this.engine.committer.commit(seqs);
        throw e;
      }
      if (ctx.hasWrites && !(await this.engine.committer.commit(ctx.writeSet()))) continue;
      const columns =
        plan.columns?.map((c) => ({ name: c.name, typeOid: c.type.oid, typmod: c.type.typmod })) ?? null;
      const rows = out.rows.map((r) =>
        r.map((v, i) => (v === null ? null : outputValue(plan.columns![i]!.type.oid, v))),
      );
      return {
        command: commandTag(plan.command, out.count),
        columns,
        rows,
        ...(out.notice === undefined ? {} : { notices: [out.notice] }),
      };
    }
    throw new SqlError(SqlState.SerializationFailure, 'could not serialize access due to concurrent update');
  }

  /** Runs every statement of a simple query in order; stops at the first error (attaching earlier results). */
  async simple(sql: string): Promise<SqlResult[]> {
    const results: SqlResult[] = [];
    try {
      for (const s of parseSql(sql)) results.push(await this.run(sql, s.stmt, [], []));
    } catch (e) {
      if (e instanceof SqlError) (e as SqlError & { completed?: SqlResult[] }).completed = results;
      throw e;
    }
    return results;
  }
}
