/**
 * XREADGROUP (Redis 7.0 t_stream.c xreadCommand with GROUP, streamReplyWithRange with a group,
 * streamReplyWithRangeFromConsumerPEL; blocked.c for blocked clients). A write: delivering
 * entries moves the group's last ID and read counter and fills the PEL (unless NOACK), with the
 * entry's stamp as delivery time. `>` with nothing new blocks: the answer is a BlockRequest whose
 * retry is the internal write INTERNAL_XREADGROUP, proposed through the log whenever an entry
 * touches one of the streams, so every replica delivers the same entries to the same consumer.
 */
import { ErrorReply, MapOrPairsReply, NULL_ARRAY, type Reply, SeshatError } from '@seshat/common';
import { BlockRequest, WOULD_BLOCK } from '../blocking.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { KeyType, metaType } from '../meta.js';
import { compareIds, idReply, MAX_ID, nextId, parseStrictId, type StreamId } from '../stream-id.js';
import { type Consumer, getGroup, GroupState, type Nack, scanPel } from '../stream-groups.js';
import { entriesReadAfter } from '../stream-lag.js';
import { edgeId, entryKey, openStream, scanEntries, type StreamHandle } from '../stream-store.js';
import { parseReadArgs, XREAD_BLOCKED_COUNT_DEFAULT } from './stream-read.js';
import { entryReply } from './streams.js';

/** The retry of a blocked XREADGROUP: [name, group, consumer, count, noack (0|1), key...]. */
export const INTERNAL_XREADGROUP = Buffer.from('\x00xreadgroup');

const DOLLAR_ERROR =
  'The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.';

/** One stream of an XREADGROUP: its group, and the ID to read after (null: `>`). */
interface Target {
  key: Buffer;
  gs: GroupState;
  after: StreamId | null;
}

/**
 * Delivers new entries from `start` to `consumer` (streamReplyWithRange with a group): moves the
 * group's last ID and read counter, and (unless `noack`) adds or reassigns PEL entries.
 */
function deliver(
  ctx: Ctx,
  gs: GroupState,
  consumer: Consumer,
  start: StreamId,
  count: number,
  noack: boolean,
): Reply[] {
  const s = gs.s;
  const g = gs.group;
  const out: Reply[] = [];
  scanEntries(ctx, s, start, MAX_ID, false, (id, fields) => {
    if (compareIds(id, g.lastId) > 0) {
      g.entriesRead = entriesReadAfter(s.meta, g, id);
      g.lastId = id;
    }
    out.push(entryReply(id, fields));
    if (!noack) {
      const previous = gs.nack(id);
      const n: Nack = { id, deliveryTimeMs: ctx.nowMs, deliveryCount: 1n, consumer: consumer.name };
      gs.putNack(n, consumer, previous === undefined ? null : previous.consumer);
    }
    return count === 0 || out.length < count;
  });
  return out;
}

/** The consumer's own pending entries from `start` (streamReplyWithRangeFromConsumerPEL):
 * each delivered again (time now, count + 1), or [id, nil] when the entry is gone. */
function history(ctx: Ctx, gs: GroupState, consumer: Consumer, start: StreamId, count: number): Reply[] {
  const out: Reply[] = [];
  scanPel(ctx, gs.s, gs.group.name, consumer.name, start, MAX_ID, (n) => {
    const fields = ctx.store.get('stream', entryKey(gs.s, n.id));
    if (fields === undefined) out.push([idReply(n.id), NULL_ARRAY]);
    else {
      out.push(entryReply(n.id, fields));
      n.deliveryTimeMs = ctx.nowMs;
      n.deliveryCount++;
      gs.putNack(n, consumer, consumer.name);
    }
    return count === 0 || out.length < count;
  });
  return out;
}

function noGroupError(key: Buffer, group: Buffer): SeshatError {
  return new SeshatError(
    'NOGROUP',
    `No such key '${key.toString('latin1')}' or consumer group '${group.toString('latin1')}' in XREADGROUP with GROUP option`,
  );
}

/** Resolves every stream's group and ID, with Redis's checks in its order (per stream: type,
 * group, ID). Streams named twice share one GroupState, as they share Redis's group. */
function targets(ctx: Ctx, argv: Buffer[], streamsAt: number, streams: number, group: Buffer): Target[] {
  const states = new Map<string, GroupState>();
  const out: Target[] = [];
  for (let j = 0; j < streams; j++) {
    const key = argv[streamsAt + j]!;
    const s = openStream(ctx, metaKey(ctx.db, key));
    const g = s === undefined ? undefined : getGroup(ctx, s, group);
    if (s === undefined || g === undefined) throw noGroupError(key, group);
    const arg = argv[streamsAt + streams + j]!;
    if (arg.length === 1 && arg[0] === 0x24) throw new SeshatError('ERR', DOLLAR_ERROR);
    const after = arg.length === 1 && arg[0] === 0x3e ? null : parseStrictId(arg);
    const name = key.toString('latin1');
    let gs = states.get(name);
    if (gs === undefined) {
      gs = new GroupState(ctx, s, g);
      states.set(name, gs);
    }
    out.push({ key, gs, after });
  }
  return out;
}

