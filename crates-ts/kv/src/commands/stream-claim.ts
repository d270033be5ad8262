/**
 * XCLAIM and XAUTOCLAIM (Redis 7.0 t_stream.c): change the owner of pending entries. Writes;
 * "now" is the entry's stamp, so idle checks and new delivery times agree on every replica.
 * Pending entries whose stream entry is gone are dropped from the PEL.
 */
import { type Reply, SeshatError } from '@seshat/common';
import { argIs, tryParseI64 } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import {
  compareIds,
  idReply,
  MAX_ID,
  parseRangeBound,
  parseStrictId,
  type StreamId,
  ZERO_ID,
} from '../stream-id.js';
import { type Consumer, getGroup, GroupState, type Nack, scanPel } from '../stream-groups.js';
import { entryKey, openStream } from '../stream-store.js';
import { noKeyOrGroup } from './stream-groups.js';
import { entryReply } from './streams.js';

/** XAUTOCLAIM looks at up to this many PEL entries per entry it may claim. */
const AUTOCLAIM_ATTEMPTS_FACTOR = 10;
/** XAUTOCLAIM's COUNT bound: LONG_MAX / max(sizeof(streamID), attempts factor). */
const AUTOCLAIM_COUNT_MAX = 9223372036854775807n / 16n;
const AUTOCLAIM_COUNT_DEFAULT = 100;

function err(message: string): SeshatError {
  return new SeshatError('ERR', message);
}

function parseLong(arg: Buffer, message: string): bigint {
  const v = tryParseI64(arg);
  if (v === undefined) throw err(message);
  return v;
}

/** Gives pending entry `n` to `owner` as XCLAIM/XAUTOCLAIM do; `previous` is its owner before
 * (null: XCLAIM FORCE made it). */
function claim(
  gs: GroupState,
  n: Nack,
  owner: Consumer,
  previous: Buffer | null,
  deliveryMs: number,
  retry: { bump: boolean; count: bigint },
): void {
  n.deliveryTimeMs = deliveryMs;
  if (retry.count >= 0n) n.deliveryCount = retry.count;
  else if (retry.bump) n.deliveryCount++;
  gs.putNack(n, owner, previous);
}

interface ClaimOptions {
  force: boolean;
  justId: boolean;
  /** -1: neither IDLE nor TIME given. */
  deliveryMs: number;
  retryCount: bigint;
  lastId: StreamId;
}

/** XCLAIM's options after the IDs, in Redis's order and with its texts. */
function parseClaimOptions(ctx: Ctx, argv: Buffer[], from: number): ClaimOptions {
  const o: ClaimOptions = { force: false, justId: false, deliveryMs: -1, retryCount: -1n, lastId: ZERO_ID };
  for (let j = from; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    const opt = argv[j]!;
    if (argIs(opt, 'force')) o.force = true;
    else if (argIs(opt, 'justid')) o.justId = true;
    else if (argIs(opt, 'idle') && moreArgs > 0) {
      const idle = parseLong(argv[++j]!, 'Invalid IDLE option argument for XCLAIM');
      o.deliveryMs = Number(BigInt(Math.floor(ctx.nowMs)) - idle);
    } else if (argIs(opt, 'time') && moreArgs > 0) {
      o.deliveryMs = Number(parseLong(argv[++j]!, 'Invalid TIME option argument for XCLAIM'));
    } else if (argIs(opt, 'retrycount') && moreArgs > 0) {
      o.retryCount = parseLong(argv[++j]!, 'Invalid RETRYCOUNT option argument for XCLAIM');
    } else if (argIs(opt, 'lastid') && moreArgs > 0) o.lastId = parseStrictId(argv[++j]!);
    else throw err(`Unrecognized XCLAIM option '${opt.toString('latin1')}'`);
  }
  return o;
}

function tryParseStrictId(arg: Buffer): StreamId | null {
  try {
    return parseStrictId(arg);
  } catch {
    return null;
  }
}

