/**
 * Element-level helpers shared by the hash and set commands (and SORT): iteration over one
 * collection's elements in `sub`, point reads, random picks that stay cheap on big collections,
 * and the cursor table of HSCAN/SSCAN. Every function is bounded by the collection it visits.
 */
import { type Random, SeshatError } from '@seshat/common';
import { argIs, syntaxError, tryParseI64 } from '../args.js';
import { elementKey, prefixEnd } from '../collection.js';
import type { Ctx } from '../ctx.js';

export const ELEMENT_BATCH_ROWS = 256;

/**
 * Visits the elements under `prefix` in key order (subkey, value); `visit` returns false to
 * stop. `after` resumes strictly after that subkey, `from` at or after it.
 */
export function forEachElement(
  ctx: Ctx,
  prefix: Buffer,
  visit: (subkey: Buffer, value: Buffer) => boolean | undefined,
  start: { after?: Buffer; from?: Buffer } = {},
): void {
  const range =
    start.after !== undefined
      ? { gt: elementKey(prefix, start.after), lt: prefixEnd(prefix) }
      : { gte: start.from !== undefined ? elementKey(prefix, start.from) : prefix, lt: prefixEnd(prefix) };
  const it = ctx.store.iterator('sub', range);
  try {
    for (
      let rows = it.nextBatch(ELEMENT_BATCH_ROWS);
      rows.length > 0;
      rows = it.nextBatch(ELEMENT_BATCH_ROWS)
    ) {
      for (let i = 0; i < rows.length; i += 2) {
        if (visit(rows[i]!.subarray(prefix.length), rows[i + 1]!) === false) return;
      }
    }
  } finally {
    it.close();
  }
}

/** Every (subkey, value) under `prefix`, in key order. O(size). */
export function readElements(ctx: Ctx, prefix: Buffer): { subkeys: Buffer[]; values: Buffer[] } {
  const subkeys: Buffer[] = [];
  const values: Buffer[] = [];
  forEachElement(ctx, prefix, (k, v) => {
    subkeys.push(k);
    values.push(v);
    return true;
  });
  return { subkeys, values };
}

export function getElement(ctx: Ctx, prefix: Buffer, subkey: Buffer): Buffer | undefined {
  return ctx.store.get('sub', elementKey(prefix, subkey));
}

/** Redis isSdsRepresentableAsLongLong: the member would live in an intset. */
export function isIntMember(member: Buffer): boolean {
  return member.length <= 20 && tryParseI64(member) !== undefined;
}

/** Sorts integer members numerically (the order of an intset). */
export function sortIntMembers(members: Buffer[]): Buffer[] {
  const keyed = members.map((m) => ({ m, v: tryParseI64(m)! }));
  keyed.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  return keyed.map((x) => x.m);
}

/**
 * Collections up to this size are loaded whole for random picks (exactly uniform); bigger
 * ones are sampled by seeking to random points of their key range and picking among the next
 * RANDOM_WINDOW_ROWS elements (O(log n) per pick; not exactly uniform: members after large
 * gaps in the key space are favoured).
 */
export const RANDOM_LOAD_ALL_MAX = 1024;
/** Above this many picks from a big collection, one sequential pass is cheaper than seeks. */
export const RANDOM_SEEKS_MAX = 64;

/** Reads 6 bytes of `b` at `p` (zero padded) as an integer below 2^48. */
function read48(b: Buffer, p: number): number {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + (p + i < b.length ? b[p + i]! : 0);
  return v;
}

/** A random subkey between `first` and `last` (interpolating after their common prefix). */
function randomPoint(first: Buffer, last: Buffer, random: Random): Buffer {
  let p = 0;
  while (p < first.length && p < last.length && first[p] === last[p]) p++;
  const a = read48(first, p);
  const b = read48(last, p);
  let x = a + Math.floor(random.nextFloat() * (b - a + 1));
  const out = Buffer.alloc(p + 6);
  first.copy(out, 0, 0, p);
  for (let i = 5; i >= 0; i--) {
    out[p + i] = x % 256;
    x = Math.floor(x / 256);
  }
  return out;
}

function firstOrLast(ctx: Ctx, prefix: Buffer, reverse: boolean): Buffer | undefined {
  const it = ctx.store.iterator('sub', { gte: prefix, lt: prefixEnd(prefix), reverse, limit: 1 });
  try {
    const rows = it.nextBatch(1);
    return rows.length === 0 ? undefined : rows[0]!.subarray(prefix.length);
  } finally {
    it.close();
  }
}

/** Elements read after each random seek; one of them is picked, which spreads the picks over
 * the members that follow a large gap in the key space instead of always the first. */
const RANDOM_WINDOW_ROWS = 64;

/** One element picked by a random seek (uniformly among the window after a random point). */
function seekRandom(ctx: Ctx, prefix: Buffer, first: Buffer, last: Buffer): [Buffer, Buffer] {
  const point = randomPoint(first, last, ctx.random);
  const window: [Buffer, Buffer][] = [];
  forEachElement(
    ctx,
    prefix,
    (k, v) => {
      window.push([Buffer.from(k), v]);
      return window.length < RANDOM_WINDOW_ROWS;
    },
    { from: point },
  );
  if (window.length === 0) return [last, getElement(ctx, prefix, last)!];
  return window[ctx.random.nextInt(window.length)]!;
}

/**
 * `count` random elements of a collection of `size` (> 0) elements: distinct ones (count is
 * then at most size) or with repetition. Returns parallel arrays of subkeys and values.
 */
