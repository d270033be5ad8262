/**
 * XADD/XTRIM trimming options and the trimming itself, with Redis 7.0's rules
 * (t_stream.c streamParseAddOrTrimArgsOrReply, streamTrim): exact trimming deletes entries
 * one by one from the head; `~` removes whole nodes only and at most LIMIT entries (by
 * default 100 nodes' worth), so the result depends on the node boundaries stream-store.ts
 * keeps where Redis has them.
 */
import { assert, SeshatError } from '@seshat/common';
import { argIs, tryParseI64 } from './args.js';
import type { Ctx } from './ctx.js';
import { parseId, parseStrictId, type StreamId, compareIds, ZERO_ID } from './stream-id.js';
import {
  deleteNodeEntries,
  dropNode,
  entryKey,
  nodeEntriesEnd,
  putNode,
  refreshFirstId,
  scanEntries,
  scanNodes,
  type StreamHandle,
  type StreamNode,
} from './stream-store.js';

export const TRIM_NONE = 0;
export const TRIM_MAXLEN = 1;
export const TRIM_MINID = 2;

/** Bounds of the default LIMIT of `~` trimming (100 nodes' worth of entries). */
const APPROX_LIMIT_FALLBACK = 10_000;
const APPROX_LIMIT_MAX = 1_000_000;
const APPROX_LIMIT_NODES = 100;

export interface AddTrimArgs {
  strategy: number;
  approx: boolean;
  /** Most entries to delete; 0: no limit. */
  limit: number;
  maxlen: number;
  minid: StreamId;
  /** XADD only. */
  noMkStream: boolean;
  idGiven: boolean;
  seqGiven: boolean;
  id: StreamId;
  /** XADD: argv index of the ID (the fields follow it). */
  idIndex: number;
}

function err(message: string): SeshatError {
  return new SeshatError('ERR', message);
}

function parseLongLong(arg: Buffer): bigint {
  const v = tryParseI64(arg);
  if (v === undefined) throw err('value is not an integer or out of range');
  return v;
}

/** Parses `MAXLEN|MINID [=|~] <threshold>` at argv[i]; returns the index of the threshold. */
function parseStrategy(argv: Buffer[], i: number, a: AddTrimArgs, maxlen: boolean): number {
  if (a.strategy !== TRIM_NONE) {
    throw err('syntax error, MAXLEN and MINID options at the same time are not compatible');
  }
  const moreArgs = argv.length - 1 - i;
  a.approx = false;
  const next = argv[i + 1]!;
  if (moreArgs >= 2 && next.length === 1 && (next[0] === 0x7e || next[0] === 0x3d)) {
    a.approx = next[0] === 0x7e;
    i++;
  }
  if (maxlen) {
    const v = parseLongLong(argv[i + 1]!);
    if (v < 0n) throw err('The MAXLEN argument must be >= 0.');
    a.maxlen = Number(v);
    a.strategy = TRIM_MAXLEN;
  } else {
    a.minid = parseStrictId(argv[i + 1]!);
    a.strategy = TRIM_MINID;
  }
  return i + 1;
}

/**
 * streamParseAddOrTrimArgsOrReply for XADD (`xadd`) or XTRIM, with `maxEntries` =
 * stream-node-max-entries for the default LIMIT of `~`.
 */
export function parseAddTrimArgs(argv: Buffer[], xadd: boolean, maxEntries: number): AddTrimArgs {
  const a: AddTrimArgs = {
    strategy: TRIM_NONE,
    approx: false,
    limit: 0,
    maxlen: 0,
    minid: ZERO_ID,
    noMkStream: false,
    idGiven: false,
    seqGiven: true,
    id: ZERO_ID,
    idIndex: argv.length,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreArgs = argv.length - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt.length === 1 && opt[0] === 0x2a) break;
    if (argIs(opt, 'maxlen') && moreArgs > 0) i = parseStrategy(argv, i, a, true);
    else if (argIs(opt, 'minid') && moreArgs > 0) i = parseStrategy(argv, i, a, false);
    else if (argIs(opt, 'limit') && moreArgs > 0) {
      const v = parseLongLong(argv[++i]!);
      if (v < 0n) throw err('The LIMIT argument must be >= 0.');
      a.limit = Number(v);
      limitGiven = true;
    } else if (xadd && argIs(opt, 'nomkstream')) a.noMkStream = true;
    else if (xadd) {
      const p = parseId(opt, { missingSeq: 0n, strict: true, allowAutoSeq: true });
      a.id = p.id;
      a.seqGiven = p.seqGiven;
      a.idGiven = true;
      break;
    } else throw err('syntax error');
  }
  a.idIndex = i;
  checkLimit(a, xadd, limitGiven, maxEntries);
  return a;
}

function checkLimit(a: AddTrimArgs, xadd: boolean, limitGiven: boolean, maxEntries: number): void {
  if (a.limit !== 0 && a.strategy === TRIM_NONE) {
    throw err('syntax error, LIMIT cannot be used without specifying a trimming strategy');
  }
  if (!xadd && a.strategy === TRIM_NONE)
    throw err('syntax error, XTRIM must be called with a trimming strategy');
  if (limitGiven) {
    if (!a.approx) throw err('syntax error, LIMIT cannot be used without the special ~ option');
  } else if (a.approx) {
    let limit = APPROX_LIMIT_NODES * maxEntries;
    if (limit <= 0) limit = APPROX_LIMIT_FALLBACK;
    a.limit = Math.min(limit, APPROX_LIMIT_MAX);
  } else a.limit = 0;
}

/** streamTrim: returns the number of entries deleted; the caller saves the stream. */
export function trimStream(ctx: Ctx, s: StreamHandle, a: AddTrimArgs): number {
  if (a.strategy === TRIM_NONE) return 0;
  const m = s.meta;
  const byLength = a.strategy === TRIM_MAXLEN;
  let deleted = 0;
  scanNodes(ctx, s, ZERO_ID, false, (node) => {
    if (byLength && m.length <= a.maxlen) return false;
    const entries = node.live;
    if (a.limit !== 0 && deleted + entries > a.limit) return false;
    const removeNode = byLength ? m.length - entries >= a.maxlen : compareIds(node.lastId, a.minid) < 0;
    if (removeNode) {
      deleteNodeEntries(ctx, s, node);
      dropNode(ctx, s, node);
      m.length -= entries;
      deleted += entries;
      return true;
    }
    if (!a.approx) deleted += trimInsideNode(ctx, s, node, a);
    return false;
  });
  if (m.length === 0) m.firstId = ZERO_ID;
  else if (deleted > 0) refreshFirstId(ctx, s);
  return deleted;
}

/** Exact trimming inside the head node: deletes its entries from the start while needed. */
function trimInsideNode(ctx: Ctx, s: StreamHandle, node: StreamNode, a: AddTrimArgs): number {
  const m = s.meta;
  const doomed: StreamId[] = [];
  scanEntries(ctx, s, node.master, nodeEntriesEnd(ctx, s, node), false, (id) => {
    const stop =
      a.strategy === TRIM_MAXLEN ? m.length - doomed.length <= a.maxlen : compareIds(id, a.minid) >= 0;
    if (stop) return false;
    doomed.push(id);
    return true;
  });
  for (const id of doomed) ctx.store.del('stream', entryKey(s, id));
  m.length -= doomed.length;
  // The node stays even when nothing live is left in it, as Redis's listpack does.
  assert(doomed.length <= node.live, 'trimmed more entries than the node holds');
  node.live -= doomed.length;
  node.deleted += doomed.length;
  putNode(ctx, s, node);
  return doomed.length;
}
