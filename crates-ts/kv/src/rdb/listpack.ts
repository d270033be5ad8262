/**
 * Listpacks (Redis 7.0 listpack.c): the blob inside DUMP payloads of small hashes, small sorted
 * sets and the nodes of lists.
 *
 *   total-bytes(4 LE) num-elements(2 LE, 65535 = unknown) entry... 0xFF
 *   entry = encoding [data] backlen
 *
 * Encodings: 0xxxxxxx 7-bit uint; 10xxxxxx 6-bit-length string; 110xxxxx +1 byte 13-bit int;
 * 1110xxxx +1 byte 12-bit-length string; 0xF0 + 4-byte length string; 0xF1/F2/F3/F4 16/24/32/64
 * bit ints (little endian, two's complement). `backlen` is the entry's size so far, in 1-5
 * bytes of 7 bits, read from the end backwards.
 *
 * `encodeListpack` writes entries as lpAppend does (a string that is a canonical int64 is stored
 * as the smallest integer encoding), so a listpack built here has the bytes Redis would build
 * from the same elements. `decodeListpack` validates like lpValidateIntegrity with deep checks
 * (every entry, its backlen, the count) and returns the elements as strings.
 */
import { tryParseI64 } from '../args.js';
import { badFormat } from './rdb-io.js';

const HEADER_BYTES = 6;
const EOF = 0xff;
const NUMELE_UNKNOWN = 0xffff;

/** Bytes of the backlen that encodes an entry of `l` bytes (lpEncodeBacklen). */
function backlenBytes(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function writeBacklen(out: Buffer, at: number, l: number): number {
  const n = backlenBytes(l);
  // Most significant 7-bit group first; every byte after the first carries the 128 flag.
  for (let i = 0; i < n; i++) {
    const shift = 7 * (n - 1 - i);
    const group = Math.floor(l / 2 ** shift) & 127;
    out[at + i] = i === 0 ? group : group | 128;
  }
  return n;
}

/** The encoding + data bytes of an integer entry (lpEncodeIntegerGetType). */
function intEntry(v: bigint): Buffer {
  if (v >= 0n && v <= 127n) return Buffer.from([Number(v)]);
  if (v >= -4096n && v <= 4095n) {
    const u = Number(v < 0n ? (1n << 13n) + v : v);
    return Buffer.from([(u >>> 8) | 0xc0, u & 0xff]);
  }
  if (v >= -32768n && v <= 32767n) {
    const b = Buffer.allocUnsafe(3);
    b[0] = 0xf1;
    b.writeInt16LE(Number(v), 1);
    return b;
  }
  if (v >= -8388608n && v <= 8388607n) {
    const u = Number(v < 0n ? (1n << 24n) + v : v);
    return Buffer.from([0xf2, u & 0xff, (u >>> 8) & 0xff, u >>> 16]);
  }
  if (v >= -2147483648n && v <= 2147483647n) {
    const b = Buffer.allocUnsafe(5);
    b[0] = 0xf3;
    b.writeInt32LE(Number(v), 1);
    return b;
  }
  const b = Buffer.allocUnsafe(9);
  b[0] = 0xf4;
  b.writeBigInt64LE(v, 1);
  return b;
}

/** The encoding + data bytes of a string entry (lpEncodeString). */
function stringEntryHead(len: number): Buffer {
  if (len < 64) return Buffer.from([0x80 | len]);
  if (len < 4096) return Buffer.from([0xe0 | (len >>> 8), len & 0xff]);
  const b = Buffer.allocUnsafe(5);
  b[0] = 0xf0;
  b.writeUInt32LE(len, 1);
  return b;
}

/** Size in bytes of `element` as a listpack entry, backlen included. */
export function listpackEntryBytes(element: Buffer): number {
  const v = element.length <= 20 ? tryParseI64(element) : undefined;
  const body = v !== undefined ? intEntry(v).length : stringEntryHead(element.length).length + element.length;
  return body + backlenBytes(body);
}

/** Builds a listpack from `elements` appended in order (lpAppend). */
export class ListpackBuilder {
  private readonly parts: Buffer[] = [];
  private bytes = HEADER_BYTES + 1;
  count = 0;

  get totalBytes(): number {
    return this.bytes;
  }

  append(element: Buffer): void {
    const v = element.length <= 20 ? tryParseI64(element) : undefined;
    if (v !== undefined) this.appendEncoded(intEntry(v), null);
    else this.appendEncoded(stringEntryHead(element.length), element);
  }

  appendInteger(v: bigint): void {
    this.appendEncoded(intEntry(v), null);
  }

  private appendEncoded(head: Buffer, data: Buffer | null): void {
    const body = head.length + (data === null ? 0 : data.length);
    const back = Buffer.allocUnsafe(backlenBytes(body));
    writeBacklen(back, 0, body);
    this.parts.push(head);
    if (data !== null) this.parts.push(data);
    this.parts.push(back);
    this.bytes += body + back.length;
    this.count++;
  }

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes);
    out.writeUInt32LE(this.bytes, 0);
    out.writeUInt16LE(this.count < NUMELE_UNKNOWN ? this.count : NUMELE_UNKNOWN, 4);
    let at = HEADER_BYTES;
    for (const p of this.parts) {
      p.copy(out, at);
      at += p.length;
    }
    out[at] = EOF;
    return out;
  }
}

