/**
 * Set commands (Redis 7.0 t_set.c semantics).
 *
 * Layout: the meta record's payload is count(8); each member is one `sub` row
 *   prefix(mk, version) member -> empty
 * Redis 7.0 keeps a set as an intset while every member is an integer and there are at most
 * 512, else (sticky) as a hashtable. FLAG_HASHTABLE records the conversion, so OBJECT ENCODING
 * answers as Redis would, and an intset-encoded set replies in ascending numeric order (an
 * intset's order) while a hashtable-encoded one replies in member byte order (Redis's is
 * unspecified).
 *
 * Complexity: SADD/SREM/SISMEMBER/SMISMEMBER/SMOVE O(1) point operations per member, SCARD
 * O(1), SMEMBERS O(n), SINTER/SINTERSTORE O(n_smallest * keys) point reads, SUNION/SDIFF(STORE) O(total),
 * SPOP/SRANDMEMBER see elements.ts, SSCAN O(COUNT) per call.
 */
import { type Reply, SeshatError, SetReply } from '@seshat/common';
import { argIs, globMatch, syntaxError, tryParseI64 } from '../args.js';
import {
  collectionSize,
  elementKey,
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
import {
  forEachElement,
  getElement,
  isIntMember,
  parseScanCursor,
  parseScanOptions,
  randomElements,
  readElements,
  rememberScanPosition,
  scanStart,
  sortIntMembers,
} from './elements.js';
import { checkRandomReply, FLAG_HASHTABLE, parseRandomCount } from './hashes.js';

const EMPTY = Buffer.alloc(0);
const S = 'set';

/** OBJECT ENCODING of a set meta record. */
export function setEncoding(raw: Buffer): string {
  return raw[1]! & FLAG_HASHTABLE ? 'hashtable' : 'intset';
}

/** A set opened for reading: its record and element prefix. */
export interface SetRef {
  mk: Buffer;
  raw: Buffer;
  prefix: Buffer;
}

/** The live set at `key` (undefined if absent; WRONGTYPE for another type). */
export function openSet(ctx: Ctx, key: Buffer, countStats = !ctx.writing): SetRef | undefined {
  const mk = metaKey(ctx.db, key);
  const raw = lookupCollection(ctx, mk, KeyType.Set, countStats);
  return raw === undefined ? undefined : { mk, raw, prefix: elementPrefix(mk, metaVersion(raw)) };
}

export function isSetMember(ctx: Ctx, s: SetRef, member: Buffer): boolean {
  return getElement(ctx, s.prefix, member) !== undefined;
}

/** Every member in Redis's order for the set's encoding (intsets ascending). O(n). */
export function setMembers(ctx: Ctx, s: SetRef): Buffer[] {
  const { subkeys } = readElements(ctx, s.prefix);
  return s.raw[1]! & FLAG_HASHTABLE ? subkeys : sortIntMembers(subkeys);
}

/** True if a set built from these members (in order, starting empty) stays an intset. */
function staysIntset(ctx: Ctx, members: readonly Buffer[]): boolean {
  if (members.length > ctx.limits.setMaxIntsetEntries) return false;
  for (const m of members) if (!isIntMember(m)) return false;
  return true;
}

/**
 * Replaces whatever is at `mk` with a new set of distinct `members` (deleting `mk` when there
 * are none), encoded as Redis's createIntsetObject + setTypeAdd would leave it. Returns the size.
 * `event` (class s) is notified unless null (RESTORE notifies its own).
 */
export function storeSet(ctx: Ctx, mk: Buffer, members: readonly Buffer[], event: string | null): number {
  const old = ctx.lookup(mk);
  if (members.length === 0) {
    if (old !== undefined) {
      ctx.deleteKey(mk, old);
      if (ctx.events !== null) ctx.notify('g', 'del', metaKeyUserKey(mk));
    }
    return 0;
  }
  const fresh = withCollectionSize(newCollectionMeta(ctx, KeyType.Set), members.length);
  if (!staysIntset(ctx, members)) fresh[1] = fresh[1]! | FLAG_HASHTABLE;
  const prefix = elementPrefix(mk, metaVersion(fresh));
  for (const m of members) ctx.store.put('sub', elementKey(prefix, m), EMPTY);
  // Overwrites in place (Redis's setKey: `new` only when the key did not exist).
  ctx.putMeta(mk, fresh, old);
  if (ctx.events !== null && event !== null) ctx.notify('s', event, metaKeyUserKey(mk));
  return members.length;
}

function sadd(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const old = lookupCollection(ctx, mk, KeyType.Set, false);
  const raw = old ?? newCollectionMeta(ctx, KeyType.Set);
  const prefix = elementPrefix(mk, metaVersion(raw));
  let hashtable = (raw[1]! & FLAG_HASHTABLE) !== 0;
  let size = collectionSize(raw);
  let added = 0;
  for (let i = 2; i < argv.length; i++) {
    const member = argv[i]!;
    if (!hashtable && !isIntMember(member)) hashtable = true;
    const ek = elementKey(prefix, member);
    if (ctx.store.get('sub', ek) !== undefined) continue;
    ctx.store.put('sub', ek, EMPTY);
    added++;
    size++;
  }
  if (size > ctx.limits.setMaxIntsetEntries) hashtable = true;
  if (added === 0 && old !== undefined) return 0;
  const out = withCollectionSize(raw, size);
  if (hashtable) out[1] = out[1]! | FLAG_HASHTABLE;
  saveCollection(ctx, mk, out, old);
  ctx.notify('s', 'sadd', argv[1]!);
  return added;
}

/** Removes members from an open set; returns how many were present. Saves the record. */
function removeMembers(
  ctx: Ctx,
  mk: Buffer,
  raw: Buffer,
  members: readonly Buffer[],
  event = 'srem',
): number {
  const prefix = elementPrefix(mk, metaVersion(raw));
  let size = collectionSize(raw);
  let removed = 0;
  for (const m of members) {
    if (size === 0) break;
    const ek = elementKey(prefix, m);
    if (ctx.store.get('sub', ek) === undefined) continue;
    ctx.store.del('sub', ek);
    size--;
    removed++;
  }
  if (removed > 0) {
    saveCollection(ctx, mk, withCollectionSize(raw, size), raw);
    if (ctx.events !== null) {
      const key = metaKeyUserKey(mk);
      ctx.notify('s', event, key);
      if (size === 0) ctx.notify('g', 'del', key);
    }
  }
  return removed;
}

function srem(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const raw = lookupCollection(ctx, mk, KeyType.Set, false);
  return raw === undefined ? 0 : removeMembers(ctx, mk, raw, argv.slice(2));
}

function smembers(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openSet(ctx, argv[1]!);
  return new SetReply(s === undefined ? [] : setMembers(ctx, s));
}

function sismember(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openSet(ctx, argv[1]!);
  return s !== undefined && isSetMember(ctx, s, argv[2]!) ? 1 : 0;
}

function smismember(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openSet(ctx, argv[1]!);
  const out: Reply[] = new Array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out[i - 2] = s !== undefined && isSetMember(ctx, s, argv[i]!) ? 1 : 0;
  return out;
}

function scard(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openSet(ctx, argv[1]!);
  return s === undefined ? 0 : collectionSize(s.raw);
}

function smove(ctx: Ctx, argv: Buffer[]): Reply {
  const srcMk = metaKey(ctx.db, argv[1]!);
  const dstMk = metaKey(ctx.db, argv[2]!);
  const member = argv[3]!;
  const src = ctx.lookup(srcMk);
  const dst = ctx.lookup(dstMk);
  if (src === undefined) return 0;
  lookupCollection(ctx, srcMk, KeyType.Set, false);
  if (dst !== undefined) lookupCollection(ctx, dstMk, KeyType.Set, false);
  if (srcMk.equals(dstMk)) {
    return getElement(ctx, elementPrefix(srcMk, metaVersion(src)), member) === undefined ? 0 : 1;
  }
  if (removeMembers(ctx, srcMk, src, [member]) === 0) return 0;
  const add = [argv[0]!, argv[2]!, member];
  sadd(ctx, add);
  return 1;
}

/** SPOP/SRANDMEMBER count: "value is out of range, must be positive" for negatives. */
function positiveCount(arg: Buffer): number {
  const v = tryParseI64(arg);
  if (v === undefined || v < 0n) throw new SeshatError('ERR', 'value is out of range, must be positive');
  return v > 1n << 40n ? 2 ** 40 : Number(v);
}

function spop(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length > 3) throw syntaxError();
  const withCount = argv.length === 3;
  const count = withCount ? positiveCount(argv[2]!) : 1;
  const mk = metaKey(ctx.db, argv[1]!);
  const raw = lookupCollection(ctx, mk, KeyType.Set, false);
  if (raw === undefined) return withCount ? new SetReply([]) : null;
  if (count === 0) return new SetReply([]);
  const size = collectionSize(raw);
  const prefix = elementPrefix(mk, metaVersion(raw));
  if (count >= size) {
    // Everything goes: the whole set is the reply, the key is deleted (elements swept later).
    const all = setMembers(ctx, { mk, raw, prefix });
    ctx.deleteKey(mk, raw);
    ctx.notify('s', 'spop', argv[1]!);
    ctx.notify('g', 'del', argv[1]!);
    return withCount ? new SetReply(all) : all[0]!;
  }
  const picked = randomElements(ctx, prefix, size, count, true).subkeys.map((k) => Buffer.from(k));
  removeMembers(ctx, mk, raw, picked, 'spop');
  // Redis 7.0 rebuilds the set from the survivors when popping most of it (count * 5 > size):
  // the rebuilt set is an intset again if the survivors allow it.
  if (count * 5 > size && raw[1]! & FLAG_HASHTABLE) reencodeSurvivors(ctx, mk);
  return withCount ? new SetReply(picked) : picked[0]!;
}

