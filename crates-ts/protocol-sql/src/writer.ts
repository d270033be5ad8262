/**
 * Encodes backend messages into one growable buffer; the connection takes the bytes of a turn
 * with `take()` and writes them once. Constant messages are prebuilt. Knows nothing about
 * sockets or sessions.
 */
import { assert } from '@seshat/common';
import { AuthCode, Be } from './constants.js';
import type { SqlErrorFields } from './errors.js';
import { typeSize } from './types/oids.js';

const INITIAL_BYTES = 16 * 1024;

function constant(type: number, body: number[] = []): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b[0] = type;
  b.writeInt32BE(4 + body.length, 1);
  for (let i = 0; i < body.length; i++) b[5 + i] = body[i]!;
  return b;
}

const PARSE_COMPLETE = constant(Be.ParseComplete);
const BIND_COMPLETE = constant(Be.BindComplete);
const CLOSE_COMPLETE = constant(Be.CloseComplete);
const NO_DATA = constant(Be.NoData);
const PORTAL_SUSPENDED = constant(Be.PortalSuspended);
const EMPTY_QUERY = constant(Be.EmptyQueryResponse);
const COPY_DONE = constant(Be.CopyDone);
const AUTH_OK = constant(Be.Authentication, [0, 0, 0, AuthCode.Ok]);
const READY = {
  I: constant(Be.ReadyForQuery, [0x49]),
  T: constant(Be.ReadyForQuery, [0x54]),
  E: constant(Be.ReadyForQuery, [0x45]),
};

export type TransactionStatus = 'I' | 'T' | 'E';

/** Column metadata as sent in RowDescription. */
export interface FieldDescription {
  name: string;
  tableOid?: number;
  columnNumber?: number;
  typeOid: number;
  typeSize?: number;
  typmod: number;
}

export class BackendWriter {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private len = 0;
  /** Offset of the message being built (its type byte). */
  private msgStart = -1;

  size(): number {
    return this.len;
  }

  /** The bytes written so far (a copy the caller owns); the writer is then empty. */
  take(): Buffer {
    assert(this.msgStart < 0, 'take() inside an unfinished message');
    const out = Buffer.from(this.buf.subarray(0, this.len));
    this.len = 0;
    return out;
  }

