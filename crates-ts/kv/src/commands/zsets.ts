/**
 * Sorted sets (Redis 7.0 t_zset.c semantics, non-blocking commands). Storage and scans are in
 * zset-ops.ts; set algebra (ZUNION/ZINTER/ZDIFF...) in zset-algebra.ts.
 *
 * The blocking commands (BZPOPMIN, BZPOPMAX, BZMPOP) are the server's; they call `zsetPop` and
 * `zsetMpopOnce` below once a set has members.
 */
import { DoubleReply, NULL_ARRAY, PairsReply, type Reply, SeshatError } from '@seshat/common';
import { argIs, globMatch, parseInt64AsNumber, syntaxError, tryParseI64 } from '../args.js';
import { elementKey, prefixEnd } from '../collection.js';
import { defineCommand, type SpecInput } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey, metaKeyUserKey } from '../keys.js';
import { decodeScoreValue, formatScore, parseLooseDouble, parseStrictDouble } from '../score-codec.js';
import { mpopKeys, parseMpopArgs, positiveCount } from './lists.js';
import {
  collectIndex,
  countBetween,
  createZset,
  emptyScored,
  type IndexRange,
  indexKey,
  openZset,
  rangeByRank,
  type Scored,
  saveZset,
  scanIndex,
  scorePrefix,
  wholeIndex,
  type ZsetRef,
  zsetDelete,
  zsetInsert,
  zsetRank,
  zsetScore,
  zsetUpdate,
} from './zset-ops.js';
import { parseScanOptions } from './elements.js';

const G = 'sorted-set';

function mkOf(ctx: Ctx, key: Buffer): Buffer {
  return metaKey(ctx.db, key);
}

