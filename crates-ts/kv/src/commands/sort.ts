/**
 * SORT and SORT_RO (Redis 7.0 sort.c semantics) over lists, sets and sorted sets, with BY,
 * GET (`#`, `key*`, `key*->field`), LIMIT, ASC/DESC, ALPHA and (SORT only) STORE.
 *
 * Elements are read through each type's layout (lists.ts, sets.ts, zset-ops.ts); a STORE
 * result is written as a list. Complexity: O(N) to load, O(N log N) to sort, one point read
 * per element and BY/GET pattern. Numeric sorting parses with C strtod's rules (leading
 * space, hex, inf; overflow and subnormal results refused as ERANGE), ties broken by the
 * element's bytes; ALPHA compares bytes (strcoll under the C/UTF-8 locales).
 */
import { type Reply, SeshatError } from '@seshat/common';
import { argIs, syntaxError, tryParseI64 } from '../args.js';
import { elementPrefix, metaVersion, newCollectionMeta } from '../collection.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey, metaKeyUserKey } from '../keys.js';
import { KeyType, metaType, stringValue } from '../meta.js';
import { forEachElement, getElement } from './elements.js';
import { itemKey, type ListRef, openList, saveList } from './lists.js';
import { openSet, setMembers } from './sets.js';
import { openZset, saveZset, scanIndex, wholeIndex } from './zset-ops.js';

const SEQ_BYTES = 8; // hash values carry their insertion number first (hashes.ts)

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  store: Buffer | null;
  by: Buffer | null;
  dontSort: boolean;
  gets: Buffer[];
}

function parseLong(arg: Buffer): number {
  const v = tryParseI64(arg);
  if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
  return Number(v);
}

function parseSortOptions(argv: Buffer[], readonly: boolean): SortOptions {
  const o: SortOptions = {
    desc: false,
    alpha: false,
    limitStart: 0,
    limitCount: -1,
    store: null,
    by: null,
    dontSort: false,
    gets: [],
  };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j]!;
    if (argIs(a, 'asc')) o.desc = false;
    else if (argIs(a, 'desc')) o.desc = true;
    else if (argIs(a, 'alpha')) o.alpha = true;
    else if (argIs(a, 'limit') && left >= 2) {
      o.limitStart = parseLong(argv[j + 1]!);
      o.limitCount = parseLong(argv[j + 2]!);
      j += 2;
    } else if (!readonly && argIs(a, 'store') && left >= 1) o.store = argv[++j]!;
    else if (argIs(a, 'by') && left >= 1) {
      o.by = argv[++j]!;
      o.dontSort = !o.by.includes(0x2a);
    } else if (argIs(a, 'get') && left >= 1) o.gets.push(argv[++j]!);
    else throw syntaxError();
  }
  return o;
}

/**
 * Redis lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is replaced by
 * the element, and `->field` after it reads a hash field instead of a string.
 */
function lookupByPattern(ctx: Ctx, pattern: Buffer, element: Buffer): Buffer | null {
  if (pattern.length === 1 && pattern[0] === 0x23) return element;
  const star = pattern.indexOf(0x2a);
  if (star < 0) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < pattern.length;
  const keyEnd = hasField ? arrow : pattern.length;
  const key = Buffer.concat([pattern.subarray(0, star), element, pattern.subarray(star + 1, keyEnd)]);
  const mk = metaKey(ctx.db, key);
  const raw = ctx.lookup(mk);
  if (raw === undefined) return null;
  if (!hasField) return metaType(raw) === KeyType.String ? stringValue(raw) : null;
  if (metaType(raw) !== KeyType.Hash) return null;
  const stored = getElement(ctx, elementPrefix(mk, metaVersion(raw)), pattern.subarray(arrow + 2));
  return stored === undefined ? null : stored.subarray(SEQ_BYTES);
}

