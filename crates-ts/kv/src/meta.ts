/**
 * The meta record of a key (column family `meta`):
 *
 *   type(1) flags(1) expireAtMs(8, 0 = no expiry) version(8) payload...
 *
 * For strings the payload is the value itself (inline). For collections (data types issue)
 * the payload holds the element count and type-specific fields, and the elements live in
 * `sub`/`zscore` under `version`, so deleting or overwriting a collection is O(1).
 */
import { assert } from '@seshat/common';

export enum KeyType {
  String = 0,
  Hash = 1,
  List = 2,
  Set = 3,
  ZSet = 4,
  Stream = 5,
}

export const TYPE_NAMES = ['string', 'hash', 'list', 'set', 'zset', 'stream'] as const;

/** Flag: the string was last written by APPEND/SETRANGE (OBJECT ENCODING reports "raw"). */
export const FLAG_RAW = 1;

export const META_HEADER_BYTES = 18;

export interface Meta {
  type: KeyType;
  flags: number;
  /** Absolute deadline in ms since the epoch; 0 means no expiry. */
  expireAtMs: number;
  version: bigint;
  /** For strings: the value. For collections: type-specific fields. */
  payload: Buffer;
}

export function encodeMeta(m: Meta): Buffer {
  const out = Buffer.allocUnsafe(META_HEADER_BYTES + m.payload.length);
  out[0] = m.type;
  out[1] = m.flags;
  out.writeBigUInt64BE(BigInt(m.expireAtMs), 2);
  out.writeBigUInt64BE(m.version, 10);
  m.payload.copy(out, META_HEADER_BYTES);
  return out;
}

export function encodeStringMeta(value: Buffer, expireAtMs: number, flags: number): Buffer {
  const out = Buffer.allocUnsafe(META_HEADER_BYTES + value.length);
  out[0] = KeyType.String;
  out[1] = flags;
  writeU64(out, 2, expireAtMs);
  writeU64(out, 10, 0);
  value.copy(out, META_HEADER_BYTES);
  return out;
}

export function decodeMeta(raw: Buffer): Meta {
  assert(raw.length >= META_HEADER_BYTES, 'meta record too short');
  return {
    type: raw[0] as KeyType,
    flags: raw[1]!,
    expireAtMs: readU64(raw, 2),
    version: raw.readBigUInt64BE(10),
    payload: raw.subarray(META_HEADER_BYTES),
  };
}

export function metaType(raw: Buffer): KeyType {
  return raw[0] as KeyType;
}

export function metaExpireAt(raw: Buffer): number {
  return readU64(raw, 2);
}

/** metaType of a meta record starting at `at` in `buf` (the meta cache's arena pages). */
export function metaTypeAt(buf: Buffer, at: number): KeyType {
  return buf[at] as KeyType;
}

/** metaExpireAt of a meta record starting at `at` in `buf`. */
export function metaExpireAtAt(buf: Buffer, at: number): number {
  return readU64(buf, at + 2);
}

/** A copy of `raw` with a new deadline (0 removes it). */
export function withExpireAt(raw: Buffer, expireAtMs: number): Buffer {
  const out = Buffer.from(raw);
  writeU64(out, 2, expireAtMs);
  return out;
}

export function stringValue(raw: Buffer): Buffer {
  return raw.subarray(META_HEADER_BYTES);
}

// Deadlines are below 2^53, so two 32-bit halves avoid BigInt on the hot path.
function writeU64(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / 0x100000000), offset);
  buf.writeUInt32BE(value >>> 0, offset + 4);
}

// Byte loads, not readUInt32BE: meta records come both from Buffer.allocUnsafe and from the
// RocksDB binding (objects of different shapes), which made the method lookup a generic,
// uncached property load on every GET.
function readU64(buf: Buffer, offset: number): number {
  const hi =
    ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
  const lo =
    ((buf[offset + 4]! << 24) | (buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!) >>> 0;
  return hi * 0x100000000 + lo;
}
