/**
 * ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis 7.0 zunionInterDiffGenericCommand).
 *
 * Inputs may be sorted sets or plain sets (members of a set score 1); every member of a set is
 * a `sub` subkey under the set's element prefix (collection.ts layout). Scores combine in the
 * order Redis uses: sources sorted by size (stable), weight applied per source, a NaN product
 * (inf * 0) counted as 0, SUM turning inf + -inf into 0. Results are built in memory and
 * sorted by (score, member), then replied or stored.
 */
import { ERR_WRONGTYPE, type Reply, SeshatError } from '@seshat/common';
import { argIs, parseI64, syntaxError, tryParseI64 } from '../args.js';
import { collectionSize, elementKey, elementPrefix, metaVersion, prefixEnd } from '../collection.js';
import { defineCommand, type SpecInput } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { KeyType, metaType } from '../meta.js';
import { parseStrictDouble } from '../score-codec.js';
import {
  createZset,
  emptyScored,
  type Scored,
  saveZset,
  scanIndex,
  wholeIndex,
  ZSET_SCAN_BATCH_ROWS,
  type ZsetRef,
  zsetInsert,
  zsetScore,
} from './zset-ops.js';
import { notifyStored, scoredReply } from './zsets.js';

const G = 'sorted-set';

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
type SetOp = typeof OP_UNION | typeof OP_INTER | typeof OP_DIFF;
/** Keyspace event of each STORE form, by op. */
const STORE_EVENTS = ['zunionstore', 'zinterstore', 'zdiffstore'];

const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

/** One input: a sorted set, a set, or nothing (missing key). */
interface Source {
  zset: ZsetRef | null;
  /** Element prefix of a plain set. */
  setPrefix: Buffer | null;
  size: number;
  weight: number;
}

interface Request {
  op: SetOp;
  sources: Source[];
  aggregate: number;
  withScores: boolean;
  /** ZINTERCARD LIMIT; 0 = none. */
  limit: number;
}

function openSource(ctx: Ctx, key: Buffer, countStats: boolean): Source {
  const mk = metaKey(ctx.db, key);
  const raw = countStats ? ctx.lookupRead(mk) : ctx.lookup(mk);
  const src: Source = { zset: null, setPrefix: null, size: 0, weight: 1 };
  if (raw === undefined) return src;
  const type = metaType(raw);
  if (type === KeyType.ZSet) {
    src.zset = {
      mk,
      old: raw,
      raw,
      prefix: elementPrefix(mk, metaVersion(raw)),
      size: collectionSize(raw),
      skiplist: false,
    };
  } else if (type === KeyType.Set) src.setPrefix = elementPrefix(mk, metaVersion(raw));
  else throw new SeshatError('WRONGTYPE', ERR_WRONGTYPE);
  src.size = collectionSize(raw);
  return src;
}

function forEachMember(ctx: Ctx, src: Source, visit: (m: Buffer, s: number) => boolean): void {
  if (src.zset !== null) {
    scanIndex(ctx, src.zset, wholeIndex(src.zset), false, visit);
    return;
  }
  if (src.setPrefix === null) return;
  const p = src.setPrefix;
  const it = ctx.store.iterator('sub', { gte: p, lt: prefixEnd(p) });
  try {
    for (
      let rows = it.nextBatch(ZSET_SCAN_BATCH_ROWS);
      rows.length > 0;
      rows = it.nextBatch(ZSET_SCAN_BATCH_ROWS)
    ) {
      for (let i = 0; i < rows.length; i += 2) if (!visit(rows[i]!.subarray(p.length), 1)) return;
    }
  } finally {
    it.close();
  }
}

function scoreIn(ctx: Ctx, src: Source, m: Buffer): number | undefined {
  if (src.zset !== null) return zsetScore(ctx, src.zset, m);
  if (src.setPrefix === null) return undefined;
  return ctx.store.get('sub', elementKey(src.setPrefix, m)) === undefined ? undefined : 1;
}

function aggregate(target: number, v: number, how: number): number {
  if (how === AGG_SUM) {
    const s = target + v;
    return Number.isNaN(s) ? 0 : s;
  }
  // Not Math.min/max: a NaN product (inf * 0) must lose the comparison and keep the target.
  if (how === AGG_MIN) return v < target ? v : target;
  return v > target ? v : target;
}

