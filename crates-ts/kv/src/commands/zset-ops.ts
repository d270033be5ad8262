/**
 * Storage of sorted sets: open/create/save, member updates that keep both column families in
 * step, and ordered scans (by rank, score, lex) for the commands in zsets.ts.
 *
 *   sub     prefix member                   -> score (8 bytes, the exact IEEE double)
 *   zscore  prefix score(8, ordered) member -> empty, or [1] when the score is -0
 *
 * The meta payload is the element count; flag FLAG_ZSET_SKIPLIST in the meta flags byte records
 * that Redis would have converted the set to a skiplist (sticky, as in Redis 7.0: a listpack
 * converts when it passes 128 members or gets a member over 64 bytes and never converts back;
 * only the STORE commands build a fresh encoding). The encoding matters beyond OBJECT ENCODING:
 * a listpack keeps -0 as 0, a skiplist keeps -0.
 *
 * Ranks have no index: a rank (ZRANK, ZRANGE by index, ZCOUNT) is counted by scanning from both
 * sides at once (`countBetween`), which costs O(min(k, n - k)) key reads for the k entries
 * before the position; a persisted order-statistics index would add a read-modify-write to every
 * ZADD/ZREM (see the lists/zsets report for the trade-off).
 */
import { assert } from '@seshat/common';
import {
  collectionSize,
  elementKey,
  elementPrefix,
  lookupCollection,
  metaVersion,
  newCollectionMeta,
  prefixEnd,
  saveCollection,
  withCollectionSize,
} from '../collection.js';
import type { Ctx } from '../ctx.js';
import type { StorageIterator } from '@seshat/storage';
import { KeyType } from '../meta.js';
import {
  decodeScoreValue,
  encodeScoreValue,
  readScoreKey,
  SCORE_BYTES,
  writeScoreKey,
} from '../score-codec.js';

/** Meta flags bit: the set is skiplist-encoded (in Redis terms). */
export const FLAG_ZSET_SKIPLIST = 2;

/** Rows per iterator batch. */
export const ZSET_SCAN_BATCH_ROWS = 256;

const EMPTY = Buffer.alloc(0);
const NEGATIVE_ZERO_MARK = Buffer.from([1]);

/** A sorted set opened by one command. */
export interface ZsetRef {
  readonly mk: Buffer;
  /** The meta record before this command; undefined when this command creates the set. */
  old: Buffer | undefined;
  raw: Buffer;
  readonly prefix: Buffer;
  size: number;
  skiplist: boolean;
}

/** Members with their scores, in the order of a scan or of a reply. */
export interface Scored {
  members: Buffer[];
  scores: number[];
}

export function emptyScored(): Scored {
  return { members: [], scores: [] };
}

function refOf(mk: Buffer, raw: Buffer, old: Buffer | undefined): ZsetRef {
  return {
    mk,
    old,
    raw,
    prefix: elementPrefix(mk, metaVersion(raw)),
    size: collectionSize(raw),
    skiplist: (raw[1]! & FLAG_ZSET_SKIPLIST) !== 0,
  };
}

/** The sorted set at `mk`, undefined if absent; WRONGTYPE for another type. */
export function openZset(ctx: Ctx, mk: Buffer, countStats = !ctx.writing): ZsetRef | undefined {
  const raw = lookupCollection(ctx, mk, KeyType.ZSet, countStats);
  return raw === undefined ? undefined : refOf(mk, raw, raw);
}

/** A new, empty (unsaved) sorted set at `mk`, listpack-encoded unless `skiplist`. */
export function createZset(ctx: Ctx, mk: Buffer, skiplist = false): ZsetRef {
  const z = refOf(mk, newCollectionMeta(ctx, KeyType.ZSet), undefined);
  z.skiplist = skiplist;
  return z;
}

/** Stores the set's meta record; an empty set is deleted. */
export function saveZset(ctx: Ctx, z: ZsetRef): void {
  const raw = withCollectionSize(z.raw, z.size);
  raw[1] = z.skiplist ? raw[1]! | FLAG_ZSET_SKIPLIST : raw[1]! & ~FLAG_ZSET_SKIPLIST;
  saveCollection(ctx, z.mk, raw, z.old);
  z.raw = raw;
  z.old = z.size > 0 ? raw : undefined;
}

export function zsetEncoding(raw: Buffer): string {
  return raw[1]! & FLAG_ZSET_SKIPLIST ? 'skiplist' : 'listpack';
}

/** The `zscore` key of (score, member). */
export function indexKey(prefix: Buffer, score: number, member: Buffer): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + SCORE_BYTES + member.length);
  prefix.copy(out, 0);
  writeScoreKey(score, out, prefix.length);
  member.copy(out, prefix.length + SCORE_BYTES);
  return out;
}

/** prefix + score(8): the first key of every member with this score. */
export function scorePrefix(prefix: Buffer, score: number): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + SCORE_BYTES);
  prefix.copy(out, 0);
  writeScoreKey(score, out, prefix.length);
  return out;
}

export function zsetScore(ctx: Ctx, z: ZsetRef, member: Buffer): number | undefined {
  const v = ctx.store.get('sub', elementKey(z.prefix, member));
  return v === undefined ? undefined : decodeScoreValue(v);
}

function writeMember(ctx: Ctx, z: ZsetRef, member: Buffer, score: number): void {
  // A listpack stores scores as text where -0 becomes 0; a skiplist keeps the double.
  const s = !z.skiplist && score === 0 ? 0 : score;
  ctx.store.put('sub', elementKey(z.prefix, member), encodeScoreValue(s));
  ctx.store.put('zscore', indexKey(z.prefix, s, member), Object.is(s, -0) ? NEGATIVE_ZERO_MARK : EMPTY);
}