export function randomElements(
  ctx: Ctx,
  prefix: Buffer,
  size: number,
  count: number,
  distinct: boolean,
): { subkeys: Buffer[]; values: Buffer[] } {
  if (size > RANDOM_LOAD_ALL_MAX && count <= RANDOM_SEEKS_MAX) {
    const picked = seekPicks(ctx, prefix, count, distinct);
    if (picked !== undefined) return picked;
  }
  const all = readElements(ctx, prefix);
  const n = all.subkeys.length;
  const subkeys: Buffer[] = [];
  const values: Buffer[] = [];
  if (distinct) {
    // Partial Fisher-Yates over indices: exactly uniform, O(n + count).
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    for (let i = 0; i < count && i < n; i++) {
      const j = i + ctx.random.nextInt(n - i);
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
      subkeys.push(all.subkeys[idx[i]!]!);
      values.push(all.values[idx[i]!]!);
    }
  } else {
    for (let i = 0; i < count; i++) {
      const j = ctx.random.nextInt(n);
      subkeys.push(all.subkeys[j]!);
      values.push(all.values[j]!);
    }
  }
  return { subkeys, values };
}

function seekPicks(
  ctx: Ctx,
  prefix: Buffer,
  count: number,
  distinct: boolean,
): { subkeys: Buffer[]; values: Buffer[] } | undefined {
  const first = firstOrLast(ctx, prefix, false);
  const last = firstOrLast(ctx, prefix, true);
  if (first === undefined || last === undefined) return undefined;
  const subkeys: Buffer[] = [];
  const values: Buffer[] = [];
  const seen = new Set<string>();
  // Distinct picks retry on collisions; the bound keeps a skewed key space from looping.
  for (let attempts = 0; subkeys.length < count && attempts < count * 8; attempts++) {
    const [k, v] = seekRandom(ctx, prefix, first, last);
    if (distinct) {
      const s = k.toString('latin1');
      if (seen.has(s)) continue;
      seen.add(s);
    }
    subkeys.push(k);
    values.push(v);
  }
  return subkeys.length === count ? { subkeys, values } : undefined;
}

/** Redis parseScanCursorOrReply (strtoul): optional sign, digits, wraps negatives. */
export function parseScanCursor(arg: Buffer): bigint {
  const s = arg.toString('latin1');
  if (!/^(?:[+-]?\d+)?$/.test(s)) throw new SeshatError('ERR', 'invalid cursor');
  if (s === '') return 0n;
  const neg = s[0] === '-';
  const mag = BigInt(neg || s[0] === '+' ? s.slice(1) : s);
  if (mag > 18446744073709551615n) throw new SeshatError('ERR', 'invalid cursor');
  return neg && mag !== 0n ? (1n << 64n) - mag : mag;
}

export interface ScanOptions {
  count: number;
  pattern: Buffer | null;
}

/** COUNT and MATCH of HSCAN/SSCAN (TYPE is a syntax error there, as in Redis). */
export function parseScanOptions(argv: Buffer[], start: number): ScanOptions {
  let count = 10;
  let pattern: Buffer | null = null;
  for (let j = start; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (argIs(argv[j]!, 'count') && more) {
      const c = tryParseI64(argv[++j]!);
      if (c === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
      if (c < 1n) throw syntaxError();
      count = c > 100000n ? 100000 : Number(c);
    } else if (argIs(argv[j]!, 'match') && more) {
      pattern = argv[++j]!;
      if (pattern.length === 1 && pattern[0] === 0x2a) pattern = null;
    } else throw syntaxError();
  }
  return { count, pattern };
}

/**
 * HSCAN/SSCAN cursors over a hashtable-encoded collection, whose elements are in subkey order.
 * The cursor number is `id * 2^32 + first 4 bytes of the last returned subkey`: `id` names the
 * exact position in a bounded table; if it was evicted (or the read lands on another node) the
 * scan resumes at the 4-byte prefix, which may repeat elements but never skips one, so SCAN's
 * guarantee holds (every element present for the whole scan is returned). Limitation: when
 * many members share those 4 bytes, a forgotten cursor repeats all of them; a scan whose
 * cursor is forgotten on every call would not finish.
 */
const SCAN_CURSORS_MAX = 65536;
const scanCursors = new Map<number, Buffer>();
let nextCursorId = 1;

export function rememberScanPosition(subkey: Buffer): bigint {
  const id = nextCursorId++;
  if (nextCursorId > 0x7fffffff) nextCursorId = 1;
  scanCursors.set(id, Buffer.from(subkey));
  if (scanCursors.size > SCAN_CURSORS_MAX) scanCursors.delete(scanCursors.keys().next().value!);
  const head = Buffer.alloc(4);
  subkey.copy(head, 0, 0, 4);
  return (BigInt(id) << 32n) | BigInt(head.readUInt32BE(0));
}

/** Where a scan resumes: strictly after a remembered subkey, or at a prefix. */
export function scanStart(cursor: bigint): { after?: Buffer; from?: Buffer } {
  if (cursor === 0n) return {};
  const id = Number(cursor >> 32n);
  const remembered = scanCursors.get(id);
  if (remembered !== undefined) return { after: remembered };
  const head = Buffer.alloc(4);
  head.writeUInt32BE(Number(cursor & 0xffffffffn), 0);
  let len = 4;
  while (len > 0 && head[len - 1] === 0) len--;
  return { from: head.subarray(0, len) };
}