function parseOptions(argv: Buffer[], j: number, req: Request, store: boolean, cardOnly: boolean): void {
  const n = req.sources.length;
  const algebra = req.op !== OP_DIFF && !cardOnly;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const a = argv[j]!;
    if (algebra && remaining > n && argIs(a, 'weights')) {
      for (let i = 0; i < n; i++) {
        const w = parseStrictDouble(argv[j + 1 + i]!);
        if (w === undefined) throw new SeshatError('ERR', 'weight value is not a float');
        req.sources[i]!.weight = w;
      }
      j += n + 1;
    } else if (algebra && remaining >= 2 && argIs(a, 'aggregate')) {
      const how = argv[j + 1]!;
      if (argIs(how, 'sum')) req.aggregate = AGG_SUM;
      else if (argIs(how, 'min')) req.aggregate = AGG_MIN;
      else if (argIs(how, 'max')) req.aggregate = AGG_MAX;
      else throw syntaxError();
      j += 2;
    } else if (!store && !cardOnly && argIs(a, 'withscores')) {
      req.withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && argIs(a, 'limit')) {
      const v = tryParseI64(argv[j + 1]!);
      if (v === undefined || v < 0n) throw new SeshatError('ERR', "LIMIT can't be negative");
      req.limit = Number(v);
      j += 2;
    } else throw syntaxError();
  }
}

function parseRequest(
  ctx: Ctx,
  argv: Buffer[],
  numkeysIndex: number,
  op: SetOp,
  store: boolean,
  cardOnly: boolean,
): Request {
  const setnum = parseI64(argv[numkeysIndex]!);
  if (setnum < 1n) {
    const name = argv[0]!.toString('latin1').toLowerCase();
    throw new SeshatError('ERR', `at least 1 input key is needed for '${name}' command`);
  }
  if (setnum > BigInt(argv.length - numkeysIndex - 1)) throw syntaxError();
  const req: Request = { op, sources: [], aggregate: AGG_SUM, withScores: false, limit: 0 };
  const n = Number(setnum);
  for (let i = 0; i < n; i++) req.sources.push(openSource(ctx, argv[numkeysIndex + 1 + i]!, !store));
  parseOptions(argv, numkeysIndex + 1 + n, req, store, cardOnly);
  return req;
}

interface Entry {
  m: Buffer;
  s: number;
}

function unionOf(ctx: Ctx, req: Request): Map<string, Entry> {
  const acc = new Map<string, Entry>();
  const sources = [...req.sources].sort((a, b) => a.size - b.size);
  for (const src of sources) {
    forEachMember(ctx, src, (m, s) => {
      let v = src.weight * s;
      if (Number.isNaN(v)) v = 0;
      const k = m.toString('latin1');
      const e = acc.get(k);
      if (e === undefined) acc.set(k, { m, s: v });
      else e.s = aggregate(e.s, v, req.aggregate);
      return true;
    });
  }
  return acc;
}

/** Members of the intersection with their combined scores; stops after `limit` (0 = all). */
function interOf(ctx: Ctx, req: Request, limit: number): Entry[] {
  const out: Entry[] = [];
  const sources = [...req.sources].sort((a, b) => a.size - b.size);
  if (sources[0]!.size === 0) return out;
  forEachMember(ctx, sources[0]!, (m, s) => {
    let score = sources[0]!.weight * s;
    if (Number.isNaN(score)) score = 0;
    for (let j = 1; j < sources.length; j++) {
      const v = scoreIn(ctx, sources[j]!, m);
      if (v === undefined) return true;
      score = aggregate(score, v * sources[j]!.weight, req.aggregate);
    }
    out.push({ m, s: score });
    return limit === 0 || out.length < limit;
  });
  return out;
}

function diffOf(ctx: Ctx, req: Request): Entry[] {
  const out: Entry[] = [];
  const [first, ...rest] = req.sources;
  forEachMember(ctx, first!, (m, s) => {
    for (const src of rest) if (scoreIn(ctx, src, m) !== undefined) return true;
    out.push({ m, s });
    return true;
  });
  return out;
}

function compareEntries(a: Entry, b: Entry): number {
  if (a.s < b.s) return -1;
  if (a.s > b.s) return 1;
  return Buffer.compare(a.m, b.m);
}

function compute(ctx: Ctx, req: Request): Scored {
  let entries: Entry[];
  if (req.op === OP_UNION) entries = [...unionOf(ctx, req).values()];
  else if (req.op === OP_INTER) entries = interOf(ctx, req, 0);
  else entries = diffOf(ctx, req);
  entries.sort(compareEntries);
  const out = emptyScored();
  for (const e of entries) {
    out.members.push(e.m);
    out.scores.push(e.s);
  }
  return out;
}

