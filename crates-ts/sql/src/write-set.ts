/**
 * What a statement hands to the log: its effects as physical operations on the `sql_*`
 * column families, computed by the session against the applied state, plus the
 * expectations under which they are valid. Every replica applies the same bytes; an
 * expectation that no longer holds at apply time (another statement committed in between)
 * makes the write set fail whole with a serialization failure, and the session re-runs the
 * statement. Expectations are the read set's first form: the next step (BEGIN / COMMIT with
 * MVCC) adds the keys and ranges a transaction read to the same list.
 *
 * Entry format (after the kind byte EntryKind.Sql): version (1), stamp ms (float64 BE), seed
 * (uint32 BE), write set count (uint32 BE); per write set an op count (uint32 BE); per op:
 * op code (1), column family code (1), key (uint32 length + bytes), then for `put` and
 * `expect` a value (uint32 length + bytes, 0xffffffff: absent), for `delRange` an end key.
 */
import { assert } from '@seshat/common';

export const SQL_ENTRY_VERSION = 1;
export const ENTRY_HEADER_BYTES = 1 + 1 + 8 + 4 + 4;
/** Length marker of an absent value in `expect`. */
const ABSENT = 0xffffffff;
/** Most operations one write set may carry (bounds the apply batch of one statement). */
export const WRITE_SET_OPS_MAX = 1_000_000;

export type SqlCf = 'sql_catalog' | 'sql_rows' | 'sql_index';
const CF_CODES: readonly SqlCf[] = ['sql_catalog', 'sql_rows', 'sql_index'];

export type WriteOp =
  /** The key must hold exactly `value` (null: must be absent) when the write set applies. */
  | { op: 'expect'; cf: SqlCf; key: Buffer; value: Buffer | null }
  | { op: 'put'; cf: SqlCf; key: Buffer; value: Buffer }
  | { op: 'del'; cf: SqlCf; key: Buffer }
  /** Deletes [key, end) (DROP TABLE); expands to one delete per key at apply. */
  | { op: 'delRange'; cf: SqlCf; key: Buffer; end: Buffer };

const OP_CODES = { expect: 1, put: 2, del: 3, delRange: 4 } as const;

export interface WriteSet {
  readonly ops: WriteOp[];
}

export interface SqlEntry {
  stampMs: number;
  seed: number;
  writeSets: WriteSet[];
}

function blob(parts: Buffer[], b: Buffer | null): void {
  const h = Buffer.allocUnsafe(4);
  h.writeUInt32BE(b === null ? ABSENT : b.length, 0);
  parts.push(h);
  if (b !== null) parts.push(b);
}

export function encodeSqlEntry(kind: number, entry: SqlEntry): Buffer {
  const head = Buffer.allocUnsafe(ENTRY_HEADER_BYTES);
  head[0] = kind;
  head[1] = SQL_ENTRY_VERSION;
  head.writeDoubleBE(entry.stampMs, 2);
  head.writeUInt32BE(entry.seed >>> 0, 10);
  head.writeUInt32BE(entry.writeSets.length, 14);
  const parts: Buffer[] = [head];
  for (const ws of entry.writeSets) {
    assert(ws.ops.length <= WRITE_SET_OPS_MAX, 'write set too large');
    const n = Buffer.allocUnsafe(4);
    n.writeUInt32BE(ws.ops.length, 0);
    parts.push(n);
    for (const op of ws.ops) {
      parts.push(Buffer.from([OP_CODES[op.op], CF_CODES.indexOf(op.cf)]));
      blob(parts, op.key);
      if (op.op === 'put') blob(parts, op.value);
      else if (op.op === 'expect') blob(parts, op.value);
      else if (op.op === 'delRange') blob(parts, op.end);
    }
  }
  return Buffer.concat(parts);
}

class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    assert(this.at < this.buf.length, 'sql entry truncated');
    return this.buf[this.at++]!;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  blob(): Buffer | null {
    const len = this.u32();
    if (len === ABSENT) return null;
    assert(this.at + len <= this.buf.length, 'sql entry truncated');
    const b = this.buf.subarray(this.at, this.at + len);
    this.at += len;
    return b;
  }
  need(): Buffer {
    const b = this.blob();
    assert(b !== null, 'sql entry: missing bytes');
    return b;
  }
}

function readOp(r: Reader): WriteOp {
  const code = r.u8();
  const cf = CF_CODES[r.u8()];
  assert(cf !== undefined, 'sql entry: unknown column family');
  const key = r.need();
  switch (code) {
    case OP_CODES.expect:
      return { op: 'expect', cf, key, value: r.blob() };
    case OP_CODES.put:
      return { op: 'put', cf, key, value: r.need() };
    case OP_CODES.del:
      return { op: 'del', cf, key };
    case OP_CODES.delRange:
      return { op: 'delRange', cf, key, end: r.need() };
    default:
      throw new Error(`sql entry: unknown op ${code}`);
  }
}

export function decodeSqlEntry(data: Buffer): SqlEntry {
  assert(data[1] === SQL_ENTRY_VERSION, `sql entry version ${data[1]}`);
  const stampMs = data.readDoubleBE(2);
  const seed = data.readUInt32BE(10);
  const count = data.readUInt32BE(14);
  const r = new Reader(data);
  r.at = ENTRY_HEADER_BYTES;
  const writeSets: WriteSet[] = [];
  for (let i = 0; i < count; i++) {
    const n = r.u32();
    assert(n <= WRITE_SET_OPS_MAX, 'sql entry: write set too large');
    const ops: WriteOp[] = [];
    for (let j = 0; j < n; j++) ops.push(readOp(r));
    writeSets.push({ ops });
  }
  assert(r.at === data.length, 'sql entry has trailing bytes');
  return { stampMs, seed, writeSets };
}
