/**
 * Stream commands on entries (Redis 7.0 t_stream.c): XADD, XRANGE, XREVRANGE, XLEN, XDEL,
 * XTRIM, XSETID. Storage is stream-store.ts; trimming stream-trim.ts. An XADD `*` ID comes
 * from the entry's stamp (ctx.nowMs), so every replica generates the same one.
 */
import { NULL_ARRAY, OK, type Reply, SeshatError } from '@seshat/common';
import { argIs, tryParseI64 } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import {
  compareIds,
  idReply,
  idIsZero,
  nextId,
  parseRangeBound,
  parseStrictId,
  type StreamId,
  U64_MAX,
  ZERO_ID,
} from '../stream-id.js';
import {
  appendEntry,
  decodeFields,
  deleteEntry,
  edgeId,
  newStream,
  openStream,
  refreshFirstId,
  saveStream,
  scanEntries,
  STREAM_LISTPACK_MAX_BYTES,
  type StreamHandle,
} from '../stream-store.js';
import { parseAddTrimArgs, TRIM_NONE, trimStream } from '../stream-trim.js';

const S = 'stream';

function err(message: string): SeshatError {
  return new SeshatError('ERR', message);
}

/** One entry as Redis replies it: [id, [field, value, ...]]. */
export function entryReply(id: StreamId, fields: Buffer): Reply {
  return [idReply(id), decodeFields(fields)];
}

/** Entries with IDs in [start, end] (reversed when `rev`), at most `count` (0: all). */
export function rangeReply(
  ctx: Ctx,
  s: StreamHandle,
  start: StreamId,
  end: StreamId,
  rev: boolean,
  count: number,
): Reply[] {
  const out: Reply[] = [];
  scanEntries(
    ctx,
    s,
    start,
    end,
    rev,
    (id, fields) => {
      out.push(entryReply(id, fields));
      return count === 0 || out.length < count;
    },
    count,
  );
  return out;
}

/** The ID of the new entry (streamAppendItem), or Redis's error when it cannot be added. */
function newEntryId(ctx: Ctx, last: StreamId, given: StreamId | null, seqGiven: boolean): StreamId {
  let id: StreamId;
  if (given === null) {
    // streamNextID: the stamp's ms if it is ahead, else the next sequence of the last ID.
    const ms = BigInt(Math.max(0, Math.floor(ctx.nowMs)));
    id = ms > last.ms ? { ms, seq: 0n } : (nextId(last) ?? ZERO_ID);
  } else if (!seqGiven && given.ms === last.ms) {
    // Redis fails here without setting errno, so the reply is the other error text.
    if (last.seq === U64_MAX) throw err('Elements are too large to be stored');
    id = { ms: last.ms, seq: last.seq + 1n };
  } else id = given;
  if (compareIds(id, last) <= 0) {
    throw err('The ID specified in XADD is equal or smaller than the target stream top item');
  }
  return id;
}

function xadd(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseAddTrimArgs(argv, true, ctx.limits.streamNodeMaxEntries);
  const fieldPos = a.idIndex + 1;
  if (argv.length - fieldPos < 2 || (argv.length - fieldPos) % 2 === 1) {
    throw err("wrong number of arguments for 'xadd' command");
  }
  if (a.idGiven && a.seqGiven && idIsZero(a.id))
    throw err('The ID specified in XADD must be greater than 0-0');
  const mk = metaKey(ctx.db, argv[1]!);
  let s = openStream(ctx, mk, false);
  if (s === undefined) {
    if (a.noMkStream) return null;
    s = newStream(ctx, mk);
    saveStream(ctx, s, true);
    s = openStream(ctx, mk, false)!;
  }
  if (s.meta.lastId.ms === U64_MAX && s.meta.lastId.seq === U64_MAX) {
    throw err('The stream has exhausted the last possible ID, unable to add more items');
  }
  const id = newEntryId(ctx, s.meta.lastId, a.idGiven ? a.id : null, a.seqGiven);
  let total = 0;
  for (let i = fieldPos; i < argv.length; i++) total += argv[i]!.length;
  if (total > STREAM_LISTPACK_MAX_BYTES) throw err('Elements are too large to be stored');
  const limits = { maxEntries: ctx.limits.streamNodeMaxEntries, maxBytes: ctx.limits.streamNodeMaxBytes };
  appendEntry(ctx, s, id, argv.slice(fieldPos), limits);
  ctx.notify('t', 'xadd', argv[1]!);
  if (a.strategy !== TRIM_NONE && trimStream(ctx, s, a) > 0) ctx.notify('t', 'xtrim', argv[1]!);
  saveStream(ctx, s, true);
  return idReply(id);
}

/** XRANGE/XREVRANGE's optional `COUNT n`; -1 when absent, negative counts become 0. */
function parseRangeCount(argv: Buffer[]): number {
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (argIs(argv[j]!, 'count') && argv.length - j - 1 >= 1) {
      const v = tryParseI64(argv[++j]!);
      if (v === undefined) throw err('value is not an integer or out of range');
      count = v < 0n ? 0 : v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
    } else throw err('syntax error');
  }
  return count;
}