/** Members (and scores as doubles) the way Z*RANGE* reply: PairsReply WITHSCORES. */
export function scoredReply(r: Scored, withScores: boolean): Reply {
  if (!withScores) return r.members;
  const items: Reply[] = new Array(r.members.length * 2);
  for (let i = 0; i < r.members.length; i++) {
    items[2 * i] = r.members[i]!;
    items[2 * i + 1] = new DoubleReply(r.scores[i]!);
  }
  return new PairsReply(items);
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY

const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_CH = 16;
const ZADD_INCR = 32;

const OPTION_WORDS: [string, number][] = [
  ['nx', ZADD_NX],
  ['xx', ZADD_XX],
  ['gt', ZADD_GT],
  ['lt', ZADD_LT],
  ['ch', ZADD_CH],
  ['incr', ZADD_INCR],
];

function zaddOptions(argv: Buffer[], flags: number): [number, number] {
  let i = 2;
  for (; i < argv.length; i++) {
    const word = OPTION_WORDS.find(([w]) => argIs(argv[i]!, w));
    if (word === undefined) break;
    flags |= word[1];
  }
  const elements = argv.length - i;
  if (elements % 2 !== 0 || elements === 0) throw syntaxError();
  if (flags & ZADD_NX && flags & ZADD_XX) {
    throw new SeshatError('ERR', 'XX and NX options at the same time are not compatible');
  }
  if (
    (flags & ZADD_GT && flags & ZADD_NX) ||
    (flags & ZADD_LT && flags & ZADD_NX) ||
    (flags & ZADD_GT && flags & ZADD_LT)
  ) {
    throw new SeshatError('ERR', 'GT, LT, and/or NX options at the same time are not compatible');
  }
  if (flags & ZADD_INCR && elements > 2) {
    throw new SeshatError('ERR', 'INCR option supports a single increment-element pair');
  }
  return [flags, i];
}

const NAN_RESULT = 'resulting score is not a number (NaN)';

/** Outcome of adding one element: 0 nothing, 1 added, 2 updated, 3 same score; `score` the new one. */
interface AddOutcome {
  result: 0 | 1 | 2 | 3;
  score: number;
}

function zaddOne(ctx: Ctx, z: ZsetRef, member: Buffer, score: number, flags: number, out: AddOutcome): void {
  out.result = 0;
  const cur = zsetScore(ctx, z, member);
  if (cur === undefined) {
    if (flags & ZADD_XX) return;
    zsetInsert(ctx, z, member, score);
    out.result = 1;
    out.score = score;
    return;
  }
  if (flags & ZADD_NX) return;
  if (flags & ZADD_INCR) {
    score += cur;
    if (Number.isNaN(score)) throw new SeshatError('ERR', NAN_RESULT);
  }
  if ((flags & ZADD_LT && score >= cur) || (flags & ZADD_GT && score <= cur)) return;
  out.score = score;
  if (score === cur) {
    out.result = 3;
    return;
  }
  zsetUpdate(ctx, z, member, cur, score);
  out.result = 2;
}

/** ZADD (and GEOADD, which rewrites itself into a ZADD as Redis does). */
export function zaddGeneric(ctx: Ctx, argv: Buffer[], inFlags: number): Reply {
  const [flags, first] = zaddOptions(argv, inFlags);
  const n = (argv.length - first) / 2;
  const scores = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    const s = parseStrictDouble(argv[first + 2 * j]!);
    if (s === undefined) throw new SeshatError('ERR', 'value is not a valid float');
    scores[j] = s;
  }
  const mk = mkOf(ctx, argv[1]!);
  let z = openZset(ctx, mk, false);
  const incr = (flags & ZADD_INCR) !== 0;
  if (z === undefined) {
    if (flags & ZADD_XX) return incr ? null : 0;
    z = createZset(ctx, mk);
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  const out: AddOutcome = { result: 0, score: 0 };
  for (let j = 0; j < n; j++) {
    zaddOne(ctx, z, argv[first + 2 * j + 1]!, scores[j]!, flags, out);
    if (out.result === 0) continue;
    processed++;
    if (out.result === 1) added++;
    else if (out.result === 2) updated++;
  }
  // Like Redis, a ZADD that changes nothing does not touch the key (WATCH stays clean).
  if (added + updated > 0) saveZset(ctx, z);
  if (added + updated > 0) ctx.notify('z', incr ? 'zincr' : 'zadd', argv[1]!);
  if (incr) return processed > 0 ? new DoubleReply(out.score) : null;
  return flags & ZADD_CH ? added + updated : added;
}

// ---------------------------------------------------------------------------------------------
// Point reads and removal

function zrem(ctx: Ctx, argv: Buffer[]): Reply {
  const z = openZset(ctx, mkOf(ctx, argv[1]!), false);
  if (z === undefined) return 0;
  let n = 0;
  for (let i = 2; i < argv.length; i++) {
    const s = zsetScore(ctx, z, argv[i]!);
    if (s === undefined) continue;
    zsetDelete(ctx, z, argv[i]!, s);
    n++;
  }
  if (n === 0) return 0; // nothing removed: the key is not touched (WATCH stays clean)
  saveZset(ctx, z);
  notifyRemoved(ctx, z, 'zrem');
  return n;
}

/** A removal's events: `event`, then `del` when the set became empty. */
function notifyRemoved(ctx: Ctx, z: ZsetRef, event: string): void {
  if (ctx.events === null) return;
  const key = metaKeyUserKey(z.mk);
  ctx.notify('z', event, key);
  if (z.size === 0) ctx.notify('g', 'del', key);
}

/** A STORE command's events: `event` for a non-empty result, `del` when an existing
 * destination was deleted for an empty one (nothing when there was none). */
export function notifyStored(ctx: Ctx, z: ZsetRef, existed: boolean, event: string): void {
  if (ctx.events === null) return;
  if (z.size > 0) ctx.notify('z', event, metaKeyUserKey(z.mk));
  else if (existed) ctx.notify('g', 'del', metaKeyUserKey(z.mk));
}

function zcard(ctx: Ctx, argv: Buffer[]): Reply {
  return openZset(ctx, mkOf(ctx, argv[1]!))?.size ?? 0;
}

function zscore(ctx: Ctx, argv: Buffer[]): Reply {
  const z = openZset(ctx, mkOf(ctx, argv[1]!));
  const s = z === undefined ? undefined : zsetScore(ctx, z, argv[2]!);
  return s === undefined ? null : new DoubleReply(s);
}

function zmscore(ctx: Ctx, argv: Buffer[]): Reply {
  const z = openZset(ctx, mkOf(ctx, argv[1]!));
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const s = z === undefined ? undefined : zsetScore(ctx, z, argv[i]!);
    out.push(s === undefined ? null : new DoubleReply(s));
  }
  return out;
}

function zrankGeneric(ctx: Ctx, argv: Buffer[], reverse: boolean): Reply {
  const z = openZset(ctx, mkOf(ctx, argv[1]!));
  if (z === undefined) return null;
  const s = zsetScore(ctx, z, argv[2]!);
  if (s === undefined) return null;
  const rank = zsetRank(ctx, z, argv[2]!, s);
  return reverse ? z.size - 1 - rank : rank;
}

// ---------------------------------------------------------------------------------------------
// Ranges: parsing

export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** strtod stops at a NUL byte, and so does Redis's check of the rest of the argument. */
function cString(buf: Buffer, from: number): string {
  const nul = buf.indexOf(0, from);
  return buf.toString('latin1', from, nul < 0 ? buf.length : nul);
}

function scoreItem(buf: Buffer): [number, boolean] {
  const ex = buf.length > 0 && buf[0] === 0x28; // '('
  const v = parseLooseDouble(cString(buf, ex ? 1 : 0));
  if (v === undefined) throw new SeshatError('ERR', 'min or max is not a float');
  return [v, ex];
}

export function parseScoreRange(minArg: Buffer, maxArg: Buffer): ScoreRange {
  const [min, minex] = scoreItem(minArg);
  const [max, maxex] = scoreItem(maxArg);
  return { min, max, minex, maxex };
}

