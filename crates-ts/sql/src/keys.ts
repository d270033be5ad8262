/**
 * Order-preserving key encoding (CockroachDB style): for two tuples of values of the same
 * types, Buffer.compare of their encodings orders them as PG's btree does (NULL first,
 * unlike PG's default NULLS LAST for ascending: index scans that need PG's order handle
 * NULLs apart), and equal values encode to equal bytes (1.0 and 1.00, 'a' and 'a  ' as
 * char(n)), so a unique key is unique in PG's sense.
 *
 * Per value: a marker byte, then
 * - NULL: marker 0x00, nothing else.
 * - integers, date, timestamps: 0x01, 8 bytes big-endian with the sign bit flipped.
 * - floats: 0x01, the IEEE bits big-endian, sign bit flipped for positives and every bit
 *   inverted for negatives; -0 is written as 0; NaN gets marker 0x02 (above every number, as PG).
 * - bool: 0x01, 0 or 1.
 * - text, varchar, char(n) (trailing spaces dropped), bytea: 0x01, the bytes with 0x00
 *   escaped as 0x00 0xff, ended by 0x00 0x01 (so a prefix sorts first).
 * - numeric: 0x01 negative, 0x02 zero, 0x03 positive (shifted by one: 0x00 is NULL). A
 *   positive value then has its decimal exponent e (value = 0.d1d2... x 10^e) as a 4-byte
 *   big-endian number with the sign bit flipped, and its significant digits (no trailing
 *   zeros) one per byte as digit + 1, ended by 0x00. A negative value writes the same for
 *   its absolute value with every byte inverted (terminator 0xff), which reverses the order.
 *
 * Table keys: `sql_rows` keys are `table id (4 bytes BE) + primary key values`; tables
 * without a primary key use a hidden int8 rowid. `sql_index` keys are `table id, index id
 * (2 bytes), indexed values, primary key values`.
 */
import { assert } from '@seshat/common';
import { compareValues, trimBpchar } from './types/compare.js';
import type { Numeric } from './types/numeric.js';
import { Oid, type Value } from './types/oids.js';

const NULL_MARKER = 0x00;
const VALUE_MARKER = 0x01;
const FLOAT_NAN_MARKER = 0x02;
const NUMERIC_NEG = 0x01;
const NUMERIC_ZERO = 0x02;
const NUMERIC_POS = 0x03;
const ESCAPE = 0x00;
const ESCAPED_00 = 0xff;
const TERMINATOR = 0x01;
export const TABLE_ID_BYTES = 4;
export const INDEX_ID_BYTES = 2;

export class KeyWriter {
  private buf = Buffer.allocUnsafe(64);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.len);
    this.len += 4;
  }

  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v) ^ (1n << 63n), this.len);
    this.len += 8;
  }

  bytes(src: Buffer, invert: boolean): void {
    this.ensure(src.length * 2 + 2);
    for (const b of src) {
      if (b === ESCAPE) {
        this.buf[this.len++] = invert ? ~ESCAPE & 0xff : ESCAPE;
        this.buf[this.len++] = invert ? ~ESCAPED_00 & 0xff : ESCAPED_00;
      } else {
        this.buf[this.len++] = invert ? ~b & 0xff : b;
      }
    }
    this.buf[this.len++] = invert ? 0xff : ESCAPE;
    this.buf[this.len++] = invert ? ~TERMINATOR & 0xff : TERMINATOR;
  }

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function writeFloat(w: KeyWriter, x: number): void {
  if (Number.isNaN(x)) {
    w.byte(FLOAT_NAN_MARKER);
    return;
  }
  w.byte(VALUE_MARKER);
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(x === 0 ? 0 : x, 0);
  if (b[0]! & 0x80) for (let i = 0; i < 8; i++) b[i] = ~b[i]! & 0xff;
  else b[0] = b[0]! | 0x80;
  for (const byte of b) w.byte(byte);
}

function writeNumeric(w: KeyWriter, n: Numeric): void {
  const sign = n.sign();
  if (sign === 0) {
    w.byte(NUMERIC_ZERO);
    return;
  }
  w.byte(sign < 0 ? NUMERIC_NEG : NUMERIC_POS);
  const invert = sign < 0;
  const digits = n.abs().unscaled.toString().replace(/0+$/, '');
  const exp = n.exponent()! + 1;
  const e = Buffer.allocUnsafe(4);
  e.writeUInt32BE((exp ^ 0x80000000) >>> 0, 0);
  for (const byte of e) w.byte(invert ? ~byte & 0xff : byte);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48 + 1;
    w.byte(invert ? ~d & 0xff : d);
  }
  w.byte(invert ? 0xff : 0x00);
}

/** Appends one value of type `oid` in the ascending key encoding. */
export function writeKeyValue(w: KeyWriter, oid: number, v: Value): void {
  if (v === null) {
    w.byte(NULL_MARKER);
    return;
  }
  switch (oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.date:
      w.byte(VALUE_MARKER);
      w.int64(BigInt(v as number));
      return;
    case Oid.int8:
    case Oid.timestamp:
    case Oid.timestamptz:
      w.byte(VALUE_MARKER);
      w.int64(v as bigint);
      return;
    case Oid.float4:
    case Oid.float8:
      writeFloat(w, v as number);
      return;
    case Oid.numeric:
      writeNumeric(w, v as Numeric);
      return;
    case Oid.bool:
      w.byte(VALUE_MARKER);
      w.byte(v ? 1 : 0);
      return;
    case Oid.bytea:
      w.byte(VALUE_MARKER);
      w.bytes(v as Buffer, false);
      return;
    case Oid.bpchar:
      w.byte(VALUE_MARKER);
      w.bytes(Buffer.from(trimBpchar(v as string), 'utf8'), false);
      return;
    default:
      assert(typeof v === 'string', `key value of oid ${oid} must be a string`);
      w.byte(VALUE_MARKER);
      w.bytes(Buffer.from(v, 'utf8'), false);
  }
}

/** Key of a tuple of values (types by oid) under a prefix. */
export function encodeKey(prefix: Buffer, oids: readonly number[], values: readonly Value[]): Buffer {
  assert(oids.length === values.length, 'key types and values differ in length');
  const w = new KeyWriter();
  for (const b of prefix) w.byte(b);
  for (let i = 0; i < oids.length; i++) writeKeyValue(w, oids[i]!, values[i]!);
  return w.done();
}

export function tablePrefix(tableId: number): Buffer {
  const b = Buffer.allocUnsafe(TABLE_ID_BYTES);
  b.writeUInt32BE(tableId, 0);
  return b;
}

export function indexPrefix(tableId: number, indexId: number): Buffer {
  const b = Buffer.allocUnsafe(TABLE_ID_BYTES + INDEX_ID_BYTES);
  b.writeUInt32BE(tableId, 0);
  b.writeUInt16BE(indexId, TABLE_ID_BYTES);
  return b;
}

/** The first key after every key starting with `prefix` (prefix + 1 in big-endian). */
export function prefixEnd(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  throw new Error('prefix has no end');
}

/** PG's order of two values with NULL first (the key order), for tests of the encoding. */
export function compareKeyOrder(oid: number, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compareValues(oid, a, b);
}