const STRTOD_RE =
  /^[ \t\n\v\f\r]*([+-]?)(?:((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)|(inf(?:inity)?)|(nan(?:\([0-9A-Za-z_]*\))?))$/i;
const DBL_MIN = 2.2250738585072014e-308;

function parseHexFloat(text: string): number {
  const p = text.search(/[pP]/);
  const mant = p < 0 ? text : text.slice(0, p);
  const exp = p < 0 ? 0 : Number(text.slice(p + 1));
  const dot = mant.indexOf('.');
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const fracDigits = dot < 0 ? 0 : mant.length - dot - 1;
  let v = 0;
  for (const c of digits) v = v * 16 + Number.parseInt(c, 16);
  return v * 2 ** (exp - 4 * fracDigits);
}

/** C strtod over the whole value (up to a NUL), with errno ERANGE as an error: undefined. */
export function strtodScore(value: Buffer): number | undefined {
  const nul = value.indexOf(0);
  const text = (nul < 0 ? value : value.subarray(0, nul)).toString('latin1');
  if (text === '') return 0;
  const m = STRTOD_RE.exec(text);
  if (m === null || m[5] !== undefined) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[4] !== undefined) return sign * Number.POSITIVE_INFINITY;
  const dec = m[2];
  const v = dec !== undefined ? Number(dec) : parseHexFloat(m[3]!);
  const mantissa = dec !== undefined ? dec.split(/[eE]/)[0]! : m[3]!.split(/[pP]/)[0]!;
  const nonZero = /[1-9a-fA-F]/.test(mantissa);
  if (!Number.isFinite(v) || (nonZero && Math.abs(v) < DBL_MIN)) return undefined;
  return sign * v;
}

/** The elements to sort, in the collection's own order (lists, zsets by score). */
function loadElements(ctx: Ctx, key: Buffer): { type: KeyType; elements: Buffer[] } {
  const mk = metaKey(ctx.db, key);
  const raw = ctx.lookup(mk);
  if (raw === undefined) return { type: KeyType.List, elements: [] };
  const type = metaType(raw);
  if (type === KeyType.Set) return { type, elements: setMembers(ctx, openSet(ctx, key, false)!) };
  if (type === KeyType.List) {
    const l = openList(ctx, mk, false)!;
    const elements: Buffer[] = [];
    // Item keys are order-preserving positions, so key order is list order.
    forEachElement(ctx, l.prefix, (_pos, item) => {
      elements.push(item);
      return true;
    });
    return { type, elements };
  }
  if (type === KeyType.ZSet) {
    const z = openZset(ctx, mk, false)!;
    const elements: Buffer[] = [];
    scanIndex(ctx, z, wholeIndex(z), false, (m) => {
      elements.push(Buffer.from(m));
      return true;
    });
    // Redis converts a sorted set to a skiplist for SORT; SORT (a write) records that.
    if (ctx.writing && !z.skiplist) {
      z.skiplist = true;
      const touched = ctx.touched?.length ?? 0;
      saveZset(ctx, z);
      // An encoding change is not a modification: Redis signals no change, WATCH stays clean.
      if (ctx.touched !== null) ctx.touched.length = touched;
    }
    return { type, elements };
  }
  throw new SeshatError('WRONGTYPE', 'Operation against a key holding the wrong kind of value');
}

const EMPTY = Buffer.alloc(0);

interface Item {
  el: Buffer;
  score: number;
  cmp: Buffer | null;
}

function sortItems(ctx: Ctx, items: Item[], o: SortOptions): void {
  let conversionError = false;
  for (const it of items) {
    const byval = o.by !== null ? lookupByPattern(ctx, o.by, it.el) : it.el;
    if (byval === null) continue;
    if (o.alpha) {
      if (o.by !== null) it.cmp = byval;
    } else {
      const s = strtodScore(byval);
      if (s === undefined) conversionError = true;
      else it.score = s;
    }
  }
  if (conversionError) throw new SeshatError('ERR', "One or more scores can't be converted into double");
  const dir = o.desc ? -1 : 1;
  items.sort((a, b) => {
    let c: number;
    if (!o.alpha) c = a.score > b.score ? 1 : a.score < b.score ? -1 : Buffer.compare(a.el, b.el);
    else if (o.by !== null) {
      if (a.cmp === null || b.cmp === null) c = a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
      else c = Buffer.compare(a.cmp, b.cmp);
    } else c = Buffer.compare(a.el, b.el);
    return c * dir;
  });
}

