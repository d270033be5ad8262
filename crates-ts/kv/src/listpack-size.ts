/**
 * Byte sizes of Redis 7.0 listpack elements (listpack.c lpEncodeGetType,
 * lpEncodeIntegerGetType, lpEncodeBacklen). Redis closes a stream's tail node when its
 * listpack would reach `stream-node-max-bytes`, and `~` trimming removes whole nodes only, so
 * the node boundaries (hence what `XADD ... MAXLEN ~ n` keeps) depend on these sizes. Seshat
 * does not store listpacks; it counts their bytes to put the boundaries where Redis does.
 */

/** Listpack header (total bytes, element count) plus the end byte. */
export const LISTPACK_EMPTY_BYTES = 7;
/** lpStringToInt64 refuses strings of LONG_STR_SIZE (21) bytes or more. */
const LP_INT_STR_BYTES_MAX = 20;

/** Encoded bytes of an integer element, without its back-length. */
function intEncodingBytes(v: bigint): number {
  if (v >= 0n && v <= 127n) return 1;
  if (v >= -4096n && v <= 4095n) return 2;
  if (v >= -32768n && v <= 32767n) return 3;
  if (v >= -8388608n && v <= 8388607n) return 4;
  if (v >= -2147483648n && v <= 2147483647n) return 5;
  return 9;
}

/** Bytes of the back-length that follows an element of `len` encoded bytes. */
function backlenBytes(len: number): number {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

/** Total bytes of an integer element (an int64: lpAppendInteger). */
export function lpIntBytes(v: bigint): number {
  const enc = intEncodingBytes(v);
  return enc + backlenBytes(enc);
}

/** Total bytes of a small non-negative integer element (counters, flags). */
export function lpSmallIntBytes(v: number): number {
  return lpIntBytes(BigInt(v));
}

/** Total bytes of a string element (lpAppend): strings that spell an int64 are stored as one. */
export function lpStringBytes(s: Buffer): number {
  const asInt = lpStringToInt64(s);
  if (asInt !== undefined) return lpIntBytes(asInt);
  const len = s.length;
  const enc = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return enc + backlenBytes(enc);
}

/** listpack.c lpStringToInt64: optional `-`, no leading zeros (except "0"), within int64. */
function lpStringToInt64(s: Buffer): bigint | undefined {
  const len = s.length;
  if (len === 0 || len > LP_INT_STR_BYTES_MAX) return undefined;
  if (len === 1 && s[0] === 0x30) return 0n;
  let i = 0;
  if (s[0] === 0x2d) {
    i = 1;
    if (len === 1) return undefined;
  }
  if (s[i]! < 0x31 || s[i]! > 0x39) return undefined;
  for (let j = i + 1; j < len; j++) if (s[j]! < 0x30 || s[j]! > 0x39) return undefined;
  const v = BigInt(s.toString('latin1'));
  if (v > 0x7fff_ffff_ffff_ffffn || v < -0x8000_0000_0000_0000n) return undefined;
  return v;
}