function xclaim(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!));
  const g = s === undefined ? undefined : getGroup(ctx, s, argv[2]!);
  if (s === undefined || g === undefined) throw noKeyOrGroup(argv[1]!, argv[2]!);
  let minIdle = parseLong(argv[4]!, 'Invalid min-idle-time argument for XCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = tryParseStrictId(argv[j]!);
    if (id === null) break;
    ids.push(id);
  }
  const o = parseClaimOptions(ctx, argv, j);
  const now = ctx.nowMs;
  if (compareIds(o.lastId, g.lastId) > 0) g.lastId = o.lastId;
  const deliveryMs = o.deliveryMs === -1 || o.deliveryMs < 0 || o.deliveryMs > now ? now : o.deliveryMs;
  const gs = new GroupState(ctx, s, g);
  const out: Reply[] = [];
  let owner: Consumer | undefined;
  const retry = { bump: !o.justId, count: o.retryCount };
  for (const id of ids) {
    let n = gs.nack(id);
    let previous = n === undefined ? null : n.consumer;
    const fields = ctx.store.get('stream', entryKey(s, id));
    if (fields === undefined) {
      if (n !== undefined) gs.deleteNack(n);
      continue;
    }
    if (o.force && n === undefined) {
      // FORCE makes a pending entry with no owner yet (Redis's NACK with a NULL consumer).
      n = { id, deliveryTimeMs: now, deliveryCount: 1n, consumer: owner?.name ?? argv[3]! };
      previous = null;
    }
    if (n === undefined) continue;
    if (previous !== null && minIdle > 0n && BigInt(now - n.deliveryTimeMs) < minIdle) continue;
    owner ??= gs.consumerOrCreate(argv[3]!, argv[1]!);
    claim(gs, n, owner, previous, deliveryMs, retry);
    out.push(o.justId ? idReply(id) : entryReply(id, fields));
  }
  gs.save();
  return out;
}

interface AutoclaimArgs {
  minIdle: bigint;
  start: StreamId;
  count: number;
  justId: boolean;
}

function parseAutoclaimArgs(argv: Buffer[]): AutoclaimArgs {
  let minIdle = parseLong(argv[4]!, 'Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const a: AutoclaimArgs = {
    minIdle,
    start: parseRangeBound(argv[5]!, true),
    count: AUTOCLAIM_COUNT_DEFAULT,
    justId: false,
  };
  for (let j = 6; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    if (argIs(argv[j]!, 'count') && moreArgs > 0) {
      const v = parseLong(argv[++j]!, 'COUNT must be > 0');
      if (v < 1n || v > AUTOCLAIM_COUNT_MAX) throw err('COUNT must be > 0');
      a.count = Number(v);
    } else if (argIs(argv[j]!, 'justid')) a.justId = true;
    else throw err('syntax error');
  }
  return a;
}

function xautoclaim(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseAutoclaimArgs(argv);
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!));
  const g = s === undefined ? undefined : getGroup(ctx, s, argv[2]!);
  if (s === undefined || g === undefined) throw noKeyOrGroup(argv[1]!, argv[2]!);
  const gs = new GroupState(ctx, s, g);
  const now = ctx.nowMs;
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  let attempts = a.count * AUTOCLAIM_ATTEMPTS_FACTOR;
  let count = a.count;
  let cursor = ZERO_ID;
  let owner: Consumer | undefined;
  scanPel(ctx, s, g.name, null, a.start, MAX_ID, (n) => {
    if (attempts === 0 || count === 0) {
      cursor = n.id;
      return false;
    }
    attempts--;
    const fields = ctx.store.get('stream', entryKey(s, n.id));
    if (fields === undefined) {
      gs.deleteNack(n);
      deleted.push(idReply(n.id));
      count--;
      return true;
    }
    if (a.minIdle > 0n && BigInt(now - n.deliveryTimeMs) < a.minIdle) return true;
    owner ??= gs.consumerOrCreate(argv[3]!, argv[1]!);
    claim(gs, n, owner, n.consumer, now, { bump: !a.justId, count: -1n });
    claimed.push(a.justId ? idReply(n.id) : entryReply(n.id, fields));
    count--;
    return true;
  });
  gs.save();
  return [idReply(cursor), claimed, deleted];
}

defineCommand(
  {
    name: 'xclaim',
    arity: -6,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: 'stream',
    summary: 'XCLAIM',
    since: '5.0.0',
    exec: 'write',
  },
  xclaim,
);
defineCommand(
  {
    name: 'xautoclaim',
    arity: -6,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: 'stream',
    summary: 'XAUTOCLAIM',
    since: '6.2.0',
    exec: 'write',
  },
  xautoclaim,
);