function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/** The index keys of the members inside `r` (not empty). */
function scoreIndexRange(z: ZsetRef, r: ScoreRange): IndexRange {
  const lo = scorePrefix(z.prefix, r.min);
  const hi = scorePrefix(z.prefix, r.max);
  return { gte: r.minex ? prefixEnd(lo) : lo, lt: r.maxex ? hi : prefixEnd(hi) };
}

const LEX_MIN = 0;
const LEX_VALUE = 1;
const LEX_MAX = 2;

export interface LexBound {
  kind: typeof LEX_MIN | typeof LEX_VALUE | typeof LEX_MAX;
  value: Buffer;
  ex: boolean;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

const EMPTY = Buffer.alloc(0);

function lexItem(buf: Buffer): LexBound {
  const c = buf.length > 0 ? buf[0] : -1;
  // Redis reads the C string: "+" or "-" followed by a NUL byte still counts as the bare sign.
  if ((c === 0x2b || c === 0x2d) && (buf.length === 1 || buf[1] === 0)) {
    return { kind: c === 0x2b ? LEX_MAX : LEX_MIN, value: EMPTY, ex: true };
  }
  if (c === 0x28 || c === 0x5b) return { kind: LEX_VALUE, value: buf.subarray(1), ex: c === 0x28 };
  throw new SeshatError('ERR', 'min or max not valid string range item');
}

export function parseLexRange(minArg: Buffer, maxArg: Buffer): LexRange {
  return { min: lexItem(minArg), max: lexItem(maxArg) };
}

function lexCompareBounds(a: LexBound, b: LexBound): number {
  if (a.kind !== LEX_VALUE || b.kind !== LEX_VALUE) {
    if (a.kind === b.kind) return 0;
    if (a.kind === LEX_MIN || b.kind === LEX_MAX) return -1;
    return 1;
  }
  return Buffer.compare(a.value, b.value);
}

function lexRangeEmpty(r: LexRange): boolean {
  const cmp = lexCompareBounds(r.min, r.max);
  return cmp > 0 || (cmp === 0 && (r.min.ex || r.max.ex));
}

function gteMin(m: Buffer, b: LexBound): boolean {
  if (b.kind !== LEX_VALUE) return b.kind === LEX_MIN;
  const c = Buffer.compare(m, b.value);
  return b.ex ? c > 0 : c >= 0;
}

function lteMax(m: Buffer, b: LexBound): boolean {
  if (b.kind !== LEX_VALUE) return b.kind === LEX_MAX;
  const c = Buffer.compare(m, b.value);
  return b.ex ? c < 0 : c <= 0;
}

/** The lowest and highest scores of a non-empty set. */
function scoreEnds(ctx: Ctx, z: ZsetRef): [number, number] {
  const whole = wholeIndex(z);
  const lo = collectIndex(ctx, z, whole, false, 0, 1).scores[0]!;
  const hi = collectIndex(ctx, z, whole, true, 0, 1).scores[0]!;
  return [lo, hi];
}

function withZero(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc(1)]);
}

/**
 * Visits the members of a lex range in order (descending if `reverse`). Lex ranges assume
 * every member has the same score (Redis leaves other cases undefined): then the range is one
 * seek; otherwise the set is walked in order as a listpack would be.
 */
function scanLex(
  ctx: Ctx,
  z: ZsetRef,
  r: LexRange,
  reverse: boolean,
  visit: (m: Buffer, s: number) => boolean,
): void {
  if (lexRangeEmpty(r)) return;
  const [lo, hi] = scoreEnds(ctx, z);
  if (lo === hi) {
    const base = scorePrefix(z.prefix, lo);
    const gte =
      r.min.kind === LEX_MIN
        ? base
        : r.min.kind === LEX_MAX
          ? prefixEnd(base)
          : indexKey(z.prefix, lo, r.min.value);
    const lt =
      r.max.kind === LEX_MAX
        ? prefixEnd(base)
        : r.max.kind === LEX_MIN
          ? base
          : indexKey(z.prefix, lo, r.max.value);
    const range = {
      gte: r.min.kind === LEX_VALUE && r.min.ex ? withZero(gte) : gte,
      lt: r.max.kind === LEX_VALUE && !r.max.ex ? withZero(lt) : lt,
    };
    if (Buffer.compare(range.gte, range.lt) < 0) scanIndex(ctx, z, range, reverse, visit);
    return;
  }
  let inside = false;
  scanIndex(ctx, z, wholeIndex(z), reverse, (m, s) => {
    if (!inside) {
      if (!(reverse ? lteMax(m, r.max) : gteMin(m, r.min))) return true;
      inside = true;
    }
    if (!(reverse ? gteMin(m, r.min) : lteMax(m, r.max))) return false;
    return visit(m, s);
  });
}

// ---------------------------------------------------------------------------------------------
// Ranges: the ZRANGE family

const RANGE_AUTO = 0;
const RANGE_RANK = 1;
const RANGE_SCORE = 2;
const RANGE_LEX = 3;
const DIR_AUTO = 0;
const DIR_FORWARD = 1;
const DIR_REVERSE = 2;