/**
 * Replaces `dst` with the set `r` (sorted), encoded as Redis would convert a fresh result:
 * listpack when it has at most zset-max-listpack-entries members of at most zset-max-listpack-value
 * bytes. Deletes `dst` when empty.
 */
export function storeResult(ctx: Ctx, dst: Buffer, r: Scored, event: string): number {
  let maxLen = 0;
  for (const m of r.members) if (m.length > maxLen) maxLen = m.length;
  const skiplist =
    r.members.length > ctx.limits.zsetMaxListpackEntries || maxLen > ctx.limits.zsetMaxListpackValueBytes;
  const old = ctx.lookup(dst);
  const z = createZset(ctx, dst, skiplist);
  z.old = old;
  for (let i = 0; i < r.members.length; i++) zsetInsert(ctx, z, r.members[i]!, r.scores[i]!);
  saveZset(ctx, z);
  notifyStored(ctx, z, old !== undefined, event);
  return z.size;
}

function algebraCommand(ctx: Ctx, argv: Buffer[], op: SetOp, store: boolean): Reply {
  const req = parseRequest(ctx, argv, store ? 2 : 1, op, store, false);
  const result = compute(ctx, req);
  if (!store) return scoredReply(result, req.withScores);
  return storeResult(ctx, metaKey(ctx.db, argv[1]!), result, STORE_EVENTS[op]);
}

function zintercard(ctx: Ctx, argv: Buffer[]): Reply {
  const req = parseRequest(ctx, argv, 1, OP_INTER, false, true);
  return interOf(ctx, req, req.limit).length;
}

/** Keys of `<cmd> numkeys key...` and `<cmd> dst numkeys key...` (COMMAND GETKEYS, routing). */
function numkeysKeys(withDestination: boolean): (argv: Buffer[]) => Buffer[] {
  const idx = withDestination ? 2 : 1;
  return (argv) => {
    const nk = argv.length > idx ? tryParseI64(argv[idx]!) : undefined;
    if (nk === undefined || nk < 1n || nk > BigInt(argv.length - idx - 1)) return [];
    const keys = argv.slice(idx + 1, idx + 1 + Number(nk));
    return withDestination ? [argv[1]!, ...keys] : keys;
  };
}

function spec(input: Omit<SpecInput, 'group'>): SpecInput {
  return { ...input, group: G };
}

const UNION_COMPLEXITY =
  'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.';
const INTER_COMPLEXITY =
  'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF_COMPLEXITY =
  'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';

const READS: [string, string, SetOp, string][] = [
  ['zunion', 'Add multiple sorted sets', OP_UNION, UNION_COMPLEXITY],
  ['zinter', 'Intersect multiple sorted sets', OP_INTER, INTER_COMPLEXITY],
  ['zdiff', 'Subtract multiple sorted sets', OP_DIFF, DIFF_COMPLEXITY],
];
for (const [name, summary, op, complexity] of READS) {
  defineCommand(
    spec({
      name,
      arity: -3,
      flags: 'readonly movablekeys',
      summary,
      since: '6.2.0',
      complexity,
      exec: 'read',
      getKeys: numkeysKeys(false),
    }),
    (c, a) => algebraCommand(c, a, op, false),
  );
}

const STORES: [string, string, SetOp, string, string][] = [
  [
    'zunionstore',
    'Add multiple sorted sets and store the resulting sorted set in a new key',
    OP_UNION,
    'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
    '2.0.0',
  ],
  [
    'zinterstore',
    'Intersect multiple sorted sets and store the resulting sorted set in a new key',
    OP_INTER,
    INTER_COMPLEXITY,
    '2.0.0',
  ],
  [
    'zdiffstore',
    'Subtract multiple sorted sets and store the resulting sorted set in a new key',
    OP_DIFF,
    DIFF_COMPLEXITY,
    '6.2.0',
  ],
];
for (const [name, summary, op, complexity, since] of STORES) {
  defineCommand(
    spec({
      name,
      arity: -4,
      flags: 'write denyoom movablekeys',
      keys: [1, 1, 1],
      summary,
      since,
      complexity,
      exec: 'write',
      getKeys: numkeysKeys(true),
    }),
    (c, a) => algebraCommand(c, a, op, true),
  );
}

defineCommand(
  spec({
    name: 'zintercard',
    arity: -3,
    flags: 'readonly movablekeys',
    summary: 'Intersect multiple sorted sets and return the cardinality of the result',
    since: '7.0.0',
    complexity:
      'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
    exec: 'read',
    getKeys: numkeysKeys(false),
  }),
  zintercard,
);
