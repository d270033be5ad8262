/**
 * Consumer group commands (Redis 7.0 t_stream.c): XGROUP CREATE / SETID / DESTROY /
 * CREATECONSUMER / DELCONSUMER / HELP, XACK and XPENDING. XCLAIM and XAUTOCLAIM are in
 * stream-claim.ts, XREADGROUP in stream-readgroup.ts. Storage: stream-groups.ts.
 */
import { NULL_ARRAY, OK, type Reply, SeshatError, SimpleString } from '@seshat/common';
import { argIs, tryParseI64 } from '../args.js';
import { defineCommand, defineSubcommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { idReply, parseId, parseRangeBound, parseStrictId, type StreamId, ZERO_ID } from '../stream-id.js';
import {
  createGroup,
  destroyGroup,
  ENTRIES_READ_UNKNOWN,
  getGroup,
  type Group,
  GroupState,
  pelEdge,
  listConsumers,
  scanPel,
} from '../stream-groups.js';
import { newStream, openStream, saveStream, type StreamHandle } from '../stream-store.js';

const S = 'stream';

function err(message: string): SeshatError {
  return new SeshatError('ERR', message);
}

/** addReplySubcommandSyntaxError, for the subcommand as the client spelled it. */
export function subcommandSyntaxError(argv: Buffer[], container: string): SeshatError {
  return err(
    `unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1').slice(0, 128)}'. Try ${container} HELP.`,
  );
}

function noGroupForKey(group: Buffer, key: Buffer): SeshatError {
  return new SeshatError(
    'NOGROUP',
    `No such consumer group '${group.toString('latin1')}' for key name '${key.toString('latin1')}'`,
  );
}

/** NOGROUP of XPENDING, XCLAIM, XAUTOCLAIM. */
export function noKeyOrGroup(key: Buffer, group: Buffer): SeshatError {
  return new SeshatError(
    'NOGROUP',
    `No such key '${key.toString('latin1')}' or consumer group '${group.toString('latin1')}'`,
  );
}

const KEY_REQUIRED =
  'The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

interface XgroupArgs {
  mkstream: boolean;
  entriesRead: bigint;
  s: StreamHandle | undefined;
  group: Group | undefined;
}

/** xgroupCommand's common part: options from argv[5], the key, the group (required by every
 * subcommand but CREATE and DESTROY), with Redis's checks in its order. */
function xgroupPrelude(ctx: Ctx, argv: Buffer[], sub: 'create' | 'setid' | 'other'): XgroupArgs {
  const a: XgroupArgs = {
    mkstream: false,
    entriesRead: ENTRIES_READ_UNKNOWN,
    s: undefined,
    group: undefined,
  };
  for (let i = 5; i < argv.length; ) {
    if (sub === 'create' && argIs(argv[i]!, 'mkstream')) {
      a.mkstream = true;
      i++;
    } else if (sub !== 'other' && argIs(argv[i]!, 'entriesread') && i + 1 < argv.length) {
      const v = tryParseI64(argv[i + 1]!);
      if (v === undefined) throw err('value is not an integer or out of range');
      if (v < 0n && v !== ENTRIES_READ_UNKNOWN) throw err('value for ENTRIESREAD must be positive or -1');
      a.entriesRead = v;
      i += 2;
    } else throw subcommandSyntaxError(argv, 'XGROUP');
  }
  a.s = openStream(ctx, metaKey(ctx.db, argv[2]!), false);
  if (a.s !== undefined) a.group = getGroup(ctx, a.s, argv[3]!);
  if (a.mkstream) return a;
  if (a.s === undefined) throw err(KEY_REQUIRED);
  const needsGroup = sub === 'setid' || argIs(argv[1]!, 'createconsumer') || argIs(argv[1]!, 'delconsumer');
  if (a.group === undefined && needsGroup) throw noGroupForKey(argv[3]!, argv[2]!);
  return a;
}

function isDollar(arg: Buffer): boolean {
  return arg.length === 1 && arg[0] === 0x24;
}

function xgroupCreate(ctx: Ctx, argv: Buffer[]): Reply {
  const a = xgroupPrelude(ctx, argv, 'create');
  if (argv.length > 8) throw subcommandSyntaxError(argv, 'XGROUP');
  let s = a.s;
  const id: StreamId = isDollar(argv[4]!) ? (s?.meta.lastId ?? ZERO_ID) : parseStrictId(argv[4]!);
  if (s === undefined) {
    s = newStream(ctx, metaKey(ctx.db, argv[2]!));
    saveStream(ctx, s, true);
    s = openStream(ctx, s.mk, false)!;
  }
  if (a.group !== undefined) throw new SeshatError('BUSYGROUP', 'Consumer Group name already exists');
  createGroup(ctx, s, argv[3]!, id, a.entriesRead);
  saveStream(ctx, s, false);
  ctx.notify('t', 'xgroup-create', argv[2]!);
  return OK;
}

function xgroupSetid(ctx: Ctx, argv: Buffer[]): Reply {
  const a = xgroupPrelude(ctx, argv, 'setid');
  if (argv.length !== 5 && argv.length !== 7) throw subcommandSyntaxError(argv, 'XGROUP');
  const s = a.s!;
  const g = a.group!;
  g.lastId = isDollar(argv[4]!)
    ? s.meta.lastId
    : parseId(argv[4]!, { missingSeq: 0n, strict: false, allowAutoSeq: false }).id;
  g.entriesRead = a.entriesRead;
  new GroupState(ctx, s, g).save();
  ctx.notify('t', 'xgroup-setid', argv[2]!);
  return OK;
}

function xgroupDestroy(ctx: Ctx, argv: Buffer[]): Reply {
  const a = xgroupPrelude(ctx, argv, 'other');
  if (a.group === undefined) return 0;
  const s = a.s!;
  destroyGroup(ctx, s, a.group);
  saveStream(ctx, s, false);
  ctx.notify('t', 'xgroup-destroy', argv[2]!);
  // Clients blocked in XREADGROUP on this group must hear -NOGROUP now (signalKeyAsReady).
  ctx.signalReady(s.mk);
  return 1;
}

function xgroupCreateConsumer(ctx: Ctx, argv: Buffer[]): Reply {
  const a = xgroupPrelude(ctx, argv, 'other');
  const gs = new GroupState(ctx, a.s!, a.group!);
  if (gs.createConsumer(argv[4]!, argv[2]!) === undefined) return 0;
  gs.save();
  return 1;
}

function xgroupDelConsumer(ctx: Ctx, argv: Buffer[]): Reply {
  const a = xgroupPrelude(ctx, argv, 'other');
  const gs = new GroupState(ctx, a.s!, a.group!);
  const c = gs.consumer(argv[4]!, false);
  if (c === undefined) return 0;
  const pending = gs.deleteConsumer(c);
  gs.save();
  ctx.notify('t', 'xgroup-delconsumer', argv[2]!);
  return pending;
}

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
].map((s) => new SimpleString(s));