function reencodeSurvivors(ctx: Ctx, mk: Buffer): void {
  const raw = ctx.lookup(mk)!;
  const { subkeys } = readElements(ctx, elementPrefix(mk, metaVersion(raw)));
  if (!staysIntset(ctx, subkeys)) return;
  const out = Buffer.from(raw);
  out[1] = out[1]! & ~FLAG_HASHTABLE;
  ctx.putMeta(mk, out, raw);
}

function srandmember(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length > 3) throw syntaxError();
  if (argv.length === 2) {
    const s = openSet(ctx, argv[1]!);
    if (s === undefined) return null;
    return randomElements(ctx, s.prefix, collectionSize(s.raw), 1, true).subkeys[0]!;
  }
  const l = parseRandomCount(argv[2]!);
  const s = openSet(ctx, argv[1]!);
  if (s === undefined || l === 0n) return [];
  const size = collectionSize(s.raw);
  if (l > 0n && l >= BigInt(size)) return setMembers(ctx, s);
  const count = checkRandomReply(l < 0n ? -l : l);
  return randomElements(ctx, s.prefix, size, count, l > 0n).subkeys;
}

/** Opens every set named by argv[from..to), checking all types first as Redis does. */
function openSets(ctx: Ctx, argv: Buffer[], from: number, to = argv.length): (SetRef | undefined)[] {
  const sets: (SetRef | undefined)[] = [];
  for (let i = from; i < to; i++) sets.push(openSet(ctx, argv[i]!));
  return sets;
}