function xreadgroup(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseReadArgs(argv, true, ctx.inScript);
  const group = a.group!;
  const list = targets(ctx, argv, a.streamsAt, a.streams, group);
  const out: Reply[] = [];
  const served = new Set<GroupState>();
  for (const t of list) {
    const s = t.gs.s;
    ctx.lookupRead(s.mk); // Redis looks every stream up again here (keyspace hit counts)
    let after = t.after;
    if (after === null) {
      const top = s.meta.length > 0 ? edgeId(ctx, s, true) : null;
      if (top === null || compareIds(top, t.gs.group.lastId) <= 0) continue;
      after = t.gs.group.lastId;
    }
    const consumer = t.gs.consumerOrCreate(a.consumer!, t.key);
    const start = nextId(after) ?? MAX_ID;
    const entries =
      t.after === null
        ? deliver(ctx, t.gs, consumer, start, a.count, a.noack)
        : history(ctx, t.gs, consumer, start, a.count);
    out.push(t.key, entries);
    served.add(t.gs);
  }
  for (const gs of served) gs.save();
  if (out.length > 0) return new MapOrPairsReply(out);
  if (a.timeoutMs < 0 || ctx.inTransaction) return NULL_ARRAY;
  return blockRequest(list, a.timeoutMs, a.count, a.noack, group, a.consumer!);
}

function blockRequest(
  list: Target[],
  timeoutMs: number,
  count: number,
  noack: boolean,
  group: Buffer,
  consumer: Buffer,
): BlockRequest {
  const keys: Buffer[] = [];
  for (const t of list) if (!keys.some((k) => k.equals(t.key))) keys.push(t.key);
  const head = [
    INTERNAL_XREADGROUP,
    group,
    consumer,
    Buffer.from(String(count > 0 ? count : XREAD_BLOCKED_COUNT_DEFAULT)),
    Buffer.from(noack ? '1' : '0'),
  ];
  return new BlockRequest(keys, timeoutMs, (indexes) => [...head, ...indexes.map((i) => keys[i]!)], null);
}

const KEY_GONE = new ErrorReply('UNBLOCKED the stream key no longer exists');
const GROUP_GONE = new ErrorReply('NOGROUP the consumer group this client was blocked on no longer exists');

/**
 * A blocked XREADGROUP's retry (blocked.c serveClientsBlockedOnStreamKey and
 * unblockDeletedStreamReadgroupClients), streams in the order they changed: the first one that
 * is gone (or of another type), lost its group, or has entries past the group's last ID
 * answers; WOULD_BLOCK when none does.
 */
function xreadgroupRetry(ctx: Ctx, argv: Buffer[]): Reply {
  const group = argv[1]!;
  const count = Number(argv[3]!.toString('latin1'));
  const noack = argv[4]![0] === 0x31;
  for (let i = 5; i < argv.length; i++) {
    const key = argv[i]!;
    const mk = metaKey(ctx.db, key);
    const raw = ctx.lookup(mk);
    if (raw === undefined || metaType(raw) !== KeyType.Stream) return KEY_GONE;
    const s = openStream(ctx, mk, false) as StreamHandle;
    const g = getGroup(ctx, s, group);
    if (g === undefined) return GROUP_GONE;
    if (compareIds(s.meta.lastId, g.lastId) <= 0) continue;
    const gs = new GroupState(ctx, s, g);
    const consumer = gs.consumerOrCreate(argv[2]!, key);
    const entries = deliver(ctx, gs, consumer, nextId(g.lastId) ?? MAX_ID, count, noack);
    gs.save();
    return new MapOrPairsReply([key, entries]);
  }
  return WOULD_BLOCK;
}

export function internalStreamHandler(name: Buffer): ((ctx: Ctx, argv: Buffer[]) => Reply) | undefined {
  return name.length > 0 && name[0] === 0 && name.equals(INTERNAL_XREADGROUP) ? xreadgroupRetry : undefined;
}

defineCommand(
  {
    name: 'xreadgroup',
    arity: -7,
    flags: 'write blocking movablekeys',
    keys: [0, 0, 0],
    group: 'stream',
    summary: 'XREADGROUP',
    since: '5.0.0',
    exec: 'write',
  },
  xreadgroup,
);