interface RangeRequest {
  store: boolean;
  rangeType: number;
  direction: number;
  withScores: boolean;
  offset: number;
  limit: number;
  /** argv index of the source key. */
  keyIndex: number;
}

function rangeOptions(argv: Buffer[], req: RangeRequest): void {
  for (let j = req.keyIndex + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j]!;
    if (!req.store && argIs(a, 'withscores')) req.withScores = true;
    else if (argIs(a, 'limit') && left >= 2) {
      req.offset = parseInt64AsNumber(argv[j + 1]!);
      req.limit = parseInt64AsNumber(argv[j + 2]!);
      j += 2;
    } else if (req.direction === DIR_AUTO && argIs(a, 'rev')) req.direction = DIR_REVERSE;
    else if (req.rangeType === RANGE_AUTO && argIs(a, 'bylex')) req.rangeType = RANGE_LEX;
    else if (req.rangeType === RANGE_AUTO && argIs(a, 'byscore')) req.rangeType = RANGE_SCORE;
    else throw syntaxError();
  }
  if (req.direction === DIR_AUTO) req.direction = DIR_FORWARD;
  if (req.rangeType === RANGE_AUTO) req.rangeType = RANGE_RANK;
  if (req.limit !== -1 && req.rangeType === RANGE_RANK) {
    throw new SeshatError(
      'ERR',
      'syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
  }
  if (req.withScores && req.rangeType === RANGE_LEX) {
    throw new SeshatError('ERR', 'syntax error, WITHSCORES not supported in combination with BYLEX');
  }
}

/** Redis's rank normalisation: [from, to] within [0, n), or null when empty. */
export function clampRanks(start: number, end: number, n: number): [number, number] | null {
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return null;
  return [start, Math.min(end, n - 1)];
}

type Parsed =
  | { kind: 'rank'; start: number; end: number }
  | { kind: 'score'; r: ScoreRange }
  | { kind: 'lex'; r: LexRange };

function parseRange(argv: Buffer[], req: RangeRequest): Parsed {
  let minArg = argv[req.keyIndex + 1]!;
  let maxArg = argv[req.keyIndex + 2]!;
  if (req.direction === DIR_REVERSE && req.rangeType !== RANGE_RANK) [minArg, maxArg] = [maxArg, minArg];
  if (req.rangeType === RANGE_RANK) {
    return { kind: 'rank', start: parseInt64AsNumber(minArg), end: parseInt64AsNumber(maxArg) };
  }
  if (req.rangeType === RANGE_SCORE) return { kind: 'score', r: parseScoreRange(minArg, maxArg) };
  return { kind: 'lex', r: parseLexRange(minArg, maxArg) };
}

/** Collects with LIMIT semantics: a negative offset skips everything, a negative limit is none. */
function limited(offset: number, limit: number): { skip: number; take: number } {
  return {
    skip: offset < 0 ? Number.POSITIVE_INFINITY : offset,
    take: limit < 0 ? Number.POSITIVE_INFINITY : limit,
  };
}

function selectRange(ctx: Ctx, z: ZsetRef, p: Parsed, req: RangeRequest): Scored {
  const reverse = req.direction === DIR_REVERSE;
  if (p.kind === 'rank') {
    const c = clampRanks(p.start, p.end, z.size);
    if (c === null) return emptyScored();
    if (!reverse) return rangeByRank(ctx, z, c[0], c[1]);
    const r = rangeByRank(ctx, z, z.size - 1 - c[1], z.size - 1 - c[0]);
    r.members.reverse();
    r.scores.reverse();
    return r;
  }
  const { skip, take } = limited(req.offset, req.limit);
  if (p.kind === 'score') {
    if (scoreRangeEmpty(p.r) || take === 0) return emptyScored();
    return collectIndex(ctx, z, scoreIndexRange(z, p.r), reverse, skip, take);
  }
  const out = emptyScored();
  if (take === 0) return out;
  let skipped = 0;
  scanLex(ctx, z, p.r, reverse, (m, s) => {
    if (skipped < skip) {
      skipped++;
      return true;
    }
    out.members.push(m);
    out.scores.push(s);
    return out.members.length < take;
  });
  return out;
}

function zrangeGeneric(
  ctx: Ctx,
  argv: Buffer[],
  store: boolean,
  rangeType: number,
  direction: number,
): Reply {
  const req: RangeRequest = {
    store,
    rangeType,
    direction,
    withScores: false,
    offset: 0,
    limit: -1,
    keyIndex: store ? 2 : 1,
  };
  rangeOptions(argv, req);
  const parsed = parseRange(argv, req);
  const z = openZset(ctx, mkOf(ctx, argv[req.keyIndex]!), !store);
  const result = z === undefined ? emptyScored() : selectRange(ctx, z, parsed, req);
  if (!store) return scoredReply(result, req.withScores);
  const hint = parsed.kind === 'rank' ? result.members.length : -1;
  return storeSequential(ctx, mkOf(ctx, argv[1]!), result, hint);
}