function xack(ctx: Ctx, argv: Buffer[]): Reply {
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!));
  const g = s === undefined ? undefined : getGroup(ctx, s, argv[2]!);
  if (s === undefined || g === undefined) return 0;
  const ids = argv.slice(3).map(parseStrictId);
  const gs = new GroupState(ctx, s, g);
  let acked = 0;
  for (const id of ids) {
    const n = gs.nack(id);
    if (n === undefined) continue;
    gs.deleteNack(n);
    acked++;
  }
  if (acked > 0) gs.save();
  return acked;
}

interface PendingArgs {
  minIdleMs: bigint;
  start: StreamId;
  end: StreamId;
  count: number;
  consumer: Buffer | null;
}

/** XPENDING's extended form: [IDLE ms] start end count [consumer], parsed in Redis's order. */
function parsePendingArgs(argv: Buffer[]): PendingArgs {
  const a: PendingArgs = { minIdleMs: 0n, start: ZERO_ID, end: ZERO_ID, count: 0, consumer: null };
  let at = 3;
  if (argIs(argv[3]!, 'idle')) {
    const v = tryParseI64(argv[4]!);
    if (v === undefined) throw err('value is not an integer or out of range');
    a.minIdleMs = v;
    if (argv.length < 8) throw err('syntax error');
    at += 2;
  }
  const count = tryParseI64(argv[at + 2]!);
  if (count === undefined) throw err('value is not an integer or out of range');
  a.count =
    count < 0n ? 0 : count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
  a.start = parseRangeBound(argv[at]!, true);
  a.end = parseRangeBound(argv[at + 1]!, false);
  if (at + 3 < argv.length) a.consumer = argv[at + 3]!;
  return a;
}