function sortGeneric(ctx: Ctx, argv: Buffer[], readonly: boolean): Reply {
  const o = parseSortOptions(argv, readonly);
  const { type, elements } = loadElements(ctx, argv[1]!);
  // A set has no order of its own: with STORE it is sorted ALPHA so replicas agree.
  if (o.dontSort && type === KeyType.Set && o.store !== null) {
    o.dontSort = false;
    o.alpha = true;
    o.by = null;
  }
  const n = elements.length;
  let start = Math.max(o.limitStart, 0);
  let end = o.limitCount < 0 ? n - 1 : start + o.limitCount - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;
  let ordered: Buffer[];
  if (o.dontSort) {
    // Lists and sorted sets keep their order, reversed by DESC; sets their iteration order.
    ordered = o.desc && type !== KeyType.Set ? elements.reverse() : elements;
  } else {
    const items: Item[] = elements.map((el) => ({ el, score: 0, cmp: null }));
    sortItems(ctx, items, o);
    ordered = items.map((x) => x.el);
  }
  const out: (Buffer | null)[] = [];
  for (let j = start; j <= end; j++) {
    const el = ordered[j]!;
    if (o.gets.length === 0) out.push(el);
    for (const g of o.gets) out.push(lookupByPattern(ctx, g, el));
  }
  if (o.store === null) return out;
  return storeList(ctx, metaKey(ctx.db, o.store), out);
}

/** Replaces `mk` with a list of `items` (null becomes ""), or deletes it when there are none. */
function storeList(ctx: Ctx, mk: Buffer, items: (Buffer | null)[]): number {
  const old = ctx.lookup(mk);
  if (items.length === 0) {
    if (old !== undefined) {
      ctx.deleteKey(mk, old);
      if (ctx.events !== null) ctx.notify('g', 'del', metaKeyUserKey(mk));
    }
    return 0;
  }
  const raw = newCollectionMeta(ctx, KeyType.List, Buffer.alloc(16)); // head 0, tail 0
  const l: ListRef = {
    mk,
    // Overwrites in place (Redis's setKey: `new` only when the key did not exist).
    old,
    raw,
    prefix: elementPrefix(mk, metaVersion(raw)),
    head: 0,
    tail: 0,
  };
  for (const item of items) ctx.store.put('sub', itemKey(l.prefix, l.tail++), item ?? EMPTY);
  saveList(ctx, l);
  if (ctx.events !== null) ctx.notify('l', 'sortstore', metaKeyUserKey(mk));
  return items.length;
}

defineCommand(
  {
    name: 'sort',
    arity: -2,
    flags: 'write denyoom movablekeys',
    keys: [1, 1, 1],
    group: 'generic',
    summary: 'Sort the elements in a list, set or sorted set',
    since: '1.0.0',
    complexity:
      'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
    exec: 'write',
    acl: '@set @sortedset @list @dangerous',
  },
  (c, a) => sortGeneric(c, a, false),
);
defineCommand(
  {
    name: 'sort_ro',
    arity: -2,
    flags: 'readonly movablekeys',
    keys: [1, 1, 1],
    group: 'generic',
    summary: 'Sort the elements in a list, set or sorted set. Read-only variant of SORT.',
    since: '7.0.0',
    complexity:
      'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
    exec: 'read',
    acl: '@set @sortedset @list @dangerous',
  },
  (c, a) => sortGeneric(c, a, true),
);
