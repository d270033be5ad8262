/**
 * Lists (Redis 7.0 t_list.c semantics, non-blocking commands).
 *
 * Layout: the meta payload is count(8) head(8) tail(8), head and tail signed 64-bit; the items
 * are the positions head..tail-1, each at `sub` prefix + position(8, order-preserving: sign bit
 * flipped, big-endian) -> item. LPUSH writes at head-1, RPUSH at tail, so pushes and pops are
 * one write each; LINDEX/LSET are one point read; LRANGE is one range scan. LINSERT and LREM
 * shift the items on the shorter side of the change: O(min(i, n-i)) writes.
 *
 * The blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are the server's; they call
 * `listPop` and `listMove` below once a list has items.
 */
import { NULL_ARRAY, OK, type Reply, SeshatError } from '@seshat/common';
import { argIs, parseInt64AsNumber, syntaxError, tryParseI64 } from '../args.js';
import {
  collectionExtra,
  elementPrefix,
  lookupCollection,
  metaVersion,
  newCollectionMeta,
  saveCollection,
  withCollectionSize,
} from '../collection.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey, metaKeyUserKey } from '../keys.js';
import { KeyType } from '../meta.js';

const G = 'list';
const W = 'write';
const R = 'read';

/** Rows fetched per iterator batch. */
const SCAN_BATCH_ROWS = 256;

export const LIST_LEFT = 0;
export const LIST_RIGHT = 1;
export type ListEnd = typeof LIST_LEFT | typeof LIST_RIGHT;

/** A list opened by one command: its meta record and its current head/tail. */
export interface ListRef {
  readonly mk: Buffer;
  /** The meta record before this command (undefined when the command creates the list). */
  old: Buffer | undefined;
  raw: Buffer;
  readonly prefix: Buffer;
  head: number;
  tail: number;
}

const TWO_32 = 0x1_0000_0000;

function readI64(buf: Buffer, off: number): number {
  return buf.readInt32BE(off) * TWO_32 + buf.readUInt32BE(off + 4);
}

function writeI64(buf: Buffer, off: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, off);
  buf.writeUInt32BE(v - hi * TWO_32, off + 4);
}

/** The key of the item at absolute position `pos`. */
export function itemKey(prefix: Buffer, pos: number): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + 8);
  prefix.copy(out, 0);
  const hi = Math.floor(pos / TWO_32);
  out.writeUInt32BE((hi + 0x8000_0000) >>> 0, prefix.length);
  out.writeUInt32BE(pos - hi * TWO_32, prefix.length + 4);
  return out;
}

function headTail(head: number, tail: number): Buffer {
  const out = Buffer.allocUnsafe(16);
  writeI64(out, 0, head);
  writeI64(out, 8, tail);
  return out;
}

function refOf(mk: Buffer, raw: Buffer): ListRef {
  const extra = collectionExtra(raw);
  return {
    mk,
    old: raw,
    raw,
    prefix: elementPrefix(mk, metaVersion(raw)),
    head: readI64(extra, 0),
    tail: readI64(extra, 8),
  };
}

/** Opens the list at `mk` (undefined if absent; WRONGTYPE for another type). */
export function openList(ctx: Ctx, mk: Buffer, countStats = !ctx.writing): ListRef | undefined {
  const raw = lookupCollection(ctx, mk, KeyType.List, countStats);
  return raw === undefined ? undefined : refOf(mk, raw);
}

function createList(ctx: Ctx, mk: Buffer): ListRef {
  const raw = newCollectionMeta(ctx, KeyType.List, headTail(0, 0));
  const l = refOf(mk, raw);
  l.old = undefined;
  return l;
}

export function listLength(l: ListRef): number {
  return l.tail - l.head;
}

/** Stores the list's meta record (deleting the key when it is empty). */
export function saveList(ctx: Ctx, l: ListRef): void {
  const raw = withCollectionSize(l.raw, l.tail - l.head, headTail(l.head, l.tail));
  saveCollection(ctx, l.mk, raw, l.old);
  l.raw = raw;
  l.old = l.tail > l.head ? raw : undefined;
}