function xpending(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) throw err('syntax error');
  const a = argv.length >= 6 ? parsePendingArgs(argv) : null;
  const s = openStream(ctx, metaKey(ctx.db, argv[1]!));
  const g = s === undefined ? undefined : getGroup(ctx, s, argv[2]!);
  if (s === undefined || g === undefined) throw noKeyOrGroup(argv[1]!, argv[2]!);
  return a === null ? pendingSummary(ctx, s, g) : pendingEntries(ctx, s, g, a);
}

function pendingSummary(ctx: Ctx, s: StreamHandle, g: Group): Reply {
  if (g.pel === 0) return [0, null, null, NULL_ARRAY];
  const owners: Reply[] = [];
  for (const c of listConsumers(ctx, s, g.name))
    if (c.pel > 0) owners.push([c.name, Buffer.from(String(c.pel))]);
  return [g.pel, idReply(pelEdge(ctx, s, g.name, false)!), idReply(pelEdge(ctx, s, g.name, true)!), owners];
}

function pendingEntries(ctx: Ctx, s: StreamHandle, g: Group, a: PendingArgs): Reply {
  if (a.consumer !== null && new GroupState(ctx, s, g).consumer(a.consumer, false) === undefined) return [];
  const out: Reply[] = [];
  const now = ctx.nowMs;
  let left = a.count;
  if (left === 0) return out;
  scanPel(ctx, s, g.name, a.consumer, a.start, a.end, (n) => {
    const idle = now - n.deliveryTimeMs;
    if (a.minIdleMs !== 0n && BigInt(idle) < a.minIdleMs) return true;
    out.push([idReply(n.id), n.consumer, Math.max(0, idle), BigInt.asIntN(64, n.deliveryCount)]);
    return --left > 0;
  });
  return out;
}

defineCommand(
  { name: 'xgroup', arity: -2, flags: '', group: S, summary: 'XGROUP', since: '5.0.0', exec: 'write' },
  null,
);
const sub = (
  name: string,
  arity: number,
  handler: (ctx: Ctx, argv: Buffer[]) => Reply,
  exec: 'write' | 'read' = 'write',
) =>
  defineSubcommand(
    'xgroup',
    {
      name,
      arity,
      flags: 'write',
      keys: arity === 2 ? [0, 0, 0] : [2, 2, 1],
      group: S,
      summary: name,
      since: '5.0.0',
      exec,
    },
    handler,
  );
sub('create', -5, xgroupCreate);
sub('setid', -5, xgroupSetid);
sub('destroy', 4, xgroupDestroy);
sub('createconsumer', 5, xgroupCreateConsumer);
sub('delconsumer', 5, xgroupDelConsumer);
sub('help', 2, () => XGROUP_HELP, 'read');
defineCommand(
  {
    name: 'xack',
    arity: -4,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'XACK',
    since: '5.0.0',
    exec: 'write',
  },
  xack,
);
defineCommand(
  {
    name: 'xpending',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'XPENDING',
    since: '5.0.0',
    exec: 'read',
  },
  xpending,
);
