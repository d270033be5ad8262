/**
 * The extended query protocol of one connection: named and unnamed prepared statements and
 * portals, and the Parse / Bind / Describe / Execute / Close messages. Each handler decodes
 * its message body synchronously (the body is only valid until the next socket read) and then
 * awaits the session. Errors are thrown as SqlError; the connection answers them and skips to
 * Sync. The engine runs a portal to completion on its first Execute; row limits then page
 * through the stored rows (PortalSuspended between pages).
 */
import { AssertionError, assert } from '@seshat/common';
import type { Column, PreparedStatement, Row, Session, StatementResult } from './backend.js';
import {
  IDENTIFIER_MAX_BYTES,
  PORTALS_PER_CONNECTION_MAX,
  STATEMENTS_PER_CONNECTION_MAX,
} from './constants.js';
import type { MessageCursor } from './cursor.js';
import { SQLSTATE, sqlError } from './errors.js';
import { expandResultFormats, FORMAT_BINARY, FORMAT_TEXT, writeCopyOut, writeDataRows } from './results.js';
import { binaryToText } from './types/binary.js';
import type { BackendWriter } from './writer.js';

interface Statement {
  name: string;
  prepared: PreparedStatement;
}

interface Portal {
  name: string;
  statement: Statement;
  params: (string | null)[];
  /** Per-column result formats; null for all text. */
  formats: number[] | null;
  /** Set by the first Execute. */
  result: StatementResult | null;
  /** Rows already sent. */
  sent: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** NAMEDATALEN truncation of statement / portal names, on a character boundary. */
function identifier(name: string): string {
  if (Buffer.byteLength(name) <= IDENTIFIER_MAX_BYTES) return name;
  let out = name;
  while (Buffer.byteLength(out) > IDENTIFIER_MAX_BYTES) out = out.slice(0, -1);
  return out;
}

function statementMissing(name: string): Error {
  return sqlError(
    SQLSTATE.INVALID_SQL_STATEMENT_NAME,
    name === '' ? 'unnamed prepared statement does not exist' : `prepared statement "${name}" does not exist`,
  );
}

function portalMissing(name: string): Error {
  return sqlError(SQLSTATE.INVALID_CURSOR_NAME, `portal "${name}" does not exist`);
}

export class ExtendedQuery {
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();

  constructor(
    private readonly session: Session,
    private readonly w: BackendWriter,
  ) {}

  async parse(c: MessageCursor): Promise<void> {
    const name = identifier(c.cstring());
    const sql = c.cstring();
    const count = c.int16();
    const types: number[] = [];
    for (let i = 0; i < count; i++) types.push(c.int32());
    c.end();
    if (name !== '' && this.statements.has(name)) {
      throw sqlError(SQLSTATE.DUPLICATE_PSTATEMENT, `prepared statement "${name}" already exists`);
    }
    if (this.statements.size >= STATEMENTS_PER_CONNECTION_MAX && !this.statements.has(name)) {
      throw sqlError(
        SQLSTATE.PROGRAM_LIMIT_EXCEEDED,
        `too many prepared statements (at most ${STATEMENTS_PER_CONNECTION_MAX})`,
      );
    }
    if (name === '') this.dropStatement('');
    const prepared = await this.session.prepare(sql, types);
    this.statements.set(name, { name, prepared });
    this.w.parseComplete();
  }

  bind(c: MessageCursor): void {
    const portalName = identifier(c.cstring());
    const statementName = identifier(c.cstring());
    const formatCodes = this.int16List(c);
    const raw = this.rawParams(c);
    const resultCodes = this.int16List(c);
    c.end();
    const statement = this.statements.get(statementName);
    if (statement === undefined) throw statementMissing(statementName);
    if (formatCodes.length > 1 && formatCodes.length !== raw.length) {
      throw sqlError(
        SQLSTATE.PROTOCOL_VIOLATION,
        `bind message has ${formatCodes.length} parameter formats but ${raw.length} parameters`,
      );
    }
    const types = statement.prepared.paramTypes;
    if (raw.length !== types.length) {
      throw sqlError(
        SQLSTATE.PROTOCOL_VIOLATION,
        `bind message supplies ${raw.length} parameters, but prepared statement "${statementName}" requires ${types.length}`,
      );
    }
    const params = raw.map((bytes, i) => {
      const format =
        formatCodes.length === 0 ? FORMAT_TEXT : formatCodes.length === 1 ? formatCodes[0]! : formatCodes[i]!;
      return this.paramText(bytes, format, types[i]!, i + 1);
    });
    const formats = expandResultFormats(resultCodes, statement.prepared.columns);
    this.openPortal({ name: portalName, statement, params, formats, result: null, sent: 0 });
    this.w.bindComplete();
  }

  describe(c: MessageCursor): void {
    const kind = c.byte();
    const name = identifier(c.cstring());
    c.end();
    if (kind === 0x53) {
      const s = this.statements.get(name);
      if (s === undefined) throw statementMissing(name);
      this.w.parameterDescription(s.prepared.paramTypes);
      this.describeColumns(s.prepared.columns, null);
    } else if (kind === 0x50) {
      const p = this.portals.get(name);
      if (p === undefined) throw portalMissing(name);
      this.describeColumns(p.statement.prepared.columns, p.formats);
    } else {
      throw sqlError(SQLSTATE.PROTOCOL_VIOLATION, `invalid DESCRIBE message subtype ${kind}`);
    }
  }

