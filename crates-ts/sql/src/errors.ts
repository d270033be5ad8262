/**
 * SQL errors as PostgreSQL reports them: a SQLSTATE code, PG's message text, and the optional
 * fields its ErrorResponse carries. The wire protocol (protocol-sql) maps this to an
 * ErrorResponse as is; the engine never invents codes of its own.
 */

/** The SQLSTATE codes the engine raises (PostgreSQL's errcodes.txt names). */
export const SqlState = {
  SyntaxError: '42601',
  UndefinedTable: '42P01',
  UndefinedColumn: '42703',
  UndefinedFunction: '42883',
  AmbiguousFunction: '42725',
  UndefinedObject: '42704',
  DuplicateTable: '42P07',
  DuplicateColumn: '42701',
  DuplicateObject: '42710',
  DuplicateAlias: '42712',
  AmbiguousColumn: '42702',
  DatatypeMismatch: '42804',
  GroupingError: '42803',
  InvalidTableDefinition: '42P16',
  InvalidColumnReference: '42P10',
  FeatureNotSupported: '0A000',
  WrongObjectType: '42809',
  InvalidTextRepresentation: '22P02',
  NumericValueOutOfRange: '22003',
  DivisionByZero: '22012',
  StringDataRightTruncation: '22001',
  InvalidDatetimeFormat: '22007',
  DatetimeFieldOverflow: '22008',
  InvalidParameterValue: '22023',
  InvalidEscapeSequence: '22025',
  CardinalityViolation: '21000',
  NotNullViolation: '23502',
  UniqueViolation: '23505',
  SerializationFailure: '40001',
  CannotCoerce: '42846',
  InvalidRowCountInLimitClause: '2201W',
  InvalidRowCountInResultOffsetClause: '2201X',
  UndefinedParameter: '42P02',
  IndeterminateDatatype: '42P18',
  ProtocolViolation: '08P01',
  ProgramLimitExceeded: '54000',
  ObjectNotInPrerequisiteState: '55000',
  InvalidSchemaName: '3F000',
  DependentObjectsStillExist: '2BP01',
  InvalidColumnDefinition: '42611',
  TooManyColumns: '54011',
  InternalError: 'XX000',
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];

export interface SqlErrorFields {
  detail?: string;
  hint?: string;
  /** 1-based character position in the statement text (PG's `position`). */
  position?: number;
}

export class SqlError extends Error {
  override name = 'SqlError';
  readonly severity = 'ERROR';
  readonly code: string;
  readonly detail?: string;
  readonly hint?: string;
  position?: number;

  constructor(code: SqlStateCode, message: string, fields: SqlErrorFields = {}) {
    super(message);
    this.code = code;
    if (fields.detail !== undefined) this.detail = fields.detail;
    if (fields.hint !== undefined) this.hint = fields.hint;
    if (fields.position !== undefined) this.position = fields.position;
  }
}

/** `location` of a parse node (0-based byte offset, -1 unknown) as PG's 1-based position. */
export function positionOf(location: number | undefined): SqlErrorFields {
  return location === undefined || location < 0 ? {} : { position: location + 1 };
}

export function notSupported(what: string, location?: number): SqlError {
  return new SqlError(SqlState.FeatureNotSupported, `${what} is not supported`, positionOf(location));
}
