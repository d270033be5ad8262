/**
 * Text input and output of every type (PG's typinput / typoutput) and the typmod checks of
 * assignment (varchar(n), char(n), numeric(p,s), timestamp(p)), with PG's error texts.
 */
import { SqlError, SqlState } from '../errors.js';
import { formatDate, formatTimestamp, parseDate, parseTimestamp, roundTimestamp } from './datetime.js';
import { formatFloat4, formatFloat8, parseFloatText } from './float-format.js';
import { applyNumericTypmod, Numeric, parseNumeric } from './numeric.js';
import { formatType, Oid, type SqlType, typeInfo, VARHDRSZ, type Value } from './oids.js';

export const INT2_MIN = -32768;
export const INT2_MAX = 32767;
export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;
/** Largest finite float4. */
const FLOAT4_MAX = 3.4028234663852886e38;

const INT_RE = /^\s*[+-]?\d+\s*$/;

export function invalidInput(typeDisplay: string, text: string): SqlError {
  return new SqlError(
    SqlState.InvalidTextRepresentation,
    `invalid input syntax for type ${typeDisplay}: "${text}"`,
  );
}

export function outOfRangeFor(typeDisplay: string): SqlError {
  return new SqlError(SqlState.NumericValueOutOfRange, `${typeDisplay} out of range`);
}

function parseInteger(text: string, oid: number): number | bigint {
  const info = typeInfo(oid);
  if (!INT_RE.test(text)) throw invalidInput(info.display, text);
  const v = BigInt(text.trim());
  const [min, max] =
    oid === Oid.int2
      ? [BigInt(INT2_MIN), BigInt(INT2_MAX)]
      : oid === Oid.int4
        ? [BigInt(INT4_MIN), BigInt(INT4_MAX)]
        : [INT8_MIN, INT8_MAX];
  if (v < min || v > max) {
    throw new SqlError(
      SqlState.NumericValueOutOfRange,
      `value "${text}" is out of range for type ${info.display}`,
    );
  }
  return oid === Oid.int8 ? v : Number(v);
}

function parseFloatValue(text: string, oid: number): number {
  const display = typeInfo(oid).display;
  const v = parseFloatText(text);
  if (v === null) throw invalidInput(display, text);
  const isSpecial = !Number.isFinite(v) || Number.isNaN(v);
  if (oid === Oid.float4) {
    const f = Math.fround(v);
    if (!isSpecial && (!Number.isFinite(f) || (f === 0 && v !== 0))) {
      throw new SqlError(SqlState.NumericValueOutOfRange, `"${text.trim()}" is out of range for type real`);
    }
    return f;
  }
  if (!isSpecial && (!Number.isFinite(v) || (v === 0 && /[1-9]/.test(text.split(/[eE]/)[0]!)))) {
    throw new SqlError(
      SqlState.NumericValueOutOfRange,
      `"${text.trim()}" is out of range for type double precision`,
    );
  }
  return v;
}

const BOOL_TRUE = ['true', 'yes', 'on', '1'];
const BOOL_FALSE = ['false', 'no', 'off', '0'];

/** PG's boolin: true/false/yes/no/on/off/1/0 and unique prefixes, any case, trimmed. */
function parseBool(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t.length > 0) {
    // 'o' alone is ambiguous (on / off); 'of' and 'on' are not.
    const minLen = t[0] === 'o' ? 2 : 1;
    if (t.length >= minLen) {
      if (BOOL_TRUE.some((w) => w.startsWith(t))) return true;
      if (BOOL_FALSE.some((w) => w.startsWith(t))) return false;
    }
  }
  throw invalidInput('boolean', text);
}