  async execute(c: MessageCursor): Promise<void> {
    const name = identifier(c.cstring());
    const maxRows = c.int32();
    c.end();
    const portal = this.portals.get(name);
    if (portal === undefined) throw portalMissing(name);
    if (portal.result === null) {
      const result = await this.session.execute(portal.statement.prepared, portal.params);
      if (result.kind === 'copy-in') {
        // The data would arrive as CopyData between extended-protocol messages; not done here.
        const e = sqlError(
          SQLSTATE.FEATURE_NOT_SUPPORTED,
          'COPY FROM STDIN is not supported in the extended query protocol',
        );
        await result.fail(e).catch(() => undefined);
        throw e;
      }
      portal.result = result;
    }
    this.sendPortalRows(portal, maxRows);
  }

  close(c: MessageCursor): void {
    const kind = c.byte();
    const name = identifier(c.cstring());
    c.end();
    if (kind === 0x53) this.dropStatement(name);
    else if (kind === 0x50) this.portals.delete(name);
    else throw sqlError(SQLSTATE.PROTOCOL_VIOLATION, `invalid CLOSE message subtype ${kind}`);
    this.w.closeComplete();
  }

  /** Portals end with their transaction: called at Sync and simple Query when idle. */
  dropPortals(): void {
    this.portals.clear();
  }

  /** A simple Query destroys the unnamed statement and portal, as in PostgreSQL. */
  dropUnnamed(): void {
    this.dropStatement('');
    this.portals.delete('');
  }

  private sendPortalRows(portal: Portal, maxRows: number): void {
    const r = portal.result;
    assert(r !== null, 'portal not executed');
    for (const n of r.notices ?? []) this.w.noticeResponse(n);
    portal.result = { ...r, notices: [] } as StatementResult;
    switch (r.kind) {
      case 'empty':
        this.w.emptyQueryResponse();
        return;
      case 'copy-out':
        writeCopyOut(this.w, r);
        return;
      case 'copy-in':
        throw new AssertionError('copy-in result reached sendPortalRows');
      default:
        this.sendRows(portal, r.rows, r.columns, r.command, maxRows);
    }
  }

  private sendRows(
    portal: Portal,
    rows: Row[],
    columns: Column[] | null,
    command: string,
    maxRows: number,
  ): void {
    const from = portal.sent;
    const to = maxRows > 0 ? Math.min(rows.length, from + maxRows) : rows.length;
    if (columns !== null) writeDataRows(this.w, rows, from, to, columns, portal.formats);
    portal.sent = to;
    // As PostgreSQL, a page that filled its row limit suspends the portal even when no rows
    // are left: completion is only known once a fetch comes back short.
    if (maxRows > 0 && to - from === maxRows) {
      this.w.portalSuspended();
      return;
    }
    // A portal fetched in pages reports the rows of its last page.
    const paged = from > 0 || maxRows > 0;
    this.w.commandComplete(paged && command.startsWith('SELECT ') ? `SELECT ${to - from}` : command);
  }

  private describeColumns(columns: Column[] | null, formats: number[] | null): void {
    if (columns === null) this.w.noData();
    else this.w.rowDescription(columns, formats);
  }

  private openPortal(p: Portal): void {
    if (p.name !== '' && this.portals.has(p.name)) {
      throw sqlError(SQLSTATE.DUPLICATE_CURSOR, `cursor "${p.name}" already exists`);
    }
    if (this.portals.size >= PORTALS_PER_CONNECTION_MAX && !this.portals.has(p.name)) {
      throw sqlError(
        SQLSTATE.PROGRAM_LIMIT_EXCEEDED,
        `too many portals (at most ${PORTALS_PER_CONNECTION_MAX})`,
      );
    }
    this.portals.set(p.name, p);
  }

  private dropStatement(name: string): void {
    const s = this.statements.get(name);
    if (s === undefined) return;
    this.statements.delete(name);
    this.session.release?.(s.prepared);
  }

  private int16List(c: MessageCursor): number[] {
    const n = c.int16();
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(c.int16());
    return out;
  }

  private rawParams(c: MessageCursor): (Buffer | null)[] {
    const n = c.uint16();
    const out: (Buffer | null)[] = [];
    for (let i = 0; i < n; i++) {
      const len = c.int32();
      out.push(len === -1 ? null : c.bytes(len));
    }
    return out;
  }

  private paramText(bytes: Buffer | null, format: number, typeOid: number, index: number): string | null {
    if (format !== FORMAT_TEXT && format !== FORMAT_BINARY) {
      throw sqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `unsupported format code: ${format}`);
    }
    if (bytes === null) return null;
    if (format === FORMAT_BINARY) return binaryToText(typeOid, bytes, index);
    try {
      return utf8.decode(bytes);
    } catch {
      throw sqlError('22021', 'invalid byte sequence for encoding "UTF8"');
    }
  }
}
