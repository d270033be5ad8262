/**
 * XREAD (Redis 7.0 t_stream.c xreadCommand, blocked.c serveClientsBlockedOnStreamKey), and the
 * argument parsing XREADGROUP shares with it. XREAD is a read: without BLOCK, or when some
 * stream has entries after the given ID, it answers at once. Otherwise it answers a
 * BlockRequest (kv/blocking.ts) naming its streams and the IDs it waits after (`$` resolved to
 * each stream's last ID now, as Redis does when the client blocks); the server parks the client
 * and re-runs `xreadRetry` on its own applied state whenever an entry changes one of them.
 */
import { MapOrPairsReply, NULL_ARRAY, type Reply, SeshatError } from '@seshat/common';
import { argIs, tryParseI64 } from '../args.js';
import { BlockRequest, WOULD_BLOCK } from '../blocking.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { KeyType, metaType } from '../meta.js';
import {
  compareIds,
  encodeId,
  MAX_ID,
  nextId,
  parseStrictId,
  readId,
  type StreamId,
  ZERO_ID,
} from '../stream-id.js';
import { edgeId, openStream, type StreamHandle } from '../stream-store.js';
import { rangeReply } from './streams.js';

/** Entries a blocked XREAD/XREADGROUP gets at most when it gave no COUNT (Redis's
 * XREAD_BLOCKED_DEFAULT_COUNT): a low ID must not make the server send a huge reply. */
export const XREAD_BLOCKED_COUNT_DEFAULT = 1000;

/** Options of XREAD and XREADGROUP. */
export interface ReadArgs {
  /** Milliseconds of BLOCK; -1 when absent, 0 forever. */
  timeoutMs: number;
  /** Entries per stream at most; 0: no limit. */
  count: number;
  /** Index in argv of the first key; the IDs follow the keys. */
  streamsAt: number;
  streams: number;
  group: Buffer | null;
  consumer: Buffer | null;
  noack: boolean;
}

function err(message: string): SeshatError {
  return new SeshatError('ERR', message);
}

/** BLOCK's milliseconds: an integer, not negative (getTimeoutFromObjectOrReply, UNIT_MILLISECONDS). */
function parseBlockMs(arg: Buffer): number {
  const v = tryParseI64(arg);
  if (v === undefined) throw err('timeout is not an integer or out of range');
  if (v < 0n) throw err('timeout is negative');
  // Deadlines past 2^52 ms (~140,000 years) are as good as forever.
  return v > 2n ** 52n ? 2 ** 52 : Number(v);
}

