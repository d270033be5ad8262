/**
 * Binary <-> text for the common types, so the engine deals only in PostgreSQL's text format.
 * `textToBinary` encodes a result value the engine gave as text (for a client that asked for
 * binary results); `binaryToText` decodes a binary Bind parameter into the text the engine's
 * input functions accept. Both throw SqlError: 42883 for a type without a binary form here,
 * 22P03 for bytes that are not a valid value.
 */
import { type SqlError, SQLSTATE, sqlError } from '../errors.js';
import {
  dateBinaryToText,
  dateTextToBinary,
  timeBinaryToText,
  timestampBinaryToText,
  timestampTextToBinary,
  timeTextToBinary,
} from './datetime.js';
import { numericBinaryBytes, numericBinaryToText, numericTextToBinary } from './numeric.js';
import { OID, typeName } from './oids.js';

const INT16_MIN = -32768;
const INT16_MAX = 32767;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT32_MAX = 4294967295;
const JSONB_VERSION = 1;
const UUID_BYTES = 16;

/** Types with a binary form here. */
export function hasBinaryForm(oid: number): boolean {
  switch (oid) {
    case OID.bool:
    case OID.bytea:
    case OID.char:
    case OID.name:
    case OID.int8:
    case OID.int2:
    case OID.int4:
    case OID.text:
    case OID.oid:
    case OID.json:
    case OID.float4:
    case OID.float8:
    case OID.unknown:
    case OID.bpchar:
    case OID.varchar:
    case OID.date:
    case OID.time:
    case OID.timestamp:
    case OID.timestamptz:
    case OID.numeric:
    case OID.uuid:
    case OID.jsonb:
      return true;
    default:
      return false;
  }
}

export function noBinaryOutput(oid: number): SqlError {
  return sqlError(
    SQLSTATE.UNDEFINED_FUNCTION,
    `no binary output function available for type ${typeName(oid)}`,
  );
}

export function noBinaryInput(oid: number): SqlError {
  return sqlError(
    SQLSTATE.UNDEFINED_FUNCTION,
    `no binary input function available for type ${typeName(oid)}`,
  );
}

function badText(oid: number, text: string): SqlError {
  return sqlError(SQLSTATE.INTERNAL_ERROR, `cannot encode ${typeName(oid)} value "${text}" in binary`);
}

function intBuffer(size: 2 | 4, value: number): Buffer {
  const b = Buffer.alloc(size);
  if (size === 2) b.writeInt16BE(value);
  else b.writeInt32BE(value);
  return b;
}

function integerText(text: string, min: number, max: number): number | null {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return null;
  const v = Number(t);
  return v < min || v > max ? null : v;
}

function floatTextToBinary(text: string, size: 4 | 8): Buffer | null {
  const t = text.trim();
  const v = /^-?inf(inity)?$/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t);
  if (Number.isNaN(v) && t.toLowerCase() !== 'nan') return null;
  const b = Buffer.alloc(size);
  if (size === 4) b.writeFloatBE(v);
  else b.writeDoubleBE(v);
  return b;
}

/** PostgreSQL's bytea input: hex (`\x...`) or escape format (`\\`, `\ooo`, other bytes as is). */
export function byteaTextToBytes(text: string): Buffer | null {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2).replace(/\s+/g, '');
    return /^([0-9a-fA-F]{2})*$/.test(hex) ? Buffer.from(hex, 'hex') : null;
  }
  const raw = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x5c) {
      out.push(raw[i]!);
    } else if (raw[i + 1] === 0x5c) {
      out.push(0x5c);
      i++;
    } else {
      const oct = raw.toString('latin1', i + 1, i + 4);
      if (!/^[0-3][0-7][0-7]$/.test(oct)) return null;
      out.push(Number.parseInt(oct, 8));
      i += 3;
    }
  }
  return Buffer.from(out);
}

