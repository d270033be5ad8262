/**
 * The first packet of a connection: SSLRequest, GSSENCRequest, CancelRequest or a StartupMessage
 * (protocol version, then name/value pairs ended by an empty name), decoded with PostgreSQL's
 * checks and texts (ProcessStartupPacket).
 */
import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  PROTOCOL_VERSION_3,
  SSL_REQUEST_CODE,
} from './constants.js';
import { MessageCursor } from './cursor.js';
import { protocolViolation, SqlError, SQLSTATE } from './errors.js';

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: number }
  | {
      kind: 'startup';
      minorVersion: number;
      parameters: Record<string, string>;
      /** `_pq_.*` protocol options we do not know (all of them): reported back, ignored. */
      unrecognizedOptions: string[];
    };

const CANCEL_BODY_BYTES = 12;
const SPECIAL_BODY_BYTES = 4;

export function parseStartupPacket(body: Buffer): StartupPacket {
  const code = body.readInt32BE(0);
  if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
    if (body.length !== SPECIAL_BODY_BYTES) throw protocolViolation('invalid length of startup packet');
    return { kind: code === SSL_REQUEST_CODE ? 'ssl' : 'gssenc' };
  }
  if (code === CANCEL_REQUEST_CODE) {
    if (body.length !== CANCEL_BODY_BYTES) throw protocolViolation('invalid length of startup packet');
    return { kind: 'cancel', processId: body.readInt32BE(4), secretKey: body.readInt32BE(8) };
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major !== PROTOCOL_VERSION_3 >>> 16) {
    throw new SqlError({
      severity: 'FATAL',
      code: SQLSTATE.FEATURE_NOT_SUPPORTED,
      message: `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`,
    });
  }
  return { kind: 'startup', minorVersion: minor, ...parseParameters(body) };
}

function parseParameters(body: Buffer): {
  parameters: Record<string, string>;
  unrecognizedOptions: string[];
} {
  const cursor = new MessageCursor().reset(body.subarray(4));
  const parameters: Record<string, string> = Object.create(null);
  const unrecognizedOptions: string[] = [];
  try {
    for (;;) {
      const name = cursor.cstring();
      if (name === '') break;
      const value = cursor.cstring();
      if (name.startsWith('_pq_.')) unrecognizedOptions.push(name);
      else parameters[name] = value;
    }
  } catch {
    throw protocolViolation('invalid startup packet layout: expected terminator as last byte');
  }
  if (cursor.remaining() !== 0) {
    throw protocolViolation('invalid startup packet layout: expected terminator as last byte');
  }
  if (!parameters.user) {
    throw new SqlError({
      severity: 'FATAL',
      code: SQLSTATE.INVALID_AUTHORIZATION_SPECIFICATION,
      message: 'no PostgreSQL user name specified in startup packet',
    });
  }
  return { parameters, unrecognizedOptions };
}