/** SINTER core: members of the smallest set present in all others, up to `limit` (0: all). */
function intersect(ctx: Ctx, sets: (SetRef | undefined)[], limit: number): Buffer[] {
  if (sets.some((s) => s === undefined)) return [];
  const sorted = (sets as SetRef[]).slice().sort((a, b) => collectionSize(a.raw) - collectionSize(b.raw));
  const out: Buffer[] = [];
  for (const m of setMembers(ctx, sorted[0]!)) {
    let all = true;
    for (let j = 1; j < sorted.length && all; j++) all = isSetMember(ctx, sorted[j]!, m);
    if (!all) continue;
    out.push(m);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

/** Orders a computed union/difference as Redis's result set would iterate it. */
function resultOrder(ctx: Ctx, members: Buffer[]): Buffer[] {
  if (staysIntset(ctx, members)) return sortIntMembers(members);
  return members.sort(Buffer.compare);
}

function union(ctx: Ctx, sets: (SetRef | undefined)[]): Buffer[] {
  const seen = new Map<string, Buffer>();
  for (const s of sets) {
    if (s === undefined) continue;
    forEachElement(ctx, s.prefix, (m) => {
      const k = m.toString('latin1');
      if (!seen.has(k)) seen.set(k, Buffer.from(m));
      return true;
    });
  }
  return resultOrder(ctx, [...seen.values()]);
}

function difference(ctx: Ctx, sets: (SetRef | undefined)[]): Buffer[] {
  const first = sets[0];
  if (first === undefined) return [];
  const out: Buffer[] = [];
  forEachElement(ctx, first.prefix, (m) => {
    for (let j = 1; j < sets.length; j++) {
      const s = sets[j];
      if (s !== undefined && isSetMember(ctx, s, m)) return true;
    }
    out.push(Buffer.from(m));
    return true;
  });
  return resultOrder(ctx, out);
}

function sinterGeneric(ctx: Ctx, argv: Buffer[], store: boolean): Reply {
  const sets = openSets(ctx, argv, store ? 2 : 1);
  const members = intersect(ctx, sets, 0);
  if (!store) return new SetReply(members);
  return storeSet(ctx, metaKey(ctx.db, argv[1]!), members, 'sinterstore');
}

function sunionDiffGeneric(ctx: Ctx, argv: Buffer[], store: boolean, diff: boolean): Reply {
  const sets = openSets(ctx, argv, store ? 2 : 1);
  const members = diff ? difference(ctx, sets) : union(ctx, sets);
  if (!store) return new SetReply(members);
  return storeSet(ctx, metaKey(ctx.db, argv[1]!), members, diff ? 'sdiffstore' : 'sunionstore');
}

function sintercard(ctx: Ctx, argv: Buffer[]): Reply {
  const n = tryParseI64(argv[1]!);
  if (n === undefined || n <= 0n) throw new SeshatError('ERR', 'numkeys should be greater than 0');
  if (n > BigInt(argv.length - 2))
    throw new SeshatError('ERR', "Number of keys can't be greater than number of args");
  const keysEnd = 2 + Number(n);
  let limit = 0;
  for (let j = keysEnd; j < argv.length; j++) {
    if (argIs(argv[j]!, 'limit') && j + 1 < argv.length) {
      const l = tryParseI64(argv[++j]!);
      if (l === undefined || l < 0n) throw new SeshatError('ERR', "LIMIT can't be negative");
      limit = l > 1n << 40n ? 2 ** 40 : Number(l);
    } else throw syntaxError();
  }
  return intersect(ctx, openSets(ctx, argv, 2, keysEnd), limit).length;
}

function sscan(ctx: Ctx, argv: Buffer[]): Reply {
  const cursor = parseScanCursor(argv[2]!);
  const s = openSet(ctx, argv[1]!);
  if (s === undefined) return ['0', []];
  // Redis looks the key up before parsing the options: a missing key ignores them.
  const { count, pattern } = parseScanOptions(argv, 3);
  const out: Reply[] = [];
  if (!(s.raw[1]! & FLAG_HASHTABLE)) {
    // An intset is returned whole in one call, cursor 0, as Redis does.
    for (const m of setMembers(ctx, s)) if (pattern === null || globMatch(pattern, m)) out.push(m);
    return ['0', out];
  }
  let visited = 0;
  let last: Buffer | null = null;
  let finished = true;
  forEachElement(
    ctx,
    s.prefix,
    (m) => {
      if (visited >= count) {
        finished = false;
        return false;
      }
      visited++;
      last = m;
      if (pattern === null || globMatch(pattern, m)) out.push(Buffer.from(m));
      return true;
    },
    scanStart(cursor),
  );
  return [finished || last === null ? '0' : rememberScanPosition(last).toString(), out];
}

const W = 'write';
const R = 'read';
const ALGEBRA =
  'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.';
const TOTAL = 'O(N) where N is the total number of elements in all given sets.';

defineCommand(
  {
    name: 'sadd',
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Add one or more members to a set',
    since: '1.0.0',
    complexity:
      'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    exec: W,
  },
  sadd,
);
defineCommand(
  {
    name: 'srem',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Remove one or more members from a set',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of members to be removed.',
    exec: W,
  },
  srem,
);
defineCommand(
  {
    name: 'smembers',
    arity: 2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'Get all the members in a set',
    since: '1.0.0',
    complexity: 'O(N) where N is the set cardinality.',
    exec: R,
  },
  smembers,
);
defineCommand(
  {
    name: 'sismember',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Determine if a given value is a member of a set',
    since: '1.0.0',
    exec: R,
  },
  sismember,
);
defineCommand(
  {
    name: 'smismember',
    arity: -3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns the membership associated with the given elements for a set',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of elements being checked for membership',
    exec: R,
  },
  smismember,
);
defineCommand(
  {
    name: 'scard',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Get the number of members in a set',
    since: '1.0.0',
    exec: R,
  },
  scard,
);
defineCommand(
  {
    name: 'spop',
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Remove and return one or multiple random members from a set',
    since: '1.0.0',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.',
    exec: W,
  },
  spop,
);
defineCommand(
  {
    name: 'srandmember',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'Get one or multiple random members from a set',
    since: '1.0.0',
    complexity:
      'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.',
    exec: R,
  },
  srandmember,
);
defineCommand(
  {
    name: 'smove',
    arity: 4,
    flags: 'write fast',
    keys: [1, 2, 1],
    group: S,
    summary: 'Move a member from one set to another',
    since: '1.0.0',
    exec: W,
  },
  smove,
);
defineCommand(
  {
    name: 'sinter',
    arity: -2,
    flags: 'readonly',
    keys: [1, -1, 1],
    group: S,
    summary: 'Intersect multiple sets',
    since: '1.0.0',
    complexity: ALGEBRA,
    exec: R,
  },
  (c, a) => sinterGeneric(c, a, false),
);
defineCommand(
  {
    name: 'sintercard',
    arity: -3,
    flags: 'readonly movablekeys',
    keys: [0, 0, 0],
    group: S,
    summary: 'Intersect multiple sets and return the cardinality of the result',
    since: '7.0.0',
    complexity: ALGEBRA,
    exec: R,
  },
  sintercard,
);
defineCommand(
  {
    name: 'sinterstore',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 1],
    group: S,
    summary: 'Intersect multiple sets and store the resulting set in a key',
    since: '1.0.0',
    complexity: ALGEBRA,
    exec: W,
  },
  (c, a) => sinterGeneric(c, a, true),
);
defineCommand(
  {
    name: 'sunion',
    arity: -2,
    flags: 'readonly',
    keys: [1, -1, 1],
    group: S,
    summary: 'Add multiple sets',
    since: '1.0.0',
    complexity: TOTAL,
    exec: R,
  },
  (c, a) => sunionDiffGeneric(c, a, false, false),
);
defineCommand(
  {
    name: 'sunionstore',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 1],
    group: S,
    summary: 'Add multiple sets and store the resulting set in a key',
    since: '1.0.0',
    complexity: TOTAL,
    exec: W,
  },
  (c, a) => sunionDiffGeneric(c, a, true, false),
);
defineCommand(
  {
    name: 'sdiff',
    arity: -2,
    flags: 'readonly',
    keys: [1, -1, 1],
    group: S,
    summary: 'Subtract multiple sets',
    since: '1.0.0',
    complexity: TOTAL,
    exec: R,
  },
  (c, a) => sunionDiffGeneric(c, a, false, true),
);
defineCommand(
  {
    name: 'sdiffstore',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 1],
    group: S,
    summary: 'Subtract multiple sets and store the resulting set in a key',
    since: '1.0.0',
    complexity: TOTAL,
    exec: W,
  },
  (c, a) => sunionDiffGeneric(c, a, true, true),
);
defineCommand(
  {
    name: 'sscan',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'Incrementally iterate Set elements',
    since: '2.8.0',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    exec: R,
  },
  sscan,
);