function uuidTextToBinary(text: string): Buffer | null {
  const t = text.trim().replace(/^\{|\}$/g, '');
  const hex = t.replace(/-/g, '');
  return /^[0-9a-fA-F]{32}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

function bigintBuffer(text: string, size: 8): Buffer | null {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return null;
  const v = BigInt(t);
  if (v < INT64_MIN || v > INT64_MAX) return null;
  const b = Buffer.alloc(size);
  b.writeBigInt64BE(v);
  return b;
}

function textToBinaryOrNull(oid: number, text: string): Buffer | null {
  switch (oid) {
    case OID.bool:
      return text === 't' || text === 'f' ? Buffer.from([text === 't' ? 1 : 0]) : null;
    case OID.int2: {
      const v = integerText(text, INT16_MIN, INT16_MAX);
      return v === null ? null : intBuffer(2, v);
    }
    case OID.int4: {
      const v = integerText(text, INT32_MIN, INT32_MAX);
      return v === null ? null : intBuffer(4, v);
    }
    case OID.oid: {
      const v = integerText(text, 0, UINT32_MAX);
      if (v === null) return null;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(v);
      return b;
    }
    case OID.int8:
      return bigintBuffer(text, 8);
    case OID.float4:
      return floatTextToBinary(text, 4);
    case OID.float8:
      return floatTextToBinary(text, 8);
    case OID.numeric:
      return numericTextToBinary(text);
    case OID.bytea:
      return byteaTextToBytes(text);
    case OID.uuid:
      return uuidTextToBinary(text);
    case OID.date:
      return dateTextToBinary(text);
    case OID.time:
      return timeTextToBinary(text);
    case OID.timestamp:
      return timestampTextToBinary(text, false);
    case OID.timestamptz:
      return timestampTextToBinary(text, true);
    case OID.jsonb:
      return Buffer.concat([Buffer.from([JSONB_VERSION]), Buffer.from(text, 'utf8')]);
    default:
      return Buffer.from(text, 'utf8');
  }
}

/** A result value in binary, from the engine's text. */
export function textToBinary(oid: number, text: string): Buffer {
  if (!hasBinaryForm(oid)) throw noBinaryOutput(oid);
  const b = textToBinaryOrNull(oid, text);
  if (b === null) throw badText(oid, text);
  return b;
}

/**
 * PostgreSQL's float output (shortest exact digits, extra_float_digits = 1): fixed notation
 * when the decimal exponent is in [-4, precision), else `d.ddde+XX` with at least two exponent
 * digits; precision is 15 for float8 and 6 for float4 (DBL_DIG / FLT_DIG).
 */
function formatFloat(v: number, digits: string, exponent: number, precision: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (v === 0) return `${sign}0`;
  if (exponent < -4 || exponent >= precision) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** Digits and decimal exponent of `toExponential` output (`-1.25e+3` -> '125', 3). */
function splitExponential(s: string): [digits: string, exponent: number] {
  const [m, e] = s.replace(/^-/, '').split('e');
  return [m!.replace('.', ''), Number(e)];
}

function float4Text(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatFloat(v, '0', 0, 6);
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) return formatFloat(v, ...splitExponential(s), 6);
  }
  return formatFloat(v, ...splitExponential(v.toExponential(8)), 6);
}

function float8Text(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatFloat(v, '0', 0, 15);
  // toExponential() without an argument gives the shortest digits that round-trip.
  return formatFloat(v, ...splitExponential(v.toExponential()), 15);
}

function binaryToTextOrNull(oid: number, b: Buffer): string | null {
  switch (oid) {
    case OID.bool:
      return b.length === 1 ? (b[0] !== 0 ? 't' : 'f') : null;
    case OID.int2:
      return b.length === 2 ? String(b.readInt16BE(0)) : null;
    case OID.int4:
      return b.length === 4 ? String(b.readInt32BE(0)) : null;
    case OID.oid:
      return b.length === 4 ? String(b.readUInt32BE(0)) : null;
    case OID.int8:
      return b.length === 8 ? String(b.readBigInt64BE(0)) : null;
    case OID.float4:
      return b.length === 4 ? float4Text(b.readFloatBE(0)) : null;
    case OID.float8:
      return b.length === 8 ? float8Text(b.readDoubleBE(0)) : null;
    case OID.numeric:
      return numericBinaryToText(b);
    case OID.bytea:
      return `\\x${b.toString('hex')}`;
    case OID.uuid: {
      if (b.length !== UUID_BYTES) return null;
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case OID.date:
      return dateBinaryToText(b);
    case OID.time:
      return timeBinaryToText(b);
    case OID.timestamp:
      return timestampBinaryToText(b, false);
    case OID.timestamptz:
      return timestampBinaryToText(b, true);
    case OID.jsonb:
      return b.length >= 1 && b[0] === JSONB_VERSION ? utf8OrNull(b.subarray(1)) : null;
    default:
      return utf8OrNull(b);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function utf8OrNull(b: Buffer): string | null {
  try {
    return decoder.decode(b);
  } catch {
    return null;
  }
}

/** Bytes of the fixed-size binary forms. */
function fixedBytes(oid: number): number {
  switch (oid) {
    case OID.bool:
      return 1;
    case OID.int2:
      return 2;
    case OID.int4:
    case OID.oid:
    case OID.float4:
    case OID.date:
      return 4;
    case OID.int8:
    case OID.float8:
    case OID.time:
    case OID.timestamp:
    case OID.timestamptz:
      return 8;
    case OID.uuid:
      return UUID_BYTES;
    default:
      return 0;
  }
}

/**
 * A binary Bind parameter as text; `index` is 1-based, for the error message. As PostgreSQL's
 * receive functions: too few bytes is 08P01 "insufficient data left in message", bytes left
 * over or an invalid value 22P03.
 */
export function binaryToText(oid: number, bytes: Buffer, index: number): string {
  if (!hasBinaryForm(oid)) throw noBinaryInput(oid);
  const size = oid === OID.numeric ? numericBinaryBytes(bytes) : fixedBytes(oid);
  if (bytes.length < size) throw sqlError(SQLSTATE.PROTOCOL_VIOLATION, 'insufficient data left in message');
  const text = binaryToTextOrNull(oid, bytes);
  if (text === null) {
    throw sqlError(
      SQLSTATE.INVALID_BINARY_REPRESENTATION,
      `incorrect binary data format in bind parameter ${index}`,
    );
  }
  return text;
}
