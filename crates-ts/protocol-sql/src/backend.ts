/**
 * The contract between the wire protocol (this package) and a SQL engine. The protocol calls
 * these; the engine implements them. Values cross it as PostgreSQL's text format
 * (`string | null`): binary parameters and results are converted here (types/), so the engine
 * deals in text only.
 *
 * Errors: every async member may throw (reject with) a `SqlError` (or any object with
 * `severity`, `code`, `message` and the optional fields of `SqlErrorFields`). The protocol
 * sends it as an ErrorResponse; anything else thrown is reported as XX000.
 */
import type { SqlErrorFields } from './errors.js';
import type { TransactionStatus } from './writer.js';

export type { SqlErrorFields, TransactionStatus };

/** What the authentication step needs to know about a role. */
export interface RoleInfo {
  /** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts), as pg_authid stores it. */
  scramVerifier?: string;
  /** `md5` + hex md5(password + user), as pg_authid stores md5 passwords. */
  md5?: string;
  /** rolcanlogin. */
  canLogin: boolean;
  /** rolsuper: reported to the client as the is_superuser parameter. */
  superuser?: boolean;
}

/** One result column (RowDescription). */
export interface Column {
  name: string;
  typeOid: number;
  /** Type modifier (atttypmod), -1 when none. */
  typmod: number;
  /**
   * pg_type.typlen: bytes for fixed-size types, -1 varlena, -2 cstring. When omitted, the
   * protocol fills it in for the built-in types it knows (types/oids.ts `typeSize`), else -1.
   */
  typeSize?: number;
  /** Source table OID and column number (0 when not a plain column). */
  tableOid?: number;
  columnNumber?: number;
}

export type Row = (string | null)[];

/** A NOTICE / WARNING: full fields, or just the message text (sent as NOTICE 00000). */
export type Notice = SqlErrorFields | string;

/** Session members may answer synchronously or with a promise. */
export type MaybePromise<T> = T | Promise<T>;

/** A statement that produced rows or only a tag. `kind` may be omitted. */
export interface RowsResult {
  kind?: 'rows';
  /** Command tag: 'SELECT 3', 'INSERT 0 1', 'CREATE TABLE'... */
  command: string;
  /** Null for statements that return no rows (then `rows` is empty). */
  columns: Column[] | null;
  rows: Row[];
  /** NOTICE / WARNING messages the statement raised, sent before its rows. */
  notices?: Notice[];
}

/** An empty query string (or only comments): EmptyQueryResponse. */
export interface EmptyResult {
  kind: 'empty';
  notices?: Notice[];
}

/** COPY options as the engine parsed them from the statement. */
export interface CopyOptions {
  format: 'text' | 'csv' | 'binary';
  /** Defaults: tab (text) / comma (csv). */
  delimiter?: string;
  /** Defaults: `\N` (text) / empty string (csv). */
  null?: string;
  /** CSV: a header line is written (out) / skipped (in). */
  header?: boolean;
  /** CSV quote and escape characters; default `"` and the quote. */
  quote?: string;
  escape?: string;
  /** CSV out: columns (by index) quoted even when not needed; `true` for all. */
  forceQuote?: number[] | true;
}

/** COPY ... TO STDOUT: the rows to send, encoded here in the requested format. */
export interface CopyOutResult {
  kind: 'copy-out';
  options: CopyOptions;
  columns: Column[];
  rows: Row[];
  notices?: Notice[];
}

/**
 * COPY ... FROM STDIN: the protocol collects and decodes the client's data, then calls
 * exactly one of `finish` or `fail`.
 */
export interface CopyInResult {
  kind: 'copy-in';
  options: CopyOptions;
  /** Target column names, in data order (for the column-count errors). */
  columnNames: string[];
  /**
   * Stores the rows. Resolves to the COPY's own result (tag `COPY n`) followed by the results
   * of the statements after it in the same simple query (which may include more COPYs).
   */
  finish(rows: Row[]): Promise<StatementResult[]>;
  /** The copy failed (client CopyFail, bad data, limit): abort it as the error says. */
  fail(error: SqlErrorFields): Promise<void>;
  notices?: Notice[];
}

export type StatementResult = RowsResult | EmptyResult | CopyOutResult | CopyInResult;

/** What `prepare` learned about a statement. Opaque beyond these fields. */
export interface PreparedStatement {
  /** Type OIDs of $1..$n, with unspecified (0) ones resolved. */
  paramTypes: number[];
  /** Result columns, or null when the statement returns no rows. */
  columns: Column[] | null;
}

export interface SessionStart {
  user: string;
  database: string;
  /** Every startup parameter the client sent (application_name, options, DateStyle...). */
  parameters: Record<string, string>;
}

/** One client connection's SQL session. */
export interface Session {
  /** Parses and describes one statement (Parse). `paramTypeOids[i]` 0 means "infer". */
  prepare(sql: string, paramTypeOids: number[]): MaybePromise<PreparedStatement>;
  /** Runs a prepared statement to completion with text parameters (Bind + Execute). */
  execute(prepared: PreparedStatement, params: (string | null)[]): MaybePromise<StatementResult>;
  /**
   * Runs a simple-query string: zero or more statements, in order. When statement k fails,
   * throw its error with `completed` set to the results of statements 0..k-1 (they are sent
   * before the error, as PostgreSQL does); without `completed`, none are sent. An empty
   * list (the text had no statement) is answered with EmptyQueryResponse.
   */
  simple(sql: string): MaybePromise<StatementResult[]>;
  /** I (idle), T (in a transaction block), E (in a failed transaction block). */
  transactionStatus(): TransactionStatus;
  /** Parameters whose value changed since the last call (SET TimeZone...): sent as ParameterStatus. */
  takeParameterChanges?(): [name: string, value: string][];
  /** A CancelRequest matched this session: abort the running statement with 57014 if any. */
  cancel?(): void;
  /** Forgets a prepared statement (Close, or its name reused). */
  release?(prepared: PreparedStatement): void;
  /** The connection ended: roll back an open transaction, free everything. */
  close(): Promise<void>;
}

/** The whole engine as the protocol server sees it. */
export interface Backend {
  /** Role for authentication; null when it does not exist. */
  lookupRole(user: string): Promise<RoleInfo | null>;
  databaseExists(name: string): Promise<boolean>;
  /** Opens a session after authentication succeeded. */
  openSession(start: SessionStart): Promise<Session>;
  /**
   * Values of the startup ParameterStatus messages the engine owns (server_version,
   * TimeZone...), merged over the protocol's defaults (see parameters.ts).
   */
  serverParameters?(): Record<string, string>;
}

/** The error `simple` throws may carry the results of the statements that ran before it. */
export interface SimpleQueryError extends SqlErrorFields {
  completed?: StatementResult[];
}