function push(ctx: Ctx, l: ListRef, item: Buffer, where: ListEnd): void {
  if (where === LIST_LEFT) ctx.store.put('sub', itemKey(l.prefix, --l.head), item);
  else ctx.store.put('sub', itemKey(l.prefix, l.tail++), item);
}

/** Items with indexes [from, to] (0-based, inclusive, within the list), in `reverse` order if set. */
function readRange(ctx: Ctx, l: ListRef, from: number, to: number, reverse = false): Buffer[] {
  const out: Buffer[] = [];
  const it = ctx.store.iterator('sub', {
    gte: itemKey(l.prefix, l.head + from),
    lt: itemKey(l.prefix, l.head + to + 1),
    reverse,
  });
  try {
    for (let rows = it.nextBatch(SCAN_BATCH_ROWS); rows.length > 0; rows = it.nextBatch(SCAN_BATCH_ROWS)) {
      for (let i = 1; i < rows.length; i += 2) out.push(rows[i]!);
    }
  } finally {
    it.close();
  }
  return out;
}

/** Every item of the list, head to tail (DUMP, MEMORY USAGE). O(n). */
export function listItems(ctx: Ctx, l: ListRef): Buffer[] {
  return listLength(l) === 0 ? [] : readRange(ctx, l, 0, listLength(l) - 1);
}

/** Creates the list at `mk` (which must be absent) holding `items` in order (RESTORE). */
export function storeNewList(ctx: Ctx, mk: Buffer, items: readonly Buffer[]): void {
  const l = createList(ctx, mk);
  for (const item of items) push(ctx, l, item, LIST_RIGHT);
  saveList(ctx, l);
}

/** Removes and returns up to `count` items from one end (in pop order). */
function popItems(ctx: Ctx, l: ListRef, where: ListEnd, count: number): Buffer[] {
  const n = Math.min(count, listLength(l));
  if (n === 0) return [];
  const left = where === LIST_LEFT;
  const items = left
    ? readRange(ctx, l, 0, n - 1)
    : readRange(ctx, l, listLength(l) - n, listLength(l) - 1, true);
  for (let i = 0; i < n; i++) {
    ctx.store.del('sub', itemKey(l.prefix, left ? l.head++ : --l.tail));
  }
  return items;
}

/**
 * Pops up to `count` items from the list at `mk` (LIST_LEFT = head) for LPOP/RPOP/LMPOP and the
 * blocking pops. Returns null when the key does not exist (lists are never empty), the popped
 * items otherwise; deletes the key when it becomes empty. Throws WRONGTYPE.
 */
export function listPop(ctx: Ctx, mk: Buffer, where: ListEnd, count: number): Buffer[] | null {
  const l = openList(ctx, mk, false);
  if (l === undefined) return null;
  const items = popItems(ctx, l, where, count);
  saveList(ctx, l);
  if (items.length > 0) notifyPop(ctx, l, where);
  return items;
}

/** The events of a pop (Redis's listPopRangeAndReplyWithKey, LPOP, LMOVE's source): `lpop` or
 * `rpop`, then `del` when the list became empty. */
function notifyPop(ctx: Ctx, l: ListRef, where: ListEnd): void {
  if (ctx.events === null) return;
  const key = metaKeyUserKey(l.mk);
  ctx.notify('l', where === LIST_LEFT ? 'lpop' : 'rpop', key);
  if (l.tail === l.head) ctx.notify('g', 'del', key);
}

/**
 * LMOVE once: pops one item from `src` at `from` and pushes it to `dst` at `to`; returns the
 * item, or null when `src` does not exist. WRONGTYPE if src is not a list, or (only when src
 * has an item) dst exists and is not a list. `src` and `dst` may be the same key (rotation).
 */
