// A real PostgreSQL engine behind protocol-sql's Backend interface, for end-to-end tests:
// PGlite (PostgreSQL 17 built to WASM) driven through its own wire protocol
// (execProtocolRaw), with frontend messages built by pg-protocol's serializer and replies
// parsed by pg-protocol's parser, both independent of the code under test. The server under
// test then answers real clients (node-postgres, psql) with what PostgreSQL computed.
//
// Exports:
//   PgliteBackend.create({roles})  roles: user -> RoleInfo (default: postgres, superuser, no password)
//   backend.db                      the PGlite instance (for setup and checks)
//   backend.close()
//
// Limits of the adapter (not of the protocol package): sessions share the one PGlite
// connection (tests use one session at a time); prepare and execute each end with a Sync, so
// a Parse/Bind/Execute batch runs in two implicit transactions instead of one; COPY is
// recognised by a regex over simple statements split at ';' (test SQL keeps ';' out of
// literals) and runs through PGlite's /dev/blob, because PGlite's single-user backend
// cannot do COPY FROM STDIN. PGlite sends no ParameterStatus after SET, so the reported
// parameters are read back (current_setting) after statements that mention SET / RESET and
// their changes handed to the protocol as PostgreSQL would report them.
import { PGlite } from '@electric-sql/pglite';
import type {
  Backend,
  Column,
  CopyOptions,
  PreparedStatement,
  RoleInfo,
  Row,
  Session,
  SessionStart,
  SqlErrorFields,
  StatementResult,
  TransactionStatus,
} from '@seshat/protocol-sql';
import { SqlError } from '@seshat/protocol-sql';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';

type Msg = BackendMessage & Record<string, unknown>;