/** Size of the entry at `p` without its backlen, or -1 for an invalid encoding. */
function entryBodyBytes(lp: Buffer, p: number, end: number): number {
  const b = lp[p]!;
  if ((b & 0x80) === 0) return 1;
  if ((b & 0xc0) === 0x80) return 1 + (b & 0x3f);
  if ((b & 0xe0) === 0xc0) return 2;
  if ((b & 0xf0) === 0xe0) return p + 1 < end ? 2 + (((b & 0x0f) << 8) | lp[p + 1]!) : -1;
  if (b === 0xf0) return p + 4 < end ? 5 + lp.readUInt32LE(p + 1) : -1;
  if (b === 0xf1) return 3;
  if (b === 0xf2) return 4;
  if (b === 0xf3) return 5;
  if (b === 0xf4) return 9;
  return -1;
}

/** Reads the backlen whose last byte is at `last` (lpDecodeBacklen); -1 if over 5 bytes. */
function readBacklen(lp: Buffer, last: number, floor: number): number {
  let value = 0;
  let shift = 0;
  for (let p = last; p >= floor; p--) {
    value += (lp[p]! & 127) * 2 ** shift;
    if ((lp[p]! & 128) === 0) return value;
    shift += 7;
    if (shift > 28) return -1;
  }
  return -1;
}

/** The element of a valid entry at `p` (integers as their decimal text). */
function entryValue(lp: Buffer, p: number, body: number): Buffer {
  const b = lp[p]!;
  if ((b & 0x80) === 0) return Buffer.from(String(b), 'latin1');
  if ((b & 0xc0) === 0x80) return lp.subarray(p + 1, p + body);
  if ((b & 0xe0) === 0xc0) {
    const u = ((b & 0x1f) << 8) | lp[p + 1]!;
    return Buffer.from(String(u >= 4096 ? u - 8192 : u), 'latin1');
  }
  if ((b & 0xf0) === 0xe0) return lp.subarray(p + 2, p + body);
  if (b === 0xf0) return lp.subarray(p + 5, p + body);
  if (b === 0xf1) return Buffer.from(String(lp.readInt16LE(p + 1)), 'latin1');
  if (b === 0xf2) return Buffer.from(String(lp.readIntLE(p + 1, 3)), 'latin1');
  if (b === 0xf3) return Buffer.from(String(lp.readInt32LE(p + 1)), 'latin1');
  return Buffer.from(lp.readBigInt64LE(p + 1).toString(), 'latin1');
}

/**
 * Every element of the listpack `lp`, validated as lpValidateIntegrity(deep) does: header size,
 * terminator, each entry inside the blob with a matching backlen, and the element count.
 */
export function decodeListpack(lp: Buffer): Buffer[] {
  if (lp.length < HEADER_BYTES + 1 || lp.readUInt32LE(0) !== lp.length || lp[lp.length - 1] !== EOF) {
    throw badFormat();
  }
  const numele = lp.readUInt16LE(4);
  const eofAt = lp.length - 1;
  const out: Buffer[] = [];
  let p = HEADER_BYTES;
  while (p < eofAt) {
    if (lp[p] === EOF) throw badFormat();
    const body = entryBodyBytes(lp, p, eofAt);
    if (body < 0) throw badFormat();
    const entry = body + backlenBytes(body);
    if (p + entry > eofAt) throw badFormat();
    if (readBacklen(lp, p + entry - 1, p + body) !== body) throw badFormat();
    out.push(entryValue(lp, p, body));
    p += entry;
  }
  if (numele !== NUMELE_UNKNOWN && numele !== out.length) throw badFormat();
  return out;
}