export function listMove(ctx: Ctx, src: Buffer, dst: Buffer, from: ListEnd, to: ListEnd): Buffer | null {
  const s = openList(ctx, src, false);
  if (s === undefined) return null;
  const same = src.equals(dst);
  const d = same ? s : (openList(ctx, dst, false) ?? createList(ctx, dst));
  const item = popItems(ctx, s, from, 1)[0]!;
  push(ctx, d, item, to);
  if (!same) saveList(ctx, s);
  saveList(ctx, d);
  // Redis: the destination's push event (after `new`), then the source's pop (and `del`).
  if (ctx.events !== null) {
    ctx.notify('l', to === LIST_LEFT ? 'lpush' : 'rpush', metaKeyUserKey(dst));
    notifyPop(ctx, s, from);
  }
  return item;
}

function mkOf(ctx: Ctx, key: Buffer): Buffer {
  return metaKey(ctx.db, key);
}

function pushGeneric(ctx: Ctx, argv: Buffer[], where: ListEnd, onlyExisting: boolean): Reply {
  const mk = mkOf(ctx, argv[1]!);
  let l = openList(ctx, mk, false);
  if (l === undefined) {
    if (onlyExisting) return 0;
    l = createList(ctx, mk);
  }
  for (let i = 2; i < argv.length; i++) push(ctx, l, argv[i]!, where);
  saveList(ctx, l);
  ctx.notify('l', where === LIST_LEFT ? 'lpush' : 'rpush', argv[1]!);
  return listLength(l);
}

/** getPositiveLongFromObjectOrReply's error for COUNT arguments of LPOP/RPOP/ZPOPMIN... */
export function positiveCount(arg: Buffer): number {
  const v = tryParseI64(arg);
  if (v === undefined || v < 0n) throw new SeshatError('ERR', 'value is out of range, must be positive');
  return Number(v);
}

function popGeneric(ctx: Ctx, argv: Buffer[], where: ListEnd): Reply {
  if (argv.length > 3)
    throw new SeshatError(
      'ERR',
      `wrong number of arguments for '${argv[0]!.toString('latin1').toLowerCase()}' command`,
    );
  const hasCount = argv.length === 3;
  const count = hasCount ? positiveCount(argv[2]!) : 1;
  const mk = mkOf(ctx, argv[1]!);
  const l = openList(ctx, mk, false);
  if (l === undefined) return hasCount ? NULL_ARRAY : null;
  if (hasCount && count === 0) return [];
  const items = popItems(ctx, l, where, count);
  saveList(ctx, l);
  notifyPop(ctx, l, where);
  return hasCount ? items : items[0]!;
}

function llen(ctx: Ctx, argv: Buffer[]): Reply {
  const l = openList(ctx, mkOf(ctx, argv[1]!));
  return l === undefined ? 0 : listLength(l);
}

/** Redis's start/end normalisation for LRANGE/LTRIM: [from, to] inside the list, or null. */
function clampRange(start: number, end: number, n: number): [number, number] | null {
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return null;
  return [start, Math.min(end, n - 1)];
}

function lrange(ctx: Ctx, argv: Buffer[]): Reply {
  const start = parseInt64AsNumber(argv[2]!);
  const end = parseInt64AsNumber(argv[3]!);
  const l = openList(ctx, mkOf(ctx, argv[1]!));
  if (l === undefined) return [];
  const r = clampRange(start, end, listLength(l));
  return r === null ? [] : readRange(ctx, l, r[0], r[1]);
}

function lindex(ctx: Ctx, argv: Buffer[]): Reply {
  const l = openList(ctx, mkOf(ctx, argv[1]!));
  if (l === undefined) return null;
  let index = parseInt64AsNumber(argv[2]!);
  const n = listLength(l);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return null;
  return ctx.store.get('sub', itemKey(l.prefix, l.head + index)) ?? null;
}