export class PgliteBackend implements Backend {
  /** Serialises every use of the single PGlite connection. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: PGlite,
    readonly roles: Map<string, RoleInfo>,
    private readonly version: string,
  ) {}

  static async create(opts: { roles?: Record<string, RoleInfo> } = {}): Promise<PgliteBackend> {
    const db = await PGlite.create();
    // The zone the protocol reports at startup (and the comparison PostgreSQL runs with).
    await db.exec("SET TimeZone = 'UTC'");
    const roles = new Map(Object.entries(opts.roles ?? { postgres: { canLogin: true, superuser: true } }));
    const v = await db.query<{ server_version: string }>('SHOW server_version');
    return new PgliteBackend(db, roles, v.rows[0]!.server_version);
  }

  async lookupRole(user: string): Promise<RoleInfo | null> {
    return this.roles.get(user) ?? null;
  }

  async databaseExists(name: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return r.rows.length > 0;
  }

  async openSession(_start: SessionStart): Promise<Session> {
    // Sessions share PGlite's one connection: start each from the settings a new
    // PostgreSQL connection would have.
    await this.raw([serialize.query("RESET ALL; SET TimeZone = 'UTC'")]);
    const session = new PgliteSession(this);
    await session.snapshotReported();
    return session;
  }

  serverParameters(): Record<string, string> {
    return { server_version: this.version };
  }

  /** Sends frontend messages, returns the parsed backend messages (serialised across sessions). */
  raw(messages: readonly Uint8Array[]): Promise<Msg[]> {
    const run = async (): Promise<Msg[]> => {
      const reply = await this.db.execProtocolRaw(Buffer.concat(messages.map((m) => Buffer.from(m))));
      const out: Msg[] = [];
      new Parser().parse(Buffer.from(reply), (m) => out.push(m as Msg));
      return out;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function errorFields(m: Msg): SqlErrorFields {
  const f: SqlErrorFields = {
    severity: m.severity as SqlErrorFields['severity'],
    code: m.code as string,
    message: m.message as string,
  };
  for (const k of [
    'detail',
    'hint',
    'where',
    'schema',
    'table',
    'column',
    'dataType',
    'constraint',
  ] as const) {
    if (m[k] !== undefined) f[k] = m[k] as string;
  }
  if (m.position !== undefined) f.position = Number(m.position);
  return f;
}

function columnsOf(m: Msg): Column[] {
  return (m.fields as Msg[]).map((f) => ({
    name: f.name as string,
    tableOid: f.tableID as number,
    columnNumber: f.columnID as number,
    typeOid: f.dataTypeID as number,
    typeSize: f.dataTypeSize as number,
    typmod: f.dataTypeModifier as number,
  }));
}

interface Prepared extends PreparedStatement {
  name: string;
  sql: string;
}

const COPY_RE =
  /^\s*copy\s+(\([\s\S]*\)|[\w."]+)\s*(?:\(([^)]*)\))?\s+(from\s+stdin|to\s+stdout)\b\s*([\s\S]*)$/i;

/** Statement names are unique in the one PGlite connection that all sessions share. */
let statementCounter = 0;

/** PostgreSQL 15's GUC_REPORT parameters that a SET can change. */
const REPORTED = [
  'application_name',
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'standard_conforming_strings',
  'default_transaction_read_only',
];

export class PgliteSession implements Session {
  private status: TransactionStatus = 'I';
  private readonly changes: [string, string][] = [];
  private reported = new Map<string, string>();

  constructor(private readonly backend: PgliteBackend) {}

  transactionStatus(): TransactionStatus {
    return this.status;
  }

  takeParameterChanges(): [string, string][] {
    return this.changes.splice(0);
  }

  /** Reads the reported parameters; records those that changed since the last read. */
  async snapshotReported(): Promise<void> {
    if (this.status === 'E') return;
    const sql = `SELECT ${REPORTED.map((n) => `current_setting('${n}')`).join(', ')}`;
    const msgs = await this.backend.raw([serialize.query(sql)]);
    const row = msgs.find((m) => m.name === 'dataRow')?.fields as string[] | undefined;
    if (row === undefined) return;
    REPORTED.forEach((name, i) => {
      const before = this.reported.get(name);
      if (before !== undefined && before !== row[i]) this.changes.push([name, row[i]!]);
      this.reported.set(name, row[i]!);
    });
  }

  async prepare(sql: string, paramTypeOids: number[]): Promise<PreparedStatement> {
    const name = `pglite_s${++statementCounter}`;
    const msgs = await this.run([
      serialize.parse({ name, text: sql, types: paramTypeOids }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    ]);
    const params = msgs.find((m) => m.name === 'parameterDescription');
    const rows = msgs.find((m) => m.name === 'rowDescription');
    const p: Prepared = {
      name,
      sql,
      paramTypes: (params?.dataTypeIDs as number[]) ?? [],
      columns: rows === undefined ? null : columnsOf(rows),
    };
    return p;
  }

  async execute(prepared: PreparedStatement, params: (string | null)[]): Promise<StatementResult> {
    const { name, sql } = prepared as Prepared;
    const msgs = await this.run([
      serialize.bind({ statement: name, values: params }),
      serialize.execute({ rows: 0 }),
      serialize.sync(),
    ]);
    if (/\b(set|reset)\b/i.test(sql)) await this.snapshotReported();
    const results = this.collect(msgs, prepared.columns);
    return results[0]!;
  }

  release(prepared: PreparedStatement): void {
    const name = (prepared as Prepared).name;
    this.backend.raw([serialize.close({ type: 'S', name }), serialize.sync()]).catch(() => undefined);
  }

  async simple(sql: string): Promise<StatementResult[]> {
    try {
      if (!/\bcopy\b/i.test(sql)) return this.collect(await this.run([serialize.query(sql)]), null);
      const statements = sql.split(';').filter((s) => s.trim() !== '');
      return await this.simpleWithCopy(statements, []);
    } finally {
      if (/\b(set|reset)\b/i.test(sql)) await this.snapshotReported();
    }
  }

  async close(): Promise<void> {
    if (this.status !== 'I') await this.backend.raw([serialize.query('ROLLBACK')]);
  }

  /** Runs messages; a message list with an ErrorResponse throws it (with `completed` results). */
  private async run(messages: Uint8Array[]): Promise<Msg[]> {
    const msgs = await this.backend.raw(messages);
    for (const m of msgs) {
      if (m.name === 'readyForQuery') this.status = m.status as TransactionStatus;
      if (m.name === 'parameterStatus')
        this.changes.push([m.parameterName as string, m.parameterValue as string]);
    }
    return msgs;
  }

  /** Backend messages to results; throws at the first error with the results before it. */
  private collect(msgs: Msg[], described: Column[] | null): StatementResult[] {
    const results: StatementResult[] = [];
    let columns: Column[] | null = described;
    let rows: Row[] = [];
    let notices: SqlErrorFields[] = [];
    for (const m of msgs) {
      if (m.name === 'rowDescription') columns = columnsOf(m);
      else if (m.name === 'dataRow') rows.push(m.fields as Row);
      else if (m.name === 'notice') notices.push(errorFields(m));
      else if (m.name === 'emptyQuery') {
        results.push({ kind: 'empty', notices });
        notices = [];
      } else if (m.name === 'commandComplete') {
        results.push({ command: m.text as string, columns, rows, notices });
        columns = null;
        rows = [];
        notices = [];
      } else if (m.name === 'error') {
        throw Object.assign(new SqlError(errorFields(m)), { completed: results });
      }
    }
    return results;
  }

  private async simpleWithCopy(statements: string[], done: StatementResult[]): Promise<StatementResult[]> {
    for (let i = 0; i < statements.length; i++) {
      const sql = statements[i]!;
      const copy = COPY_RE.exec(sql);
      try {
        if (copy === null) {
          done.push(...this.collect(await this.run([serialize.query(sql)]), null));
          continue;
        }
        const rest = statements.slice(i + 1);
        if (/^from/i.test(copy[3]!)) return [...done, await this.copyIn(copy, rest)];
        done.push(await this.copyOut(copy));
      } catch (e) {
        throw Object.assign(e as object, {
          completed: [...done, ...((e as { completed?: StatementResult[] }).completed ?? [])],
        });
      }
    }
    return done;
  }

  private async columnNames(target: string, list: string | undefined): Promise<string[]> {
    if (list !== undefined) return list.split(',').map((s) => s.trim());
    const r = await this.backend.db.query<{ attname: string }>(
      'SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
      [target],
    );
    return r.rows.map((x) => x.attname);
  }

  private async copyIn(m: RegExpExecArray, rest: string[]): Promise<StatementResult> {
    const options = parseCopyOptions(m[4]!);
    const names = await this.columnNames(m[1]!, m[2]);
    return {
      kind: 'copy-in',
      options,
      columnNames: names,
      finish: async (rows: Row[]) => {
        const csv = rows
          .map((r) => r.map((v) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`)).join(','))
          .join('\n');
        try {
          const r = await this.backend.db.query(
            `COPY ${m[1]} (${names.join(',')}) FROM '/dev/blob' WITH (FORMAT csv)`,
            [],
            {
              blob: new Blob([csv === '' ? '' : `${csv}\n`]),
            },
          );
          return this.simpleWithCopy(rest, [
            { command: `COPY ${r.affectedRows ?? rows.length}`, columns: null, rows: [] },
          ]);
        } catch (e) {
          await this.abortTransaction();
          throw new SqlError(errorFields(e as Msg));
        }
      },
      fail: async () => this.abortTransaction(),
    };
  }

  /** A failed COPY inside BEGIN leaves the transaction failed, as in PostgreSQL. */
  private async abortTransaction(): Promise<void> {
    if (this.status === 'I') return;
    await this.run([serialize.query("DO $$ BEGIN RAISE EXCEPTION 'copy failed'; END $$")]);
  }

  private async copyOut(m: RegExpExecArray): Promise<StatementResult> {
    const source = m[1]!.startsWith('(') ? m[1]!.slice(1, -1) : `SELECT ${m[2] ?? '*'} FROM ${m[1]}`;
    const [r] = this.collect(await this.run([serialize.query(source)]), null);
    if (r === undefined || r.kind !== undefined) throw new Error('COPY source returned no rows');
    return { kind: 'copy-out', options: parseCopyOptions(m[4]!), columns: r.columns ?? [], rows: r.rows };
  }
}

/** The options of the test scripts' COPY statements: `(FORMAT csv, HEADER, DELIMITER 'x', NULL 'x')` or `WITH CSV HEADER`. */
export function parseCopyOptions(text: string): CopyOptions {
  const t = text.trim().replace(/^with\s*/i, '');
  const o: CopyOptions = { format: /\bcsv\b/i.test(t) ? 'csv' : /\bbinary\b/i.test(t) ? 'binary' : 'text' };
  if (/\bheader\b(?!\s+false)/i.test(t)) o.header = true;
  const delim = /delimiter\s+(?:as\s+)?'([^']*)'/i.exec(t);
  if (delim) o.delimiter = delim[1]!;
  const nul = /null\s+(?:as\s+)?'([^']*)'/i.exec(t);
  if (nul) o.null = nul[1]!;
  return o;
}