function xrange(ctx: Ctx, argv: Buffer[], rev: boolean): Reply {
  const start = parseRangeBound(rev ? argv[3]! : argv[2]!, true);
  const end = parseRangeBound(rev ? argv[2]! : argv[3]!, false);
  const count = parseRangeCount(argv);
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!));
  if (s === undefined) return [];
  if (count === 0) return NULL_ARRAY;
  return rangeReply(ctx, s, start, end, rev, count < 0 ? 0 : count);
}

function xlen(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!));
  return s === undefined ? 0 : s.meta.length;
}

function xdel(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!), false);
  if (s === undefined) return 0;
  const ids = argv.slice(2).map(parseStrictId);
  let deleted = 0;
  let firstDeleted = false;
  for (const id of ids) {
    if (!deleteEntry(ctx, s, id)) continue;
    if (compareIds(id, s.meta.firstId) === 0) firstDeleted = true;
    if (compareIds(id, s.meta.maxDeletedId) > 0) s.meta.maxDeletedId = id;
    deleted++;
  }
  if (deleted === 0) return 0;
  if (s.meta.length === 0) s.meta.firstId = ZERO_ID;
  else if (firstDeleted) refreshFirstId(ctx, s);
  saveStream(ctx, s, true);
  ctx.notify('t', 'xdel', argv[1]!);
  return deleted;
}

function xtrim(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseAddTrimArgs(argv, false, ctx.limits.streamNodeMaxEntries);
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!), false);
  if (s === undefined) return 0;
  const deleted = trimStream(ctx, s, a);
  if (deleted === 0) return 0;
  saveStream(ctx, s, true);
  ctx.notify('t', 'xtrim', argv[1]!);
  return deleted;
}

interface SetIdArgs {
  id: StreamId;
  entriesAdded: bigint;
  maxDeletedId: StreamId;
}

function parseSetIdArgs(argv: Buffer[]): SetIdArgs {
  const a: SetIdArgs = { id: parseStrictId(argv[2]!), entriesAdded: -1n, maxDeletedId: ZERO_ID };
  for (let i = 3; i < argv.length; i += 2) {
    const moreArgs = argv.length - 1 - i;
    if (argIs(argv[i]!, 'entriesadded') && moreArgs > 0) {
      const v = tryParseI64(argv[i + 1]!);
      if (v === undefined) throw err('value is not an integer or out of range');
      if (v < 0n) throw err('entries_added must be positive');
      a.entriesAdded = v;
    } else if (argIs(argv[i]!, 'maxdeletedid') && moreArgs > 0) {
      a.maxDeletedId = parseStrictId(argv[i + 1]!);
      if (compareIds(a.id, a.maxDeletedId) < 0) {
        throw err('The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      }
    } else throw err('syntax error');
  }
  return a;
}

function xsetid(ctx: Ctx, argv: Buffer[]): Reply {
  const a = parseSetIdArgs(argv);
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!), false);
  if (s === undefined) throw err('no such key');
  const m = s.meta;
  if (m.length > 0) {
    const top = edgeId(ctx, s, true) ?? ZERO_ID;
    if (compareIds(a.id, top) < 0)
      throw err('The ID specified in XSETID is smaller than the target stream top item');
    if (a.entriesAdded !== -1n && BigInt(m.length) > a.entriesAdded) {
      throw err('The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  m.lastId = a.id;
  if (a.entriesAdded !== -1n) m.entriesAdded = a.entriesAdded;
  if (!idIsZero(a.maxDeletedId)) m.maxDeletedId = a.maxDeletedId;
  saveStream(ctx, s, false);
  ctx.notify('t', 'xsetid', argv[1]!);
  return OK;
}

defineCommand(
  {
    name: 'xadd',
    arity: -5,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Appends a new entry to a stream',
    since: '5.0.0',
    exec: 'write',
  },
  xadd,
);
defineCommand(
  {
    name: 'xrange',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'XRANGE',
    since: '5.0.0',
    exec: 'read',
  },
  (c, a) => xrange(c, a, false),
);
defineCommand(
  {
    name: 'xrevrange',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'XREVRANGE',
    since: '5.0.0',
    exec: 'read',
  },
  (c, a) => xrange(c, a, true),
);
defineCommand(
  {
    name: 'xlen',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'XLEN',
    since: '5.0.0',
    exec: 'read',
  },
  xlen,
);
defineCommand(
  {
    name: 'xdel',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'XDEL',
    since: '5.0.0',
    exec: 'write',
  },
  xdel,
);
defineCommand(
  {
    name: 'xtrim',
    arity: -4,
    flags: 'write',
    keys: [1, 1, 1],
    group: S,
    summary: 'XTRIM',
    since: '5.0.0',
    exec: 'write',
  },
  xtrim,
);
defineCommand(
  {
    name: 'xsetid',
    arity: -3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'XSETID',
    since: '5.0.0',
    exec: 'write',
  },
  xsetid,
);
