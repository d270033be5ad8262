/**
 * Byte layout of the keys this package writes (see docs/storage.md). Integers are big-endian
 * so that byte order is numeric order; the hash slot comes first in every data key so a slot
 * is one contiguous range in every column family.
 *
 *   meta    slot(2) db(1) userkey                      -> meta value (meta.ts)
 *   expire  slot(2) expireAtMs(8) db(1) userkey        -> empty (index for the active expiry cycle)
 */
import { keyHashSlot } from '@seshat/common';

export const META_KEY_PREFIX_BYTES = 3;

export function metaKey(db: number, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(META_KEY_PREFIX_BYTES + key.length);
  const slot = keyHashSlot(key);
  out[0] = slot >>> 8;
  out[1] = slot & 0xff;
  out[2] = db;
  key.copy(out, META_KEY_PREFIX_BYTES);
  return out;
}

export function metaKeyDb(mk: Buffer): number {
  return mk[2]!;
}

export function metaKeySlot(mk: Buffer): number {
  return (mk[0]! << 8) | mk[1]!;
}

/** The user key inside a meta key (a view, not a copy). */
export function metaKeyUserKey(mk: Buffer): Buffer {
  return mk.subarray(META_KEY_PREFIX_BYTES);
}

export function slotPrefix(slot: number): Buffer {
  return Buffer.from([slot >>> 8, slot & 0xff]);
}

export function expireKey(expireAtMs: number, mk: Buffer): Buffer {
  const out = Buffer.allocUnsafe(10 + mk.length - 2);
  out[0] = mk[0]!;
  out[1] = mk[1]!;
  out.writeBigUInt64BE(BigInt(expireAtMs), 2);
  mk.copy(out, 10, 2);
  return out;
}

/** Splits an expire-index key into its deadline and the meta key it points to. */
export function parseExpireKey(ek: Buffer): { expireAtMs: number; metaKey: Buffer } {
  const expireAtMs = Number(ek.readBigUInt64BE(2));
  const mk = Buffer.allocUnsafe(ek.length - 8);
  mk[0] = ek[0]!;
  mk[1] = ek[1]!;
  ek.copy(mk, 2, 10);
  return { expireAtMs, metaKey: mk };
}