function parseBytea(text: string): Buffer {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2).replace(/\s+/g, '');
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw invalidInput('bytea', text);
    return Buffer.from(hex, 'hex');
  }
  const out: number[] = [];
  const src = Buffer.from(text, 'utf8');
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c !== 0x5c) {
      out.push(c);
    } else if (src[i + 1] === 0x5c) {
      out.push(0x5c);
      i++;
    } else if (/^[0-3][0-7][0-7]$/.test(src.subarray(i + 1, i + 4).toString('latin1'))) {
      out.push(Number.parseInt(src.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else {
      throw invalidInput('bytea', text);
    }
  }
  return Buffer.from(out);
}

/** The type's input function (no typmod applied). */
export function inputValue(oid: number, text: string): Value {
  switch (oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.int8:
      return parseInteger(text, oid);
    case Oid.numeric: {
      const n = parseNumeric(text);
      if (n === null) throw invalidInput('numeric', text);
      return n;
    }
    case Oid.float4:
    case Oid.float8:
      return parseFloatValue(text, oid);
    case Oid.bool:
      return parseBool(text);
    case Oid.text:
    case Oid.varchar:
    case Oid.bpchar:
    case Oid.unknown:
      return text;
    case Oid.bytea:
      return parseBytea(text);
    case Oid.date:
      return parseDate(text);
    case Oid.timestamp:
      return parseTimestamp(text, false);
    case Oid.timestamptz:
      return parseTimestamp(text, true);
    default:
      throw new Error(`no input function for oid ${oid}`);
  }
}

/** The type's output function: the text PG sends in text format. */
export function outputValue(oid: number, v: Value): string {
  switch (oid) {
    case Oid.float4:
      return formatFloat4(v as number);
    case Oid.float8:
      return formatFloat8(v as number);
    case Oid.bool:
      return v ? 't' : 'f';
    case Oid.bytea:
      return '\\x' + (v as Buffer).toString('hex');
    case Oid.date:
      return formatDate(v as number);
    case Oid.timestamp:
      return formatTimestamp(v as bigint, false);
    case Oid.timestamptz:
      return formatTimestamp(v as bigint, true);
    default:
      return String(v);
  }
}

/** Character length as PG counts it (code points). */
export function charLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

function sliceChars(s: string, n: number): string {
  return Array.from(s).slice(0, n).join('');
}

/**
 * Applies a column's typmod on assignment (PG's length-coercion functions with
 * isExplicit = false): too-long strings fail unless only spaces are cut; `explicit` (a cast)
 * truncates silently.
 */
export function applyTypmod(t: SqlType, v: Value, explicit: boolean): Value {
  if (v === null || t.typmod < 0) return v;
  switch (t.oid) {
    case Oid.varchar:
    case Oid.bpchar: {
      const max = t.typmod - VARHDRSZ;
      let s = v as string;
      const len = charLength(s);
      if (len > max) {
        const cut = sliceChars(s, max);
        if (!explicit && s.slice(cut.length).trim() !== '' && /[^ ]/.test(s.slice(cut.length))) {
          throw new SqlError(SqlState.StringDataRightTruncation, `value too long for type ${formatType(t)}`);
        }
        s = cut;
      }
      return t.oid === Oid.bpchar && charLength(s) < max ? s + ' '.repeat(max - charLength(s)) : s;
    }
    case Oid.numeric: {
      const m = t.typmod - VARHDRSZ;
      return applyNumericTypmod(v as Numeric, (m >> 16) & 0xffff, m & 0xffff);
    }
    case Oid.timestamp:
    case Oid.timestamptz:
      return roundTimestamp(v as bigint, t.typmod);
    default:
      return v;
  }
}

/** Range check of a float8 result converted to float4 (PG: "value out of range: overflow"). */
export function toFloat4(v: number): number {
  if (Number.isFinite(v) && Math.abs(v) > FLOAT4_MAX) {
    throw new SqlError(SqlState.NumericValueOutOfRange, 'value out of range: overflow');
  }
  const f = Math.fround(v);
  if (f === 0 && v !== 0)
    throw new SqlError(SqlState.NumericValueOutOfRange, 'value out of range: underflow');
  return f;
}

export { Numeric };