function lset(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = mkOf(ctx, argv[1]!);
  const l = openList(ctx, mk, false);
  if (l === undefined) throw new SeshatError('ERR', 'no such key');
  let index = parseInt64AsNumber(argv[2]!);
  const n = listLength(l);
  if (index < 0) index += n;
  if (index < 0 || index >= n) throw new SeshatError('ERR', 'index out of range');
  ctx.store.put('sub', itemKey(l.prefix, l.head + index), argv[3]!);
  // Only an item changed, not the meta record: report the key as modified (WATCH) ourselves.
  ctx.touch(mk);
  ctx.notify('l', 'lset', argv[1]!);
  return OK;
}

function ltrim(ctx: Ctx, argv: Buffer[]): Reply {
  const start = parseInt64AsNumber(argv[2]!);
  const end = parseInt64AsNumber(argv[3]!);
  const l = openList(ctx, mkOf(ctx, argv[1]!), false);
  if (l === undefined) return OK;
  const n = listLength(l);
  const r = clampRange(start, end, n);
  if (r === null) {
    // Everything goes: dropping the meta record is enough (the version retires the items).
    l.tail = l.head;
  } else {
    for (let i = 0; i < r[0]; i++) ctx.store.del('sub', itemKey(l.prefix, l.head++));
    for (let i = r[1] + 1; i < n; i++) ctx.store.del('sub', itemKey(l.prefix, --l.tail));
  }
  saveList(ctx, l);
  ctx.notify('l', 'ltrim', argv[1]!);
  if (l.tail === l.head) ctx.notify('g', 'del', argv[1]!);
  return OK;
}

/** Visits items from one end; `visit(index, item)` returns false to stop. */
function scanItems(
  ctx: Ctx,
  l: ListRef,
  fromTail: boolean,
  visit: (index: number, item: Buffer) => boolean,
): void {
  const it = ctx.store.iterator('sub', {
    gte: itemKey(l.prefix, l.head),
    lt: itemKey(l.prefix, l.tail),
    reverse: fromTail,
  });
  const n = listLength(l);
  let k = 0;
  try {
    for (let rows = it.nextBatch(SCAN_BATCH_ROWS); rows.length > 0; rows = it.nextBatch(SCAN_BATCH_ROWS)) {
      for (let i = 1; i < rows.length; i += 2, k++) {
        if (!visit(fromTail ? n - 1 - k : k, rows[i]!)) return;
      }
    }
  } finally {
    it.close();
  }
}

function linsert(ctx: Ctx, argv: Buffer[]): Reply {
  let after: boolean;
  if (argIs(argv[2]!, 'after')) after = true;
  else if (argIs(argv[2]!, 'before')) after = false;
  else throw syntaxError();
  const l = openList(ctx, mkOf(ctx, argv[1]!), false);
  if (l === undefined) return 0;
  const pivot = argv[3]!;
  let at = -1;
  scanItems(ctx, l, false, (i, item) => {
    if (!item.equals(pivot)) return true;
    at = i;
    return false;
  });
  if (at < 0) return -1;
  insertAt(ctx, l, after ? at + 1 : at, argv[4]!);
  saveList(ctx, l);
  ctx.notify('l', 'linsert', argv[1]!);
  return listLength(l);
}

/** Inserts `item` so that it gets index `j`, moving the shorter side by one position. */
function insertAt(ctx: Ctx, l: ListRef, j: number, item: Buffer): void {
  const n = listLength(l);
  if (j < n - j) {
    const moved = j === 0 ? [] : readRange(ctx, l, 0, j - 1);
    l.head--;
    for (let k = 0; k < moved.length; k++) ctx.store.put('sub', itemKey(l.prefix, l.head + k), moved[k]!);
  } else {
    const moved = j === n ? [] : readRange(ctx, l, j, n - 1);
    for (let k = moved.length - 1; k >= 0; k--)
      ctx.store.put('sub', itemKey(l.prefix, l.head + j + 1 + k), moved[k]!);
    l.tail++;
  }
  ctx.store.put('sub', itemKey(l.prefix, l.head + j), item);
}

