/**
 * Intsets (Redis intset.c), the blob of RDB_TYPE_SET_INTSET:
 *
 *   encoding(4 LE: 2, 4 or 8 = bytes per value) length(4 LE) values... (ascending, little endian)
 *
 * The encoding is the narrowest that holds every value, as intsetAdd leaves it.
 */
import { badFormat } from './rdb-io.js';

const HEADER_BYTES = 8;

function widthOf(v: bigint): number {
  if (v >= -32768n && v <= 32767n) return 2;
  if (v >= -2147483648n && v <= 2147483647n) return 4;
  return 8;
}

/** The intset of distinct `values` (any order). */
export function encodeIntset(values: readonly bigint[]): Buffer {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of sorted) width = Math.max(width, widthOf(v));
  const out = Buffer.allocUnsafe(HEADER_BYTES + width * sorted.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(sorted.length, 4);
  let at = HEADER_BYTES;
  for (const v of sorted) {
    if (width === 2) out.writeInt16LE(Number(v), at);
    else if (width === 4) out.writeInt32LE(Number(v), at);
    else out.writeBigInt64LE(v, at);
    at += width;
  }
  return out;
}

/** The members of an intset as decimal text (intsetValidateIntegrity, deep: size, not empty,
 * strictly ascending). */
export function decodeIntset(blob: Buffer): Buffer[] {
  if (blob.length < HEADER_BYTES) throw badFormat();
  const width = blob.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw badFormat();
  const count = blob.readUInt32LE(4);
  if (count === 0 || HEADER_BYTES + count * width !== blob.length) throw badFormat();
  const out: Buffer[] = new Array(count);
  let prev: bigint | null = null;
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * width;
    const v =
      width === 2
        ? BigInt(blob.readInt16LE(at))
        : width === 4
          ? BigInt(blob.readInt32LE(at))
          : blob.readBigInt64LE(at);
    if (prev !== null && v <= prev) throw badFormat();
    prev = v;
    out[i] = Buffer.from(v.toString(), 'latin1');
  }
  return out;
}
