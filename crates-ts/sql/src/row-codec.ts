/**
 * The value of a `sql_rows` record: every column of the row in column order (attnum), each
 * a presence byte (0 NULL, 1 value) and the value in a fixed binary form. A row shorter than
 * its table (written before a column was added) reads the missing columns as NULL.
 */
import { assert } from '@seshat/common';
import { Numeric } from './types/numeric.js';
import { Oid, type Value } from './types/oids.js';

const ROW_FORMAT_VERSION = 1;

class Writer {
  private parts: Buffer[] = [];
  private scratch = Buffer.allocUnsafe(8);

  fixed(n: number, fill: (b: Buffer) => void): void {
    const b = Buffer.allocUnsafe(n);
    fill(b);
    this.parts.push(b);
  }

  byte(v: number): void {
    this.scratch[0] = v;
    this.parts.push(Buffer.from(this.scratch.subarray(0, 1)));
  }

  blob(b: Buffer): void {
    this.fixed(4, (h) => h.writeUInt32BE(b.length, 0));
    this.parts.push(b);
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(w: Writer, oid: number, v: Value): void {
  switch (oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.date:
      w.fixed(4, (b) => b.writeInt32BE(v as number, 0));
      return;
    case Oid.int8:
    case Oid.timestamp:
    case Oid.timestamptz:
      w.fixed(8, (b) => b.writeBigInt64BE(v as bigint, 0));
      return;
    case Oid.float4:
    case Oid.float8:
      w.fixed(8, (b) => b.writeDoubleBE(v as number, 0));
      return;
    case Oid.bool:
      w.byte(v ? 1 : 0);
      return;
    case Oid.numeric: {
      const n = v as Numeric;
      w.fixed(2, (b) => b.writeUInt16BE(n.scale, 0));
      w.blob(Buffer.from(n.unscaled.toString(), 'latin1'));
      return;
    }
    case Oid.bytea:
      w.blob(v as Buffer);
      return;
    default:
      w.blob(Buffer.from(v as string, 'utf8'));
  }
}

export function encodeRow(oids: readonly number[], values: readonly Value[]): Buffer {
  assert(oids.length === values.length, 'row types and values differ in length');
  const w = new Writer();
  w.byte(ROW_FORMAT_VERSION);
  w.fixed(2, (b) => b.writeUInt16BE(values.length, 0));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    w.byte(v === null ? 0 : 1);
    if (v !== null) writeValue(w, oids[i]!, v);
  }
  return w.done();
}

function readBlob(buf: Buffer, at: number): [Buffer, number] {
  const len = buf.readUInt32BE(at);
  return [buf.subarray(at + 4, at + 4 + len), at + 4 + len];
}

function readValue(buf: Buffer, at: number, oid: number): [Value, number] {
  switch (oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.date:
      return [buf.readInt32BE(at), at + 4];
    case Oid.int8:
    case Oid.timestamp:
    case Oid.timestamptz:
      return [buf.readBigInt64BE(at), at + 8];
    case Oid.float4:
    case Oid.float8:
      return [buf.readDoubleBE(at), at + 8];
    case Oid.bool:
      return [buf[at] === 1, at + 1];
    case Oid.numeric: {
      const scale = buf.readUInt16BE(at);
      const [digits, next] = readBlob(buf, at + 2);
      return [new Numeric(BigInt(digits.toString('latin1')), scale), next];
    }
    case Oid.bytea: {
      const [b, next] = readBlob(buf, at);
      return [Buffer.from(b), next];
    }
    default: {
      const [b, next] = readBlob(buf, at);
      return [b.toString('utf8'), next];
    }
  }
}

/** Decodes a row of a table whose columns have types `oids` (columns the record lacks are NULL). */
export function decodeRow(buf: Buffer, oids: readonly number[]): Value[] {
  assert(buf[0] === ROW_FORMAT_VERSION, `unknown row format ${buf[0]}`);
  const n = buf.readUInt16BE(1);
  assert(n <= oids.length, `row has ${n} columns, its table ${oids.length}`);
  const out: Value[] = new Array(oids.length).fill(null);
  let at = 3;
  for (let i = 0; i < n; i++) {
    const present = buf[at++];
    if (present === 1) [out[i], at] = readValue(buf, at, oids[i]!);
  }
  assert(at === buf.length, 'row record has trailing bytes');
  return out;
}