function lrem(ctx: Ctx, argv: Buffer[]): Reply {
  const count = parseInt64AsNumber(argv[2]!);
  const l = openList(ctx, mkOf(ctx, argv[1]!), false);
  if (l === undefined) return 0;
  const target = argv[3]!;
  const limit = count === 0 ? Number.POSITIVE_INFINITY : Math.abs(count);
  const removed: number[] = [];
  scanItems(ctx, l, count < 0, (i, item) => {
    if (item.equals(target)) removed.push(i);
    return removed.length < limit;
  });
  if (removed.length === 0) return 0;
  if (count < 0) removed.reverse();
  compact(ctx, l, removed);
  saveList(ctx, l);
  ctx.notify('l', 'lrem', argv[1]!);
  if (l.tail === l.head) ctx.notify('g', 'del', argv[1]!);
  return removed.length;
}

/**
 * Closes the gaps left by removing the items at the sorted indexes `removed`: either the items
 * after the first removed one move towards the head, or the items before the last removed one
 * move towards the tail, whichever moves fewer.
 */
function compact(ctx: Ctx, l: ListRef, removed: number[]): void {
  const n = listLength(l);
  const m = removed.length;
  if (m === n) {
    l.tail = l.head;
    return;
  }
  const first = removed[0]!;
  const last = removed[m - 1]!;
  if (n - first <= last + 1) {
    const items = readRange(ctx, l, first, n - 1);
    let r = 0;
    let dst = first;
    for (let k = 0; k < items.length; k++) {
      if (r < m && removed[r] === first + k) r++;
      else ctx.store.put('sub', itemKey(l.prefix, l.head + dst++), items[k]!);
    }
    for (let k = 0; k < m; k++) ctx.store.del('sub', itemKey(l.prefix, --l.tail));
  } else {
    const items = readRange(ctx, l, 0, last);
    let r = m - 1;
    let dst = last;
    for (let k = items.length - 1; k >= 0; k--) {
      if (r >= 0 && removed[r] === k) r--;
      else ctx.store.put('sub', itemKey(l.prefix, l.head + dst--), items[k]!);
    }
    for (let k = 0; k < m; k++) ctx.store.del('sub', itemKey(l.prefix, l.head++));
  }
}

interface LposOptions {
  rank: number;
  /** Rank was LONG_MIN: Redis negates it into itself, so every match counts and COUNT never stops. */
  rankMin: boolean;
  count: number;
  hasCount: boolean;
  maxlen: number;
}