/**
 * Replaces `dst` with a new set built by inserting `r` in order, as ZRANGESTORE does: a
 * skiplist from the start when the size hint is over the listpack limit, else a listpack that
 * converts on the way. Deletes `dst` when `r` is empty. Returns the new size.
 */
function storeSequential(ctx: Ctx, dst: Buffer, r: Scored, hint: number): number {
  const old = ctx.lookup(dst);
  const z = createZset(ctx, dst, hint > ctx.limits.zsetMaxListpackEntries);
  z.old = old;
  for (let i = 0; i < r.members.length; i++) zsetInsert(ctx, z, r.members[i]!, r.scores[i]!);
  saveZset(ctx, z);
  notifyStored(ctx, z, old !== undefined, 'zrangestore');
  return z.size;
}

// ---------------------------------------------------------------------------------------------
// Counting and removing ranges

function zcount(ctx: Ctx, argv: Buffer[]): Reply {
  const r = parseScoreRange(argv[2]!, argv[3]!);
  const z = openZset(ctx, mkOf(ctx, argv[1]!));
  if (z === undefined || scoreRangeEmpty(r)) return 0;
  const b = scoreIndexRange(z, r);
  return countBetween(ctx, z, b.gte, b.lt);
}

function zlexcount(ctx: Ctx, argv: Buffer[]): Reply {
  const r = parseLexRange(argv[2]!, argv[3]!);
  const z = openZset(ctx, mkOf(ctx, argv[1]!));
  if (z === undefined) return 0;
  let n = 0;
  scanLex(ctx, z, r, false, () => {
    n++;
    return true;
  });
  return n;
}

function removeAll(ctx: Ctx, z: ZsetRef, r: Scored, event: string): number {
  if (r.members.length === 0) return 0; // nothing removed: the key is not touched
  for (let i = 0; i < r.members.length; i++) zsetDelete(ctx, z, r.members[i]!, r.scores[i]!);
  saveZset(ctx, z);
  notifyRemoved(ctx, z, event);
  return r.members.length;
}

function zremrangebyrank(ctx: Ctx, argv: Buffer[]): Reply {
  const start = parseInt64AsNumber(argv[2]!);
  const end = parseInt64AsNumber(argv[3]!);
  const z = openZset(ctx, mkOf(ctx, argv[1]!), false);
  if (z === undefined) return 0;
  const c = clampRanks(start, end, z.size);
  return c === null ? 0 : removeAll(ctx, z, rangeByRank(ctx, z, c[0], c[1]), 'zremrangebyrank');
}

function zremrangebyscore(ctx: Ctx, argv: Buffer[]): Reply {
  const r = parseScoreRange(argv[2]!, argv[3]!);
  const z = openZset(ctx, mkOf(ctx, argv[1]!), false);
  if (z === undefined || scoreRangeEmpty(r)) return 0;
  return removeAll(
    ctx,
    z,
    collectIndex(ctx, z, scoreIndexRange(z, r), false, 0, Number.POSITIVE_INFINITY),
    'zremrangebyscore',
  );
}

function zremrangebylex(ctx: Ctx, argv: Buffer[]): Reply {
  const r = parseLexRange(argv[2]!, argv[3]!);
  const z = openZset(ctx, mkOf(ctx, argv[1]!), false);
  if (z === undefined) return 0;
  const found = emptyScored();
  scanLex(ctx, z, r, false, (m, s) => {
    found.members.push(m);
    found.scores.push(s);
    return true;
  });
  return removeAll(ctx, z, found, 'zremrangebylex');
}

// ---------------------------------------------------------------------------------------------
// Pops

/**
 * Removes up to `count` members with the lowest (or, with `max`, highest) scores from the set
 * at `mk`, in pop order. Null when the key does not exist (sets are never empty). WRONGTYPE for
 * another type. Used by ZPOPMIN/ZPOPMAX/ZMPOP and the blocking BZPOPMIN/BZPOPMAX/BZMPOP.
 */
export function zsetPop(ctx: Ctx, mk: Buffer, max: boolean, count: number): Scored | null {
  const z = openZset(ctx, mk, false);
  if (z === undefined) return null;
  const r = collectIndex(ctx, z, wholeIndex(z), max, 0, count);
  removeAll(ctx, z, r, max ? 'zpopmax' : 'zpopmin');
  return r;
}

/** [member, score, member, score...] as nested pairs in both protocols (ZMPOP/BZMPOP). */
function nestedPairs(r: Scored): Reply[] {
  return r.members.map((m, i) => [m, new DoubleReply(r.scores[i]!)]);
}

/**
 * ZMPOP's work for one attempt: pops from the first existing set among `keys` and returns the
 * reply [key, [[member, score], ...]], or null when none exists. WRONGTYPE for a non-zset met
 * before it.
 */
export function zsetMpopOnce(ctx: Ctx, keys: Buffer[], max: boolean, count: number): Reply[] | null {
  for (const key of keys) {
    const r = zsetPop(ctx, mkOf(ctx, key), max, count);
    if (r !== null) return [key, nestedPairs(r)];
  }
  return null;
}

