/**
 * Shared layout of collections (hash, list, set, zset). The meta record's payload starts with
 * the element count; type-specific fields follow. Elements live in `sub` (and `zscore` for
 * sorted sets) under a prefix that includes the collection's version:
 *
 *   sub     slot(2) keylen(4) db(1) userkey version(8) subkey  -> value
 *   zscore  slot(2) keylen(4) db(1) userkey version(8) score(8, order-preserving) member -> empty
 *
 * `keylen` counts db + userkey. Deleting or overwriting a collection only removes/replaces the
 * meta record; a new collection under the same key gets a new version, so old elements are
 * invisible at once and reclaimed later in the background (through the log).
 */
import { assert, SeshatError, ERR_WRONGTYPE } from '@seshat/common';
import type { Ctx } from './ctx.js';
import { META_HEADER_BYTES, type KeyType, metaType } from './meta.js';

/** Bytes of the element count at the start of a collection's payload. */
export const COLLECTION_SIZE_BYTES = 8;

/** The element prefix of collection `mk` (a meta key: slot(2) db(1) userkey) at `version`. */
export function elementPrefix(mk: Buffer, version: bigint): Buffer {
  const keyLen = mk.length - 2;
  const out = Buffer.allocUnsafe(2 + 4 + keyLen + 8);
  out[0] = mk[0]!;
  out[1] = mk[1]!;
  out.writeUInt32BE(keyLen, 2);
  mk.copy(out, 6, 2);
  out.writeBigUInt64BE(version, 6 + keyLen);
  return out;
}

/** The key of one element: prefix + subkey. */
export function elementKey(prefix: Buffer, subkey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + subkey.length);
  prefix.copy(out, 0);
  subkey.copy(out, prefix.length);
  return out;
}

/** The first key after every key that starts with `prefix` (exclusive upper bound). */
export function prefixEnd(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  return Buffer.alloc(0);
}

/** Splits an element key back into (meta key, version, subkey). */
export function parseElementKey(ek: Buffer): { metaKey: Buffer; version: bigint; subkey: Buffer } {
  const keyLen = ek.readUInt32BE(2);
  const mk = Buffer.allocUnsafe(2 + keyLen);
  mk[0] = ek[0]!;
  mk[1] = ek[1]!;
  ek.copy(mk, 2, 6, 6 + keyLen);
  return { metaKey: mk, version: ek.readBigUInt64BE(6 + keyLen), subkey: ek.subarray(6 + keyLen + 8) };
}

export function metaVersion(raw: Buffer): bigint {
  return raw.readBigUInt64BE(10);
}

export function collectionSize(raw: Buffer): number {
  return Number(raw.readBigUInt64BE(META_HEADER_BYTES));
}

/** Type-specific payload after the count (a view). */
export function collectionExtra(raw: Buffer): Buffer {
  return raw.subarray(META_HEADER_BYTES + COLLECTION_SIZE_BYTES);
}

/** A new meta record for an empty collection created by the current command. */
export function newCollectionMeta(ctx: Ctx, type: KeyType, extra: Buffer | null = null): Buffer {
  const extraLen = extra === null ? 0 : extra.length;
  const out = Buffer.alloc(META_HEADER_BYTES + COLLECTION_SIZE_BYTES + extraLen);
  out[0] = type;
  out.writeBigUInt64BE(ctx.newVersion(), 10);
  if (extra !== null) extra.copy(out, META_HEADER_BYTES + COLLECTION_SIZE_BYTES);
  return out;
}

/** A copy of `raw` with a new element count (and optionally new extra fields). */
export function withCollectionSize(raw: Buffer, size: number, extra: Buffer | null = null): Buffer {
  const head = META_HEADER_BYTES + COLLECTION_SIZE_BYTES;
  const out = Buffer.allocUnsafe(head + (extra === null ? raw.length - head : extra.length));
  raw.copy(out, 0, 0, head);
  out.writeBigUInt64BE(BigInt(size), META_HEADER_BYTES);
  if (extra === null) raw.copy(out, head, head);
  else extra.copy(out, head);
  return out;
}

/** A live collection of `type` at `mk`, undefined if absent; WRONGTYPE for another type. */
export function lookupCollection(ctx: Ctx, mk: Buffer, type: KeyType, countStats = true): Buffer | undefined {
  const raw = countStats ? ctx.lookupRead(mk) : ctx.lookup(mk);
  if (raw !== undefined && metaType(raw) !== type) throw new SeshatError('WRONGTYPE', ERR_WRONGTYPE);
  return raw;
}

/**
 * Stores the collection's new meta record; an empty collection is deleted (Redis never keeps
 * empty collections). `old` is the record before this command (undefined if it was created).
 */
export function saveCollection(ctx: Ctx, mk: Buffer, raw: Buffer, old: Buffer | undefined): void {
  assert(raw.length >= META_HEADER_BYTES + COLLECTION_SIZE_BYTES, 'not a collection record');
  if (collectionSize(raw) === 0) {
    if (old !== undefined) ctx.deleteKey(mk, old);
    return;
  }
  ctx.putMeta(mk, raw, old);
}

/**
 * Copies every element of collection `srcRaw` (at `srcMk`) to `dstMk` under a fresh version and
 * returns the destination's meta record (same type, count, extra fields and deadline). Used by
 * RENAME, COPY and MOVE: O(number of elements).
 */
export function copyCollection(ctx: Ctx, srcMk: Buffer, srcRaw: Buffer, dstMk: Buffer): Buffer {
  const version = ctx.newVersion();
  const srcPrefix = elementPrefix(srcMk, metaVersion(srcRaw));
  const dstPrefix = elementPrefix(dstMk, version);
  for (const cf of ['sub', 'zscore', 'stream'] as const) {
    const it = ctx.store.iterator(cf, { gte: srcPrefix, lt: prefixEnd(srcPrefix) });
    try {
      for (let rows = it.nextBatch(512); rows.length > 0; rows = it.nextBatch(512)) {
        for (let i = 0; i < rows.length; i += 2) {
          ctx.store.put(cf, elementKey(dstPrefix, rows[i]!.subarray(srcPrefix.length)), rows[i + 1]!);
        }
      }
    } finally {
      it.close();
    }
  }
  const out = Buffer.from(srcRaw);
  out.writeBigUInt64BE(version, 10);
  return out;
}
