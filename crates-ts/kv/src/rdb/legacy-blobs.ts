/**
 * Blobs that Redis 7.0 still reads in DUMP payloads from older versions but never writes:
 * ziplists (lists, hashes and sorted sets before 7.0) and zipmaps (hashes before 2.6). Only
 * decoders, each validating as Redis's deep integrity check does.
 *
 * Ziplist (ziplist.c): zlbytes(4 LE) zltail(4 LE) zllen(2 LE) entry... 0xFF, where
 * entry = prevlen (1 byte < 254, or 0xFE + 4 bytes LE) encoding [data]:
 *   00pppppp / 01pppppp qqqqqqqq / 10______ + 4 bytes: strings (lengths big endian)
 *   0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (little endian),
 *   0xF1..0xFD the immediate values 0..12.
 *
 * Zipmap (zipmap.c): zmlen(1) then (len field, len value, free(1), value, free bytes)...
 * 0xFF, a length being one byte < 254 or 0xFE + 4 bytes (host order: little endian).
 */
import { badFormat } from './rdb-io.js';

const ZIPLIST_HEADER_BYTES = 10;
const ZIP_END = 0xff;
const ZIP_BIG_PREVLEN = 0xfe;
const ZIPLIST_LEN_UNKNOWN = 0xffff;

interface ZipEntry {
  /** Bytes of prevlen + encoding header. */
  header: number;
  /** Bytes of data after the header. */
  dataBytes: number;
  prevlen: number;
  value: Buffer;
}

/** The header size and data length of the encoding at `p`, or null if invalid. */
function zipEncoding(zl: Buffer, p: number, last: number): { lensize: number; dataBytes: number } | null {
  const b = zl[p]!;
  if (b < 0xc0) {
    const kind = b >>> 6;
    if (kind === 0) return { lensize: 1, dataBytes: b & 0x3f };
    if (kind === 1) return p + 1 <= last ? { lensize: 2, dataBytes: ((b & 0x3f) << 8) | zl[p + 1]! } : null;
    return p + 4 <= last ? { lensize: 5, dataBytes: zl.readUInt32BE(p + 1) } : null;
  }
  if (b === 0xc0) return { lensize: 1, dataBytes: 2 };
  if (b === 0xd0) return { lensize: 1, dataBytes: 4 };
  if (b === 0xe0) return { lensize: 1, dataBytes: 8 };
  if (b === 0xf0) return { lensize: 1, dataBytes: 3 };
  if (b === 0xfe) return { lensize: 1, dataBytes: 1 };
  if (b >= 0xf1 && b <= 0xfd) return { lensize: 1, dataBytes: 0 };
  return null;
}

function zipValue(zl: Buffer, enc: number, at: number, dataBytes: number): Buffer {
  const text = (v: number | bigint): Buffer => Buffer.from(String(v), 'latin1');
  if (enc < 0xc0) return zl.subarray(at, at + dataBytes);
  if (enc === 0xc0) return text(zl.readInt16LE(at));
  if (enc === 0xd0) return text(zl.readInt32LE(at));
  if (enc === 0xe0) return text(zl.readBigInt64LE(at));
  if (enc === 0xf0) return text(zl.readIntLE(at, 3));
  if (enc === 0xfe) return text(zl.readInt8(at));
  return text((enc & 0x0f) - 1);
}

/** Decodes the entry at `p` (zipEntrySafe); null if it reaches outside the ziplist. */
function zipEntry(zl: Buffer, p: number, last: number): ZipEntry | null {
  if (p > last) return null;
  const big = zl[p] === ZIP_BIG_PREVLEN;
  const prevBytes = big ? 5 : 1;
  if (p + prevBytes > last) return null;
  const prevlen = big ? zl.readUInt32LE(p + 1) : zl[p]!;
  const enc = zipEncoding(zl, p + prevBytes, last);
  if (enc === null) return null;
  const header = prevBytes + enc.lensize;
  if (p + header + enc.dataBytes > last) return null;
  return {
    header,
    dataBytes: enc.dataBytes,
    prevlen,
    value: zipValue(zl, zl[p + prevBytes]!, p + header, enc.dataBytes),
  };
}

/** Every element of the ziplist `zl` (ziplistValidateIntegrity, deep). */
export function decodeZiplist(zl: Buffer): Buffer[] {
  const size = zl.length;
  if (size < ZIPLIST_HEADER_BYTES + 1 || zl.readUInt32LE(0) !== size || zl[size - 1] !== ZIP_END) {
    throw badFormat();
  }
  const tail = zl.readUInt32LE(4);
  if (tail > size - 1) throw badFormat();
  const headerCount = zl.readUInt16LE(8);
  const last = size - 1;
  const out: Buffer[] = [];
  let p = ZIPLIST_HEADER_BYTES;
  let prevSize = 0;
  let prevStart = -1;
  while (zl[p] !== ZIP_END) {
    const e = zipEntry(zl, p, last);
    if (e === null || e.prevlen !== prevSize) throw badFormat();
    out.push(e.value);
    prevSize = e.header + e.dataBytes;
    prevStart = p;
    p += prevSize;
  }
  if (p !== last) throw badFormat();
  if (prevStart >= 0 && prevStart !== tail) throw badFormat();
  if (headerCount !== ZIPLIST_LEN_UNKNOWN && headerCount !== out.length) throw badFormat();
  return out;
}

const ZIPMAP_BIGLEN = 254;
const ZIPMAP_END = 255;

/** Reads a zipmap length at `p`; returns [length, bytes used]. */
function zipmapLen(zm: Buffer, p: number): [number, number] {
  const b = zm[p]!;
  if (b < ZIPMAP_BIGLEN) return [b, 1];
  if (p + 4 >= zm.length) throw badFormat();
  return [zm.readUInt32LE(p + 1), 5];
}

/** The fields and values of a zipmap, in order (zipmapValidateIntegrity, deep). */
export function decodeZipmap(zm: Buffer): { fields: Buffer[]; values: Buffer[] } {
  if (zm.length < 2 || zm[zm.length - 1] !== ZIPMAP_END) throw badFormat();
  const fields: Buffer[] = [];
  const values: Buffer[] = [];
  const last = zm.length - 1;
  let p = 1;
  while (zm[p] !== ZIPMAP_END) {
    const [flen, fbytes] = zipmapLen(zm, p);
    p += fbytes;
    if (p + flen > last) throw badFormat();
    fields.push(zm.subarray(p, p + flen));
    p += flen;
    const [vlen, vbytes] = zipmapLen(zm, p);
    p += vbytes;
    if (p > last) throw badFormat();
    const free = zm[p++]!;
    if (p + vlen + free > last) throw badFormat();
    values.push(zm.subarray(p, p + vlen));
    p += vlen + free;
  }
  if (fields.length === 0) throw badFormat();
  if (zm[0] !== ZIPMAP_BIGLEN && zm[0] !== fields.length) throw badFormat();
  return { fields, values };
}