function zpopGeneric(ctx: Ctx, argv: Buffer[], max: boolean): Reply {
  if (argv.length > 3) throw syntaxError();
  const hasCount = argv.length === 3;
  const count = hasCount ? positiveCount(argv[2]!) : 1;
  const mk = mkOf(ctx, argv[1]!);
  if (count === 0) {
    openZset(ctx, mk, false); // WRONGTYPE still wins
    return [];
  }
  const r = zsetPop(ctx, mk, max, count);
  if (r === null) return [];
  if (!hasCount) return [r.members[0]!, new DoubleReply(r.scores[0]!)];
  return scoredReply(r, true);
}

function minMaxArg(arg: Buffer): boolean {
  if (argIs(arg, 'min')) return false;
  if (argIs(arg, 'max')) return true;
  throw syntaxError();
}

function zmpop(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseMpopArgs(argv, 1, minMaxArg);
  const max = minMaxArg(argv[a.whereIndex]!);
  return zsetMpopOnce(ctx, a.keys, max, a.count < 0 ? 1 : a.count) ?? NULL_ARRAY;
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

/** Bound on ZRANDMEMBER's negative count (members with repetition), to bound the reply. */
export const ZRANDMEMBER_REPEATS_MAX = 1 << 24;

/** Members at the given ascending ranks (sorted, may repeat), one scan up to the largest. */
function membersAtRanks(ctx: Ctx, z: ZsetRef, ranks: number[]): Map<number, [Buffer, number]> {
  const sorted = [...new Set(ranks)].sort((a, b) => a - b);
  const out = new Map<number, [Buffer, number]>();
  let rank = 0;
  let next = 0;
  scanIndex(ctx, z, wholeIndex(z), false, (m, s) => {
    if (rank === sorted[next]) {
      out.set(rank, [m, s]);
      next++;
    }
    rank++;
    return next < sorted.length;
  });
  return out;
}

function zrandmember(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length === 2) {
    const z = openZset(ctx, mkOf(ctx, argv[1]!));
    if (z === undefined) return null;
    const picked = membersAtRanks(ctx, z, [ctx.random.nextInt(z.size)]);
    return picked.values().next().value![0];
  }
  const v = tryParseI64(argv[2]!);
  if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
  if (v === -9223372036854775808n) {
    throw new SeshatError(
      'ERR',
      'value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  }
  if (argv.length > 4 || (argv.length === 4 && !argIs(argv[3]!, 'withscores'))) throw syntaxError();
  const withScores = argv.length === 4;
  if (withScores && (v < -4611686018427387903n || v > 4611686018427387903n)) {
    throw new SeshatError('ERR', 'value is out of range');
  }
  const z = openZset(ctx, mkOf(ctx, argv[1]!));
  if (z === undefined || v === 0n) return [];
  return scoredReply(randomMembers(ctx, z, v), withScores);
}

function randomMembers(ctx: Ctx, z: ZsetRef, v: bigint): Scored {
  const out = emptyScored();
  if (v < 0n || v === 1n) {
    if (-v > BigInt(ZRANDMEMBER_REPEATS_MAX)) throw new SeshatError('ERR', 'value is out of range');
    const count = v < 0n ? Number(-v) : 1;
    const ranks = Array.from({ length: count }, () => ctx.random.nextInt(z.size));
    const found = membersAtRanks(ctx, z, ranks);
    for (const r of ranks) {
      const [m, s] = found.get(r)!;
      out.members.push(m);
      out.scores.push(s);
    }
    return out;
  }
  if (v >= BigInt(z.size)) {
    // The whole set, highest first (Redis walks it from the tail).
    const all = rangeByRank(ctx, z, 0, z.size - 1);
    all.members.reverse();
    all.scores.reverse();
    return all;
  }
  // Distinct ranks (Floyd's sampling), returned in set order as a listpack would.
  const count = Number(v);
  const chosen = new Set<number>();
  for (let j = z.size - count; j < z.size; j++) {
    const t = ctx.random.nextInt(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const found = membersAtRanks(ctx, z, [...chosen]);
  for (const r of [...chosen].sort((a, b) => a - b)) {
    const [m, s] = found.get(r)!;
    out.members.push(m);
    out.scores.push(s);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function spec(input: Omit<SpecInput, 'group'>): SpecInput {
  return { ...input, group: G };
}

const LOG_N = 'O(log(N)) where N is the number of elements in the sorted set.';

defineCommand(
  spec({
    name: 'zadd',
    arity: -4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    summary: 'Add one or more members to a sorted set, or update its score if it already exists',
    since: '1.2.0',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
    exec: 'write',
  }),
  (c, a) => zaddGeneric(c, a, 0),
);
defineCommand(
  spec({
    name: 'zincrby',
    arity: 4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    summary: 'Increment the score of a member in a sorted set',
    since: '1.2.0',
    complexity: LOG_N,
    exec: 'write',
  }),
  (c, a) => zaddGeneric(c, a, ZADD_INCR),
);
defineCommand(
  spec({
    name: 'zrem',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    summary: 'Remove one or more members from a sorted set',
    since: '1.2.0',
    complexity:
      'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
    exec: 'write',
  }),
  zrem,
);
defineCommand(
  spec({
    name: 'zcard',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    summary: 'Get the number of members in a sorted set',
    since: '1.2.0',
    complexity: 'O(1)',
    exec: 'read',
  }),
  zcard,
);
defineCommand(
  spec({
    name: 'zscore',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    summary: 'Get the score associated with the given member in a sorted set',
    since: '1.2.0',
    complexity: 'O(1)',
    exec: 'read',
  }),
  zscore,
);
defineCommand(
  spec({
    name: 'zmscore',
    arity: -3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    summary: 'Get the score associated with the given members in a sorted set',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of members being requested.',
    exec: 'read',
  }),
  zmscore,
);
defineCommand(
  spec({
    name: 'zrank',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    summary: 'Determine the index of a member in a sorted set',
    since: '2.0.0',
    complexity: LOG_N,
    exec: 'read',
  }),
  (c, a) => zrankGeneric(c, a, false),
);
defineCommand(
  spec({
    name: 'zrevrank',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    summary: 'Determine the index of a member in a sorted set, with scores ordered from high to low',
    since: '2.0.0',
    complexity: LOG_N,
    exec: 'read',
  }),
  (c, a) => zrankGeneric(c, a, true),
);
defineCommand(
  spec({
    name: 'zcount',
    arity: 4,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    summary: 'Count the members in a sorted set with scores within the given values',
    since: '2.0.0',
    complexity: LOG_N,
    exec: 'read',
  }),
  zcount,
);
defineCommand(
  spec({
    name: 'zlexcount',
    arity: 4,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    summary: 'Count the number of members in a sorted set between a given lexicographical range',
    since: '2.8.9',
    complexity: LOG_N,
    exec: 'read',
  }),
  zlexcount,
);

const RANGE_COMPLEXITY =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.';
const RANGE_BY_COMPLEXITY =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';

defineCommand(
  spec({
    name: 'zrange',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: 'Return a range of members in a sorted set',
    since: '1.2.0',
    complexity: RANGE_COMPLEXITY,
    exec: 'read',
  }),
  (c, a) => zrangeGeneric(c, a, false, RANGE_AUTO, DIR_AUTO),
);
defineCommand(
  spec({
    name: 'zrangestore',
    arity: -5,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    summary: 'Store a range of members from sorted set into another key',
    since: '6.2.0',
    complexity:
      'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
    exec: 'write',
  }),
  (c, a) => zrangeGeneric(c, a, true, RANGE_AUTO, DIR_AUTO),
);
defineCommand(
  spec({
    name: 'zrevrange',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: 'Return a range of members in a sorted set, by index, with scores ordered from high to low',
    since: '1.2.0',
    complexity: RANGE_COMPLEXITY,
    exec: 'read',
  }),
  (c, a) => zrangeGeneric(c, a, false, RANGE_RANK, DIR_REVERSE),
);
defineCommand(
  spec({
    name: 'zrangebyscore',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: 'Return a range of members in a sorted set, by score',
    since: '1.0.5',
    complexity: RANGE_BY_COMPLEXITY,
    exec: 'read',
  }),
  (c, a) => zrangeGeneric(c, a, false, RANGE_SCORE, DIR_FORWARD),
);
defineCommand(
  spec({
    name: 'zrevrangebyscore',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: 'Return a range of members in a sorted set, by score, with scores ordered from high to low',
    since: '2.2.0',
    complexity: RANGE_BY_COMPLEXITY,
    exec: 'read',
  }),
  (c, a) => zrangeGeneric(c, a, false, RANGE_SCORE, DIR_REVERSE),
);
defineCommand(
  spec({
    name: 'zrangebylex',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: 'Return a range of members in a sorted set, by lexicographical range',
    since: '2.8.9',
    complexity: RANGE_BY_COMPLEXITY,
    exec: 'read',
  }),
  (c, a) => zrangeGeneric(c, a, false, RANGE_LEX, DIR_FORWARD),
);
defineCommand(
  spec({
    name: 'zrevrangebylex',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary:
      'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.',
    since: '2.8.9',
    complexity: RANGE_BY_COMPLEXITY,
    exec: 'read',
  }),
  (c, a) => zrangeGeneric(c, a, false, RANGE_LEX, DIR_REVERSE),
);

const REM_COMPLEXITY =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';

defineCommand(
  spec({
    name: 'zremrangebyrank',
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    summary: 'Remove all members in a sorted set within the given indexes',
    since: '2.0.0',
    complexity: REM_COMPLEXITY,
    exec: 'write',
  }),
  zremrangebyrank,
);
defineCommand(
  spec({
    name: 'zremrangebyscore',
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    summary: 'Remove all members in a sorted set within the given scores',
    since: '1.2.0',
    complexity: REM_COMPLEXITY,
    exec: 'write',
  }),
  zremrangebyscore,
);
defineCommand(
  spec({
    name: 'zremrangebylex',
    arity: 4,
    flags: 'write',
    keys: [1, 1, 1],
    summary: 'Remove all members in a sorted set between the given lexicographical range',
    since: '2.8.9',
    complexity: REM_COMPLEXITY,
    exec: 'write',
  }),
  zremrangebylex,
);

const POP_COMPLEXITY =
  'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.';

defineCommand(
  spec({
    name: 'zpopmin',
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    summary: 'Remove and return members with the lowest scores in a sorted set',
    since: '5.0.0',
    complexity: POP_COMPLEXITY,
    exec: 'write',
  }),
  (c, a) => zpopGeneric(c, a, false),
);
defineCommand(
  spec({
    name: 'zpopmax',
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    summary: 'Remove and return members with the highest scores in a sorted set',
    since: '5.0.0',
    complexity: POP_COMPLEXITY,
    exec: 'write',
  }),
  (c, a) => zpopGeneric(c, a, true),
);
defineCommand(
  spec({
    name: 'zmpop',
    arity: -4,
    flags: 'write movablekeys',
    summary: 'Remove and return members with scores in a sorted set',
    since: '7.0.0',
    complexity:
      'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    exec: 'write',
    getKeys: mpopKeys(1),
  }),
  zmpop,
);
defineCommand(
  spec({
    name: 'zrandmember',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: 'Get one or multiple random elements from a sorted set',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of elements returned',
    exec: 'read',
  }),
  zrandmember,
);

// ---------------------------------------------------------------------------------------------
// ZSCAN

/**
 * Cursors of skiplist-sized sets: the number handed out names the last member returned (in
 * member order) in a bounded table; an evicted or unknown cursor restarts the scan, which keeps
 * SCAN's guarantee (members present throughout are returned at least once).
 */
const ZSCAN_CURSORS_MAX = 65536;
const zscanCursors = new Map<number, Buffer>();
let nextZscanCursor = 1;

function rememberMember(member: Buffer): string {
  const id = nextZscanCursor++;
  if (nextZscanCursor > 0x7fffffff) nextZscanCursor = 1;
  zscanCursors.set(id, Buffer.from(member));
  if (zscanCursors.size > ZSCAN_CURSORS_MAX) zscanCursors.delete(zscanCursors.keys().next().value!);
  return String(id);
}

const U64_MAX = 18446744073709551615n;

/** Redis's cursor check (strtoul): optional sign, digits, no leading space; "-1" wraps; "" is 0. */
function parseScanCursor(arg: Buffer): bigint {
  const s = arg.toString('latin1');
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (m === null || (m[2] === '' && m[1] !== '')) throw new SeshatError('ERR', 'invalid cursor');
  const v = m[2] === '' ? 0n : BigInt(m[2]!);
  if (v > U64_MAX) throw new SeshatError('ERR', 'invalid cursor');
  return m[1] === '-' && v !== 0n ? U64_MAX + 1n - v : v;
}

function zscan(ctx: Ctx, argv: Buffer[]): Reply {
  const cursor = parseScanCursor(argv[2]!);
  const z = openZset(ctx, mkOf(ctx, argv[1]!));
  if (z === undefined) return ['0', []];
  const { count, pattern } = parseScanOptions(argv, 3);
  const out: Reply[] = [];
  const emit = (m: Buffer, s: number): void => {
    if (pattern !== null && !globMatch(pattern, m)) return;
    out.push(m, formatScore(s));
  };
  if (!z.skiplist) {
    // A listpack is returned whole in one call, in set order, whatever COUNT says.
    scanIndex(ctx, z, wholeIndex(z), false, (m, s) => {
      emit(m, s);
      return true;
    });
    return ['0', out];
  }
  const after = cursor === 0n ? undefined : zscanCursors.get(Number(cursor));
  const it = ctx.store.iterator(
    'sub',
    after === undefined
      ? { gte: z.prefix, lt: prefixEnd(z.prefix) }
      : { gt: elementKey(z.prefix, after), lt: prefixEnd(z.prefix) },
  );
  let visited = 0;
  let last: Buffer | null = null;
  try {
    const rows = it.nextBatch(Math.min(count + 1, 1000));
    for (let i = 0; i < rows.length && visited < count; i += 2, visited++) {
      last = rows[i]!.subarray(z.prefix.length);
      emit(last, decodeScoreValue(rows[i + 1]!));
    }
    const more = rows.length / 2 > visited || (rows.length / 2 === visited && it.nextBatch(1).length > 0);
    return [more && last !== null ? rememberMember(last) : '0', out];
  } finally {
    it.close();
  }
}

defineCommand(
  spec({
    name: 'zscan',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: 'Incrementally iterate sorted sets elements and associated scores',
    since: '2.8.0',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    exec: 'read',
  }),
  zscan,
);