function lposOptions(argv: Buffer[]): LposOptions {
  const o: LposOptions = { rank: 1, rankMin: false, count: 0, hasCount: false, maxlen: 0 };
  for (let j = 3; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (argIs(argv[j]!, 'rank') && more) {
      const v = tryParseI64(argv[++j]!);
      if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
      if (v === 0n) {
        throw new SeshatError(
          'ERR',
          "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
      o.rankMin = v === -9223372036854775808n;
      o.rank = Number(v);
    } else if (argIs(argv[j]!, 'count') && more) {
      o.count = parseInt64AsNumber(argv[++j]!);
      if (o.count < 0) throw new SeshatError('ERR', "COUNT can't be negative");
      o.hasCount = true;
    } else if (argIs(argv[j]!, 'maxlen') && more) {
      o.maxlen = parseInt64AsNumber(argv[++j]!);
      if (o.maxlen < 0) throw new SeshatError('ERR', "MAXLEN can't be negative");
    } else throw syntaxError();
  }
  return o;
}

function lpos(ctx: Ctx, argv: Buffer[]): Reply {
  const o = lposOptions(argv);
  const l = openList(ctx, mkOf(ctx, argv[1]!));
  if (l === undefined) return o.hasCount ? [] : null;
  const fromTail = o.rank < 0;
  const skip = o.rankMin ? 0 : Math.abs(o.rank) - 1;
  const want = o.hasCount && o.count > 0 && !o.rankMin ? o.count : o.hasCount ? Number.POSITIVE_INFINITY : 1;
  const out: number[] = [];
  let matches = 0;
  let seen = 0;
  scanItems(ctx, l, fromTail, (i, item) => {
    if (o.maxlen !== 0 && seen >= o.maxlen) return false;
    seen++;
    if (!item.equals(argv[2]!)) return true;
    if (matches++ < skip) return true;
    out.push(i);
    return out.length < want;
  });
  if (o.hasCount) return out;
  return out.length === 0 ? null : out[0]!;
}

function whereArg(arg: Buffer): ListEnd {
  if (argIs(arg, 'left')) return LIST_LEFT;
  if (argIs(arg, 'right')) return LIST_RIGHT;
  throw syntaxError();
}

function lmove(ctx: Ctx, argv: Buffer[]): Reply {
  const from = whereArg(argv[3]!);
  const to = whereArg(argv[4]!);
  return listMove(ctx, mkOf(ctx, argv[1]!), mkOf(ctx, argv[2]!), from, to);
}

function rpoplpush(ctx: Ctx, argv: Buffer[]): Reply {
  return listMove(ctx, mkOf(ctx, argv[1]!), mkOf(ctx, argv[2]!), LIST_RIGHT, LIST_LEFT);
}

/** Parsed `numkeys key... <where> [COUNT n]` tail of LMPOP/ZMPOP (and their blocking forms). */
export interface MpopArgs {
  keys: Buffer[];
  /** argv index of the LEFT/RIGHT or MIN/MAX word. */
  whereIndex: number;
  /** -1 when COUNT was not given (pops one). */
  count: number;
}

/** Parses numkeys, keys and the COUNT option starting at argv[numkeysIndex] (Redis 7.0 order). */
export function parseMpopArgs(
  argv: Buffer[],
  numkeysIndex: number,
  checkWhere: (arg: Buffer) => void,
): MpopArgs {
  const nk = tryParseI64(argv[numkeysIndex]!);
  if (nk === undefined || nk < 1n) throw new SeshatError('ERR', 'numkeys should be greater than 0');
  const whereIndex = numkeysIndex + Number(nk) + 1;
  if (nk > BigInt(argv.length) || whereIndex >= argv.length) throw syntaxError();
  checkWhere(argv[whereIndex]!);
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (argIs(argv[j]!, 'count') && j + 1 < argv.length && count === -1) {
      const v = tryParseI64(argv[++j]!);
      if (v === undefined || v < 1n) throw new SeshatError('ERR', 'count should be greater than 0');
      count = Number(v);
    } else throw syntaxError();
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex), whereIndex, count };
}

/** Keys of `<cmd> [timeout] numkeys key...` (COMMAND GETKEYS, routing). */
export function mpopKeys(numkeysIndex: number): (argv: Buffer[]) => Buffer[] {
  return (argv) => {
    const nk = argv.length > numkeysIndex ? tryParseI64(argv[numkeysIndex]!) : undefined;
    if (nk === undefined || nk < 1n || nk > BigInt(argv.length - numkeysIndex - 1)) return [];
    return argv.slice(numkeysIndex + 1, numkeysIndex + 1 + Number(nk));
  };
}

/**
 * LMPOP's work for one attempt: pops from the first non-empty list among `keys`; returns
 * [key, items] or null when all are empty/absent. WRONGTYPE for a non-list met before it.
 */
export function listMpopOnce(ctx: Ctx, keys: Buffer[], where: ListEnd, count: number): Reply[] | null {
  for (const key of keys) {
    const items = listPop(ctx, mkOf(ctx, key), where, count);
    if (items !== null) return [key, items];
  }
  return null;
}

function lmpop(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseMpopArgs(argv, 1, whereArg);
  return listMpopOnce(ctx, a.keys, whereArg(argv[a.whereIndex]!), a.count < 0 ? 1 : a.count) ?? NULL_ARRAY;
}

/** OBJECT ENCODING of a list: Redis 7.0 reports every list as a quicklist. */
export function listEncoding(_raw: Buffer): string {
  return 'quicklist';
}

// ---------------------------------------------------------------------------------------------

const PUSH_COMPLEXITY =
  'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';