/** Adds a member that is not in the set (converting to skiplist first when Redis would). */
export function zsetInsert(ctx: Ctx, z: ZsetRef, member: Buffer, score: number): void {
  assert(!Number.isNaN(score), 'NaN score');
  if (
    !z.skiplist &&
    (z.size + 1 > ctx.limits.zsetMaxListpackEntries || member.length > ctx.limits.zsetMaxListpackValueBytes)
  ) {
    z.skiplist = true;
  }
  writeMember(ctx, z, member, score);
  z.size++;
}

/** Changes the score of an existing member (`old` is its current score, `score !== old`). */
export function zsetUpdate(ctx: Ctx, z: ZsetRef, member: Buffer, old: number, score: number): void {
  ctx.store.del('zscore', indexKey(z.prefix, old, member));
  writeMember(ctx, z, member, score);
}

export function zsetDelete(ctx: Ctx, z: ZsetRef, member: Buffer, score: number): void {
  ctx.store.del('sub', elementKey(z.prefix, member));
  ctx.store.del('zscore', indexKey(z.prefix, score, member));
  z.size--;
}

/** Bounds of a scan over the `zscore` keys of one set. */
export interface IndexRange {
  gte: Buffer;
  lt: Buffer;
}

export function wholeIndex(z: ZsetRef): IndexRange {
  return { gte: z.prefix, lt: prefixEnd(z.prefix) };
}

/**
 * Visits (member, score) in index order (descending if `reverse`); `visit` returns false to
 * stop. Members are views into the scanned keys.
 */
export function scanIndex(
  ctx: Ctx,
  z: ZsetRef,
  range: IndexRange,
  reverse: boolean,
  visit: (member: Buffer, score: number) => boolean,
): void {
  const it = ctx.store.iterator('zscore', { gte: range.gte, lt: range.lt, reverse });
  const off = z.prefix.length;
  try {
    for (
      let rows = it.nextBatch(ZSET_SCAN_BATCH_ROWS);
      rows.length > 0;
      rows = it.nextBatch(ZSET_SCAN_BATCH_ROWS)
    ) {
      for (let i = 0; i < rows.length; i += 2) {
        const k = rows[i]!;
        const v = rows[i + 1]!;
        const score = v.length > 0 && v[0] === 1 ? -0 : readScoreKey(k, off);
        if (!visit(k.subarray(off + SCORE_BYTES), score)) return;
      }
    }
  } finally {
    it.close();
  }
}

/** Up to `limit` entries of `range` after skipping `skip` of them, in scan order. */
export function collectIndex(
  ctx: Ctx,
  z: ZsetRef,
  range: IndexRange,
  reverse: boolean,
  skip: number,
  limit: number,
): Scored {
  const out = emptyScored();
  if (limit === 0) return out;
  let skipped = 0;
  scanIndex(ctx, z, range, reverse, (m, s) => {
    if (skipped < skip) {
      skipped++;
      return true;
    }
    out.members.push(m);
    out.scores.push(s);
    return out.members.length < limit;
  });
  return out;
}

/** Counts `zscore` keys in [gte, lt), one batch per `step`. */
class Counter {
  count = 0;
  done = false;
  private it: StorageIterator | null = null;
  constructor(ctx: Ctx, gte: Buffer, lt: Buffer) {
    if (Buffer.compare(gte, lt) >= 0) this.done = true;
    else this.it = ctx.store.iterator('zscore', { gte, lt });
  }
  step(): void {
    if (this.done || this.it === null) return;
    const rows = this.it.nextBatch(ZSET_SCAN_BATCH_ROWS);
    if (rows.length === 0) this.finish();
    else this.count += rows.length / 2;
  }
  finish(): void {
    this.done = true;
    this.it?.close();
    this.it = null;
  }
}

/**
 * Number of index entries in [lo, hi) (both inside the set's prefix), counted from whichever
 * side finishes first: the range itself, or the two pieces outside it (n minus those).
 */
export function countBetween(ctx: Ctx, z: ZsetRef, lo: Buffer, hi: Buffer): number {
  if (Buffer.compare(lo, hi) >= 0) return 0;
  const inside = new Counter(ctx, lo, hi);
  const below = new Counter(ctx, z.prefix, lo);
  const above = new Counter(ctx, hi, prefixEnd(z.prefix));
  try {
    for (;;) {
      inside.step();
      if (inside.done) return inside.count;
      below.step();
      above.step();
      if (below.done && above.done) return z.size - below.count - above.count;
    }
  } finally {
    inside.finish();
    below.finish();
    above.finish();
  }
}

/** 0-based rank of a member with `score` in ascending order. */
export function zsetRank(ctx: Ctx, z: ZsetRef, member: Buffer, score: number): number {
  return countBetween(ctx, z, z.prefix, indexKey(z.prefix, score, member));
}

/**
 * Entries with ascending ranks [from, to] (0 <= from <= to < size), scanned from the nearer end.
 * Returned in ascending order.
 */
export function rangeByRank(ctx: Ctx, z: ZsetRef, from: number, to: number): Scored {
  const count = to - from + 1;
  const whole = wholeIndex(z);
  if (from <= z.size - 1 - to) return collectIndex(ctx, z, whole, false, from, count);
  const r = collectIndex(ctx, z, whole, true, z.size - 1 - to, count);
  r.members.reverse();
  r.scores.reverse();
  return r;
}