/** xreadCommand's option loop, with its error texts and order (`inScript`: called by a script). */
export function parseReadArgs(argv: Buffer[], xreadgroup: boolean, inScript = false): ReadArgs {
  const a: ReadArgs = {
    timeoutMs: -1,
    count: 0,
    streamsAt: 0,
    streams: 0,
    group: null,
    consumer: null,
    noack: false,
  };
  for (let i = 1; i < argv.length; i++) {
    const moreArgs = argv.length - i - 1;
    const o = argv[i]!;
    if (argIs(o, 'block') && moreArgs > 0) {
      // Redis refuses BLOCK in scripts outright (they could never block anyway).
      if (inScript)
        throw err(
          `${xreadgroup ? 'xreadgroup' : 'xread'} command is not allowed with BLOCK option from scripts`,
        );
      a.timeoutMs = parseBlockMs(argv[++i]!);
    } else if (argIs(o, 'count') && moreArgs > 0) {
      const v = tryParseI64(argv[++i]!);
      if (v === undefined) throw err('value is not an integer or out of range');
      a.count = v < 0n ? 0 : Number(v);
    } else if (argIs(o, 'streams') && moreArgs > 0) {
      a.streamsAt = i + 1;
      const n = argv.length - a.streamsAt;
      if (n % 2 !== 0) {
        throw err("Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      a.streams = n / 2;
      break;
    } else if (argIs(o, 'group') && moreArgs >= 2) {
      if (!xreadgroup)
        throw err('The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      a.group = argv[i + 1]!;
      a.consumer = argv[i + 2]!;
      i += 2;
    } else if (argIs(o, 'noack')) {
      if (!xreadgroup)
        throw err('The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      a.noack = true;
    } else throw err('syntax error');
  }
  if (a.streamsAt === 0) throw err('syntax error');
  if (xreadgroup && a.group === null) throw err('Missing GROUP option for XREADGROUP');
  return a;
}

function isDollar(arg: Buffer): boolean {
  return arg.length === 1 && arg[0] === 0x24;
}

/** The ID each stream is read after; `$` is the stream's last ID (0-0 if it does not exist). */
function xreadIds(ctx: Ctx, argv: Buffer[], a: ReadArgs): StreamId[] {
  const ids: StreamId[] = [];
  for (let j = 0; j < a.streams; j++) {
    const s = openStream(ctx, metaKey(ctx.db, argv[a.streamsAt + j]!));
    const arg = argv[a.streamsAt + a.streams + j]!;
    if (isDollar(arg)) ids.push(s === undefined ? ZERO_ID : s.meta.lastId);
    else if (arg.length === 1 && arg[0] === 0x3e) {
      throw err(
        'The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
      );
    } else ids.push(parseStrictId(arg));
  }
  return ids;
}

/** Entries of `s` after `after`, as the [key, entries] pair of the reply. */
function servePair(ctx: Ctx, key: Buffer, s: StreamHandle, after: StreamId, count: number): Reply[] {
  return [key, rangeReply(ctx, s, nextId(after) ?? MAX_ID, MAX_ID, false, count)];
}

function xread(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseReadArgs(argv, false, ctx.inScript);
  const ids = xreadIds(ctx, argv, a);
  const out: Reply[] = [];
  for (let j = 0; j < a.streams; j++) {
    const key = argv[a.streamsAt + j]!;
    const s = openStream(ctx, metaKey(ctx.db, key));
    if (s === undefined || s.meta.length === 0) continue;
    const top = edgeId(ctx, s, true);
    if (top !== null && compareIds(top, ids[j]!) > 0) out.push(...servePair(ctx, key, s, ids[j]!, a.count));
  }
  if (out.length > 0) return new MapOrPairsReply(out);
  if (a.timeoutMs < 0 || ctx.inTransaction) return NULL_ARRAY;
  return blockRequest(argv, a, ids);
}

/** XREAD's BlockRequest: each distinct key with the first ID given for it (Redis keeps the
 * first when a key repeats). */
function blockRequest(argv: Buffer[], a: ReadArgs, ids: StreamId[]): BlockRequest {
  const keys: Buffer[] = [];
  const after: StreamId[] = [];
  for (let j = 0; j < a.streams; j++) {
    const key = argv[a.streamsAt + j]!;
    if (keys.some((k) => k.equals(key))) continue;
    keys.push(key);
    after.push(ids[j]!);
  }
  const count = Buffer.from(String(a.count > 0 ? a.count : XREAD_BLOCKED_COUNT_DEFAULT));
  const retryArgv = (indexes: number[]): Buffer[] => {
    const r: Buffer[] = [XREAD_RETRY, count];
    for (const i of indexes) r.push(keys[i]!, encodeId(after[i]!));
    return r;
  };
  return new BlockRequest(keys, a.timeoutMs, retryArgv, xreadRetry);
}

const XREAD_RETRY = Buffer.from('xread-retry');

/**
 * A parked XREAD's retry: argv = [name, count, key, id(16 bytes), key, id, ...] in the order the
 * keys changed. Serves the first stream whose last ID is past the one waited after, even if its
 * newer entries were deleted meanwhile (the reply then holds no entries, as in Redis); a key of
 * another type is ignored. WOULD_BLOCK when none.
 */
export function xreadRetry(ctx: Ctx, argv: Buffer[]): Reply {
  const count = Number(argv[1]!.toString('latin1'));
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i]!;
    const mk = metaKey(ctx.db, key);
    const raw = ctx.lookup(mk);
    if (raw === undefined || metaType(raw) !== KeyType.Stream) continue;
    const s = openStream(ctx, mk, false)!;
    const after = readId(argv[i + 1]!, 0);
    if (compareIds(s.meta.lastId, after) > 0)
      return new MapOrPairsReply(servePair(ctx, key, s, after, count));
  }
  return WOULD_BLOCK;
}

defineCommand(
  {
    name: 'xread',
    arity: -4,
    flags: 'readonly blocking movablekeys',
    keys: [0, 0, 0],
    group: 'stream',
    summary: 'XREAD',
    since: '5.0.0',
    exec: 'read',
  },
  xread,
);
