/**
 * Wire constants of PostgreSQL protocol 3.0 and this package's named limits.
 * Message type bytes are compared as numbers (charCodeAt) on the hot path.
 */

/** Protocol version 3.0 as sent in the startup packet (major << 16 | minor). */
export const PROTOCOL_VERSION_3 = 196608;
/** Special startup-packet codes (1234 << 16 | 5678 / 5679 / 5680). */
export const CANCEL_REQUEST_CODE = 80877102;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;

/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH: a longer startup packet is refused. */
export const STARTUP_PACKET_MAX_BYTES = 10_000;
/** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT, for messages that carry no user data (Sync, Flush...). */
export const SMALL_MESSAGE_MAX_BYTES = 10_000;
/**
 * Default bound for messages that carry user data (Query, Parse, Bind, CopyData, passwords).
 * PostgreSQL allows up to 1 GB; 64 MiB keeps one connection from holding the node's memory
 * hostage while leaving room for any realistic statement. Configurable per server.
 */
export const LARGE_MESSAGE_MAX_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Replies are gathered and written once per turn; past this they are written early. */
export const OUTPUT_FLUSH_BYTES = 64 * 1024;
/** Stop reading a client whose unprocessed input exceeds this (resumed when drained). */
export const INPUT_PAUSE_BYTES = 8 * 1024 * 1024;
/** PostgreSQL's NAMEDATALEN - 1: identifiers (statement and portal names) are cut to this. */
export const IDENTIFIER_MAX_BYTES = 63;
/** Most parameters in one Bind (the wire count is a uint16). */
export const BIND_PARAMETERS_MAX = 65_535;
/** Bound on prepared statements and portals per connection (PostgreSQL has none; we need one). */
export const STATEMENTS_PER_CONNECTION_MAX = 10_000;
export const PORTALS_PER_CONNECTION_MAX = 10_000;
/**
 * PostgreSQL's authentication_timeout default: a connection that has not finished startup
 * and authentication by then is closed, so idle half-open connections cannot pile up.
 */
export const AUTHENTICATION_TIMEOUT_MS = 60_000;
/** Most COPY FROM STDIN data gathered for one statement before it fails with 54000. */
export const COPY_IN_MAX_BYTES = 256 * 1024 * 1024;
/** Default iteration count of SCRAM verifiers made here (PostgreSQL's scram_iterations). */
export const SCRAM_ITERATIONS_DEFAULT = 4096;
/** Bounds a client-chosen SCRAM message before it is parsed. */
export const SCRAM_MESSAGE_MAX_BYTES = 1024;

/** Frontend message types. */
export enum Fe {
  Bind = 0x42, // B
  Close = 0x43, // C
  Describe = 0x44, // D
  Execute = 0x45, // E
  FunctionCall = 0x46, // F
  Flush = 0x48, // H
  Parse = 0x50, // P
  Query = 0x51, // Q
  Sync = 0x53, // S
  Terminate = 0x58, // X
  CopyFail = 0x66, // f
  CopyData = 0x64, // d
  CopyDone = 0x63, // c
  Password = 0x70, // p (also SASLInitialResponse, SASLResponse, GSSResponse)
}

/** Backend message types. */
export enum Be {
  Authentication = 0x52, // R
  BackendKeyData = 0x4b, // K
  BindComplete = 0x32, // 2
  CloseComplete = 0x33, // 3
  CommandComplete = 0x43, // C
  CopyData = 0x64, // d
  CopyDone = 0x63, // c
  CopyInResponse = 0x47, // G
  CopyOutResponse = 0x48, // H
  DataRow = 0x44, // D
  EmptyQueryResponse = 0x49, // I
  ErrorResponse = 0x45, // E
  NoData = 0x6e, // n
  NoticeResponse = 0x4e, // N
  ParameterDescription = 0x74, // t
  ParameterStatus = 0x53, // S
  ParseComplete = 0x31, // 1
  PortalSuspended = 0x73, // s
  ReadyForQuery = 0x5a, // Z
  RowDescription = 0x54, // T
}

/** Authentication request codes (the int32 after 'R'). */
export enum AuthCode {
  Ok = 0,
  CleartextPassword = 3,
  MD5Password = 5,
  SASL = 10,
  SASLContinue = 11,
  SASLFinal = 12,
}

/** Maximum message body for a frontend type, per PostgreSQL's small/large split. */
export function messageMaxBytes(type: number, largeMaxBytes: number): number {
  switch (type) {
    case Fe.Query:
    case Fe.Parse:
    case Fe.Bind:
    case Fe.CopyData:
    case Fe.FunctionCall:
    case Fe.Password:
    case Fe.CopyFail:
      return largeMaxBytes;
    default:
      return SMALL_MESSAGE_MAX_BYTES;
  }
}

export function isKnownFrontendType(type: number): boolean {
  switch (type) {
    case Fe.Bind:
    case Fe.Close:
    case Fe.Describe:
    case Fe.Execute:
    case Fe.FunctionCall:
    case Fe.Flush:
    case Fe.Parse:
    case Fe.Query:
    case Fe.Sync:
    case Fe.Terminate:
    case Fe.CopyFail:
    case Fe.CopyData:
    case Fe.CopyDone:
    case Fe.Password:
      return true;
    default:
      return false;
  }
}