defineCommand(
  {
    name: 'lpush',
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Prepend one or multiple elements to a list',
    since: '1.0.0',
    complexity: PUSH_COMPLEXITY,
    exec: W,
  },
  (c, a) => pushGeneric(c, a, LIST_LEFT, false),
);
defineCommand(
  {
    name: 'rpush',
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Append one or multiple elements to a list',
    since: '1.0.0',
    complexity: PUSH_COMPLEXITY,
    exec: W,
  },
  (c, a) => pushGeneric(c, a, LIST_RIGHT, false),
);
defineCommand(
  {
    name: 'lpushx',
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Prepend an element to a list, only if the list exists',
    since: '2.2.0',
    complexity: PUSH_COMPLEXITY,
    exec: W,
  },
  (c, a) => pushGeneric(c, a, LIST_LEFT, true),
);
defineCommand(
  {
    name: 'rpushx',
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Append an element to a list, only if the list exists',
    since: '2.2.0',
    complexity: PUSH_COMPLEXITY,
    exec: W,
  },
  (c, a) => pushGeneric(c, a, LIST_RIGHT, true),
);
defineCommand(
  {
    name: 'lpop',
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Remove and get the first elements in a list',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements returned',
    exec: W,
  },
  (c, a) => popGeneric(c, a, LIST_LEFT),
);
defineCommand(
  {
    name: 'rpop',
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Remove and get the last elements in a list',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements returned',
    exec: W,
  },
  (c, a) => popGeneric(c, a, LIST_RIGHT),
);
defineCommand(
  {
    name: 'llen',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Get the length of a list',
    since: '1.0.0',
    complexity: 'O(1)',
    exec: R,
  },
  llen,
);
defineCommand(
  {
    name: 'lrange',
    arity: 4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: G,
    summary: 'Get a range of elements from a list',
    since: '1.0.0',
    complexity:
      'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.',
    exec: R,
  },
  lrange,
);
defineCommand(
  {
    name: 'lindex',
    arity: 3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: G,
    summary: 'Get an element from a list by its index',
    since: '1.0.0',
    complexity:
      'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).',
    exec: R,
  },
  lindex,
);
defineCommand(
  {
    name: 'lset',
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: G,
    summary: 'Set the value of an element in a list by its index',
    since: '1.0.0',
    complexity:
      'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).',
    exec: W,
  },
  lset,
);
defineCommand(
  {
    name: 'linsert',
    arity: 5,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: G,
    summary: 'Insert an element before or after another element in a list',
    since: '2.2.0',
    complexity:
      'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).',
    exec: W,
  },
  linsert,
);
defineCommand(
  {
    name: 'lrem',
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    group: G,
    summary: 'Remove elements from a list',
    since: '1.0.0',
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.',
    exec: W,
  },
  lrem,
);
defineCommand(
  {
    name: 'ltrim',
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    group: G,
    summary: 'Trim a list to the specified range',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of elements to be removed by the operation.',
    exec: W,
  },
  ltrim,
);
defineCommand(
  {
    name: 'lpos',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: G,
    summary: 'Return the index of matching elements on a list',
    since: '6.0.6',
    complexity:
      'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.',
    exec: R,
  },
  lpos,
);
defineCommand(
  {
    name: 'lmove',
    arity: 5,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    group: G,
    summary: 'Pop an element from a list, push it to another list and return it',
    since: '6.2.0',
    complexity: 'O(1)',
    exec: W,
  },
  lmove,
);
defineCommand(
  {
    name: 'rpoplpush',
    arity: 3,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    group: G,
    summary: 'Remove the last element in a list, prepend it to another list and return it',
    since: '1.2.0',
    complexity: 'O(1)',
    exec: W,
  },
  rpoplpush,
);
defineCommand(
  {
    name: 'lmpop',
    arity: -4,
    flags: 'write movablekeys',
    group: G,
    summary: 'Pop elements from a list',
    since: '7.0.0',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    exec: W,
    getKeys: mpopKeys(1),
  },
  lmpop,
);
