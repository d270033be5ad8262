/**
 * HyperLogLog commands (Redis 7.0 hyperloglog.c semantics): PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 * PFSELFTEST. An HLL is a plain string holding Redis's exact bytes (hll/hll-layout.ts), so GET,
 * SET, DUMP-style copies between Redis and Seshat keep counting the same.
 *
 * PFCOUNT on one key refreshes the cached cardinality inside the value when it is stale, which
 * makes it a write in Redis (it propagates). Here PFCOUNT is a read: it answers from the applied
 * state at once and, when the cache was stale, asks for a follow-up write (`PFCOUNT key` through
 * the log, Ctx.followUps) that recomputes and stores the cache on every replica. The server
 * proposes it as the connection's next write, so that connection's later commands see the
 * refreshed bytes, as in Redis; WATCH sees the key touched, as in Redis. Applied in the log (the
 * follow-up, or PFCOUNT inside MULTI), PFCOUNT stores the cache itself; it recomputes from the
 * registers of that moment, so a PFADD that slipped in between is counted, never overwritten.
 */
import { assert, OK, type Reply, SeshatError, SimpleString } from '@seshat/common';
import { argIs } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { estimate, HISTOGRAM_SLOTS, hllCount, rawHistogram } from '../hll/hll-count.js';
import {
  cachedCardinality,
  denseGet,
  denseSet,
  elementPattern,
  HLL_DENSE,
  HLL_HDR_BYTES,
  HLL_REGISTERS,
  HLL_SPARSE,
  hllEncoding,
  HllValue,
  invalidateCache,
  isCacheValid,
  isValidHll,
  writeCardinality,
} from '../hll/hll-layout.js';
import { sparseDecodeText, sparseMergeInto, sparseSet, sparseToDense } from '../hll/hll-sparse.js';
import { pfSelfTest } from '../hll/selftest.js';
import { metaKey } from '../keys.js';
import { FLAG_RAW, KeyType, stringValue } from '../meta.js';
import { writeString } from './string-ops.js';

const G = 'hyperloglog';
const PFCOUNT_NAME = Buffer.from('PFCOUNT');

/** Redis's reply for a string that is not an HLL (a WRONGTYPE with its own text). */
function notHll(): SeshatError {
  return new SeshatError('WRONGTYPE', 'Key is not a valid HyperLogLog string value.');
}

function corrupted(): SeshatError {
  return new SeshatError('INVALIDOBJ', 'Corrupted HLL object detected');
}

/** The meta record of the HLL at `mk`, undefined if missing; Redis's errors for other values. */
function lookupHll(ctx: Ctx, mk: Buffer, countStats: boolean): Buffer | undefined {
  const raw = ctx.lookupTyped(mk, KeyType.String, countStats);
  if (raw !== undefined && !isValidHll(stringValue(raw))) throw notHll();
  return raw;
}

/** Offers `element` to its register (Redis hllAdd): 1 changed, 0 not, -1 corrupted. */
function hllAdd(h: HllValue, element: Buffer, sparseMaxBytes: number): -1 | 0 | 1 {
  const pattern = elementPattern(element);
  const index = pattern % HLL_REGISTERS;
  const count = (pattern - index) / HLL_REGISTERS;
  if (h.encoding === HLL_SPARSE) return sparseSet(h, index, count, sparseMaxBytes);
  if (denseGet(h.bytes, HLL_HDR_BYTES, index) >= count) return 0;
  denseSet(h.bytes, HLL_HDR_BYTES, index, count);
  return 1;
}

/** Stores an edited HLL in place of `old` (keeping its TTL; "raw", as Redis unshares it). */
function storeHll(ctx: Ctx, mk: Buffer, h: HllValue, old: Buffer | undefined): void {
  const value = h.toBuffer();
  // Edits keep the header valid (a corrupted sparse body may stay corrupted, as in Redis).
  assert(isValidHll(value), 'an HLL edit produced an invalid header');
  writeString(ctx, mk, value, old, -1, FLAG_RAW);
}

function pfadd(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const old = lookupHll(ctx, mk, false);
  const h = old === undefined ? HllValue.empty() : HllValue.of(stringValue(old));
  let updated = old === undefined ? 1 : 0;
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(h, argv[j]!, ctx.limits.hllSparseMaxBytes);
    if (r === 1) updated++;
    else if (r === -1) {
      // Redis edits the value in place: the elements before the corrupted spot stay added.
      if (updated > 0) storeHll(ctx, mk, h, old);
      throw corrupted();
    }
  }
  if (updated === 0) return 0;
  invalidateCache(h.bytes);
  storeHll(ctx, mk, h, old);
  ctx.notify('$', 'pfadd', argv[1]!);
  return 1;
}

function pfcount(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length > 2) return unionCount(ctx, argv);
  const mk = metaKey(ctx.db, argv[1]!);
  const raw = lookupHll(ctx, mk, !ctx.writing);
  if (raw === undefined) return 0;
  const value = stringValue(raw);
  if (isCacheValid(value)) return cachedCardinality(value);
  const card = hllCount(value, value.length);
  if (card === undefined) throw corrupted();
  if (ctx.writing) {
    const h = HllValue.of(value);
    writeCardinality(h.bytes, card);
    storeHll(ctx, mk, h, raw);
  } else {
    (ctx.followUps ??= []).push([PFCOUNT_NAME, argv[1]!]);
  }
  return card;
}

