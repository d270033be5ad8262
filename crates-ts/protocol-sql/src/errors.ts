/**
 * Errors as PostgreSQL reports them: a severity, a SQLSTATE code and a message, plus the
 * optional fields psql and drivers show. The backend throws `SqlError` for bad SQL; this
 * package throws it for bad protocol input. Both become an ErrorResponse only at the edge
 * (writer.ts `errorResponse`).
 */
export type Severity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

export interface SqlErrorFields {
  severity: Severity;
  /** SQLSTATE, five characters. */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character (not byte) position in the query text; psql draws the caret from it. */
  position?: number;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
}

export class SqlError extends Error implements SqlErrorFields {
  override name = 'SqlError';
  severity: Severity;
  code: string;
  detail?: string;
  hint?: string;
  position?: number;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  constructor(fields: SqlErrorFields) {
    super(fields.message);
    this.severity = fields.severity;
    this.code = fields.code;
    Object.assign(this, stripUndefined(fields));
    this.message = fields.message;
  }
}

function stripUndefined(fields: SqlErrorFields): Partial<SqlErrorFields> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out as Partial<SqlErrorFields>;
}

/** SQLSTATE codes this package raises itself (names as in PostgreSQL's errcodes.txt). */
export const SQLSTATE = {
  PROTOCOL_VIOLATION: '08P01',
  CONNECTION_EXCEPTION: '08000',
  FEATURE_NOT_SUPPORTED: '0A000',
  INVALID_AUTHORIZATION_SPECIFICATION: '28000',
  INVALID_PASSWORD: '28P01',
  INVALID_CATALOG_NAME: '3D000',
  INVALID_PARAMETER_VALUE: '22023',
  INVALID_BINARY_REPRESENTATION: '22P03',
  INVALID_TEXT_REPRESENTATION: '22P02',
  BAD_COPY_FILE_FORMAT: '22P04',
  NUMERIC_VALUE_OUT_OF_RANGE: '22003',
  DATETIME_FIELD_OVERFLOW: '22008',
  QUERY_CANCELED: '57014',
  ADMIN_SHUTDOWN: '57P01',
  TOO_MANY_CONNECTIONS: '53300',
  PROGRAM_LIMIT_EXCEEDED: '54000',
  DUPLICATE_PSTATEMENT: '42P05',
  DUPLICATE_CURSOR: '42P03',
  INVALID_SQL_STATEMENT_NAME: '26000',
  INVALID_CURSOR_NAME: '34000',
  UNDEFINED_FUNCTION: '42883',
  INTERNAL_ERROR: 'XX000',
} as const;

/** Framing errors are FATAL (the stream cannot be trusted); a malformed body is an ERROR. */
export function protocolViolation(message: string, severity: 'ERROR' | 'FATAL' = 'FATAL'): SqlError {
  return new SqlError({ severity, code: SQLSTATE.PROTOCOL_VIOLATION, message });
}

export function sqlError(code: string, message: string, extra: Partial<SqlErrorFields> = {}): SqlError {
  return new SqlError({ severity: 'ERROR', code, message, ...extra });
}

const OPTIONAL_FIELDS = [
  'detail',
  'hint',
  'position',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
] as const;

/**
 * Anything thrown by a backend becomes a plain fields object (an Error's `message` is not
 * enumerable, so errors are copied field by field); an unknown throwable is an internal error.
 */
export function toErrorFields(e: unknown): SqlErrorFields {
  if (isErrorFields(e)) {
    const out: SqlErrorFields = { severity: e.severity, code: e.code, message: e.message };
    const src = e as unknown as Record<string, unknown>;
    const dst = out as unknown as Record<string, unknown>;
    for (const k of OPTIONAL_FIELDS) if (src[k] !== undefined && src[k] !== null) dst[k] = src[k];
    return out;
  }
  const message = e instanceof Error ? e.message : String(e);
  return { severity: 'ERROR', code: SQLSTATE.INTERNAL_ERROR, message };
}

function isErrorFields(e: unknown): e is SqlErrorFields {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return typeof r.code === 'string' && typeof r.message === 'string' && typeof r.severity === 'string';
}