  /** Drops what was written (the connection is closing). */
  clear(): void {
    this.len = 0;
    this.msgStart = -1;
  }

  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.len);
    this.len += bytes.length;
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.len);
    this.len += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.len);
    this.len += 4;
  }

  cstring(s: string): void {
    const n = Buffer.byteLength(s);
    this.ensure(n + 1);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
    this.buf[this.len++] = 0;
  }

  begin(type: number): void {
    assert(this.msgStart < 0, 'nested message');
    this.ensure(5);
    this.msgStart = this.len;
    this.buf[this.len] = type;
    this.len += 5;
  }

  end(): void {
    assert(this.msgStart >= 0, 'end() without begin()');
    this.buf.writeInt32BE(this.len - this.msgStart - 1, this.msgStart + 1);
    this.msgStart = -1;
  }

  // ---- messages ----

  authOk(): void {
    this.raw(AUTH_OK);
  }

  authRequest(code: AuthCode, payload?: Buffer): void {
    this.begin(Be.Authentication);
    this.int32(code);
    if (payload !== undefined) this.raw(payload);
    this.end();
  }

  /** AuthenticationSASL: mechanism names, each NUL-terminated, then an empty one. */
  authSasl(mechanisms: readonly string[]): void {
    this.begin(Be.Authentication);
    this.int32(AuthCode.SASL);
    for (const m of mechanisms) this.cstring(m);
    this.byte(0);
    this.end();
  }

  parameterStatus(name: string, value: string): void {
    this.begin(Be.ParameterStatus);
    this.cstring(name);
    this.cstring(value);
    this.end();
  }

  backendKeyData(processId: number, secretKey: number): void {
    this.begin(Be.BackendKeyData);
    this.int32(processId);
    this.int32(secretKey);
    this.end();
  }

  /** NegotiateProtocolVersion ('v'): newest minor we support and the options we ignored. */
  negotiateProtocolVersion(newestMinor: number, unrecognized: readonly string[]): void {
    this.begin(0x76);
    this.int32((3 << 16) | newestMinor);
    this.int32(unrecognized.length);
    for (const o of unrecognized) this.cstring(o);
    this.end();
  }

  readyForQuery(status: TransactionStatus): void {
    this.raw(READY[status]);
  }

  parseComplete(): void {
    this.raw(PARSE_COMPLETE);
  }

  bindComplete(): void {
    this.raw(BIND_COMPLETE);
  }

  closeComplete(): void {
    this.raw(CLOSE_COMPLETE);
  }

  noData(): void {
    this.raw(NO_DATA);
  }

  portalSuspended(): void {
    this.raw(PORTAL_SUSPENDED);
  }

  emptyQueryResponse(): void {
    this.raw(EMPTY_QUERY);
  }

  copyDone(): void {
    this.raw(COPY_DONE);
  }

  commandComplete(tag: string): void {
    this.begin(Be.CommandComplete);
    this.cstring(tag);
    this.end();
  }

  parameterDescription(typeOids: readonly number[]): void {
    this.begin(Be.ParameterDescription);
    this.int16(typeOids.length);
    for (const oid of typeOids) this.int32(oid);
    this.end();
  }

  /** `formats[i]` is the format code of column i (0 text, 1 binary). */
  rowDescription(fields: readonly FieldDescription[], formats: readonly number[] | null): void {
    this.begin(Be.RowDescription);
    this.int16(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      this.cstring(f.name);
      this.int32(f.tableOid ?? 0);
      this.int16(f.columnNumber ?? 0);
      this.int32(f.typeOid);
      this.int16(f.typeSize ?? typeSize(f.typeOid));
      this.int32(f.typmod);
      this.int16(formats === null ? 0 : formats[i]!);
    }
    this.end();
  }

  /** A DataRow whose values are already encoded (text as UTF-8, or binary). */
  dataRow(values: readonly (Buffer | string | null)[]): void {
    this.begin(Be.DataRow);
    this.int16(values.length);
    for (const v of values) {
      if (v === null) {
        this.int32(-1);
      } else if (typeof v === 'string') {
        const n = Buffer.byteLength(v);
        this.int32(n);
        this.ensure(n);
        this.buf.write(v, this.len, 'utf8');
        this.len += n;
      } else {
        this.int32(v.length);
        this.raw(v);
      }
    }
    this.end();
  }

  copyResponse(type: Be.CopyInResponse | Be.CopyOutResponse, binary: boolean, columns: number): void {
    this.begin(type);
    this.byte(binary ? 1 : 0);
    this.int16(columns);
    for (let i = 0; i < columns; i++) this.int16(binary ? 1 : 0);
    this.end();
  }

  copyData(data: Buffer | string): void {
    this.begin(Be.CopyData);
    if (typeof data === 'string') {
      const n = Buffer.byteLength(data);
      this.ensure(n);
      this.buf.write(data, this.len, 'utf8');
      this.len += n;
    } else {
      this.raw(data);
    }
    this.end();
  }

  errorResponse(e: SqlErrorFields): void {
    this.fieldsMessage(Be.ErrorResponse, e);
  }

  noticeResponse(e: SqlErrorFields | string): void {
    this.fieldsMessage(
      Be.NoticeResponse,
      typeof e === 'string' ? { severity: 'NOTICE', code: '00000', message: e } : e,
    );
  }

  /** ErrorResponse / NoticeResponse fields in PostgreSQL's order: S V C M D H P W s t c d n. */
  private fieldsMessage(type: number, e: SqlErrorFields): void {
    this.begin(type);
    this.field(0x53, e.severity); // S (localized)
    this.field(0x56, e.severity); // V (never localized)
    this.field(0x43, e.code);
    this.field(0x4d, e.message);
    this.field(0x44, e.detail);
    this.field(0x48, e.hint);
    this.field(0x50, e.position === undefined ? undefined : String(e.position));
    this.field(0x57, e.where);
    this.field(0x73, e.schema);
    this.field(0x74, e.table);
    this.field(0x63, e.column);
    this.field(0x64, e.dataType);
    this.field(0x6e, e.constraint);
    this.byte(0);
    this.end();
  }

  private field(code: number, value: string | undefined): void {
    if (value === undefined) return;
    this.byte(code);
    this.cstring(value);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}