/** max[i] = max(max[i], register i of `value`); false when the value is corrupted. */
function mergeInto(max: Uint8Array, value: Buffer): boolean {
  if (hllEncoding(value) === HLL_SPARSE) return sparseMergeInto(value, value.length, max);
  for (let i = 0; i < HLL_REGISTERS; i++) {
    const v = denseGet(value, HLL_HDR_BYTES, i);
    if (v > max[i]!) max[i] = v;
  }
  return true;
}

/** PFCOUNT of several keys: the cardinality of their union; nothing is cached. */
function unionCount(ctx: Ctx, argv: Buffer[]): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  for (let j = 1; j < argv.length; j++) {
    const raw = lookupHll(ctx, metaKey(ctx.db, argv[j]!), !ctx.writing);
    if (raw === undefined) continue;
    if (!mergeInto(max, stringValue(raw))) throw corrupted();
  }
  const histo = new Int32Array(HISTOGRAM_SLOTS);
  rawHistogram(max, histo);
  return estimate(histo);
}

function pfmerge(ctx: Ctx, argv: Buffer[]): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const raw = lookupHll(ctx, metaKey(ctx.db, argv[j]!), false);
    if (raw === undefined) continue;
    const value = stringValue(raw);
    if (hllEncoding(value) === HLL_DENSE) useDense = true;
    if (!mergeInto(max, value)) throw corrupted();
  }
  // The destination was among the sources: it is missing or a valid HLL.
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookup(mk);
  const h = old === undefined ? HllValue.empty() : HllValue.of(stringValue(old));
  if (useDense && !sparseToDense(h)) throw corrupted();
  for (let j = 0; j < HLL_REGISTERS; j++) {
    const v = max[j]!;
    if (v === 0) continue;
    if (h.encoding === HLL_DENSE) {
      if (denseGet(h.bytes, HLL_HDR_BYTES, j) < v) denseSet(h.bytes, HLL_HDR_BYTES, j, v);
    } else {
      sparseSet(h, j, v, ctx.limits.hllSparseMaxBytes);
    }
  }
  invalidateCache(h.bytes);
  storeHll(ctx, mk, h, old);
  // Redis's event for PFMERGE is "pfadd": semantically a mass add.
  ctx.notify('$', 'pfadd', argv[1]!);
  return OK;
}

const DENSE_REPLY = new SimpleString('dense');
const SPARSE_REPLY = new SimpleString('sparse');

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key (the key is checked before the subcommand). */
function pfdebug(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[2]!);
  if (ctx.lookup(mk) === undefined) throw new SeshatError('ERR', 'The specified key does not exist');
  const raw = lookupHll(ctx, mk, false)!;
  const value = stringValue(raw);
  const sub = argv[1]!;
  if (argIs(sub, 'getreg')) {
    const h = toDense(ctx, mk, raw);
    const regs: Reply[] = new Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) regs[i] = denseGet(h.bytes, HLL_HDR_BYTES, i);
    return regs;
  }
  if (argIs(sub, 'decode')) {
    if (hllEncoding(value) !== HLL_SPARSE) throw new SeshatError('ERR', 'HLL encoding is not sparse');
    return sparseDecodeText(value);
  }
  if (argIs(sub, 'encoding')) return hllEncoding(value) === HLL_DENSE ? DENSE_REPLY : SPARSE_REPLY;
  if (argIs(sub, 'todense')) {
    const wasSparse = hllEncoding(value) === HLL_SPARSE;
    toDense(ctx, mk, raw);
    return wasSparse ? 1 : 0;
  }
  throw new SeshatError('ERR', `Unknown PFDEBUG subcommand '${sub.toString('latin1')}'`);
}

/** The HLL at `mk` as dense, stored as such if it was sparse (the cache bytes are kept). */
function toDense(ctx: Ctx, mk: Buffer, raw: Buffer): HllValue {
  const h = HllValue.of(stringValue(raw));
  if (h.encoding === HLL_DENSE) return h;
  if (!sparseToDense(h)) throw corrupted();
  storeHll(ctx, mk, h, raw);
  return h;
}

function pfselftest(ctx: Ctx): Reply {
  const failure = pfSelfTest(ctx.random, ctx.limits.hllSparseMaxBytes);
  if (failure !== null) throw new SeshatError('ERR', failure);
  return OK;
}

const ADDED = 'Adds the specified elements to the specified HyperLogLog.';

defineCommand(
  {
    name: 'pfadd',
    arity: -2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: G,
    summary: ADDED,
    since: '2.8.9',
    exec: 'write',
  },
  pfadd,
);
defineCommand(
  {
    name: 'pfcount',
    arity: -2,
    flags: 'readonly',
    keys: [1, -1, 1],
    group: G,
    summary: 'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).',
    since: '2.8.9',
    exec: 'read',
  },
  pfcount,
);
defineCommand(
  {
    name: 'pfmerge',
    arity: -2,
    flags: 'write denyoom',
    keys: [1, -1, 1],
    group: G,
    summary: 'Merge N different HyperLogLogs into a single one.',
    since: '2.8.9',
    exec: 'write',
  },
  pfmerge,
);
defineCommand(
  {
    name: 'pfdebug',
    arity: 3,
    flags: 'write denyoom admin',
    keys: [2, 2, 1],
    group: G,
    summary: 'Internal commands for debugging HyperLogLog values',
    since: '2.8.9',
    exec: 'write',
  },
  pfdebug,
);
defineCommand(
  {
    name: 'pfselftest',
    arity: 1,
    flags: 'admin',
    group: G,
    summary: 'An internal command for testing HyperLogLog values',
    since: '2.8.9',
    exec: 'read',
  },
  pfselftest,
);
