/**
 * Blocking list and sorted-set commands. Each is a write: at apply time it pops if one of its
 * keys has data; otherwise it returns WOULD_BLOCK and the serving node parks the client (see
 * kv/blocking.ts and seshat/blocking.ts). Inside MULTI/EXEC they never block and return their
 * timeout reply at once, as in Redis. Argument errors come in Redis's order (timeout first).
 */
import { DoubleReply, NULL_ARRAY, type Reply } from '@seshat/common';
import { argIs, syntaxError } from '../args.js';
import { parseBlockingTimeoutMs, WOULD_BLOCK } from '../blocking.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import {
  LIST_LEFT,
  LIST_RIGHT,
  type ListEnd,
  listMove,
  listMpopOnce,
  listPop,
  mpopKeys,
  parseMpopArgs,
} from './lists.js';
import { zsetMpopOnce, zsetPop } from './zsets.js';

function whereArg(arg: Buffer): ListEnd {
  if (argIs(arg, 'left')) return LIST_LEFT;
  if (argIs(arg, 'right')) return LIST_RIGHT;
  throw syntaxError();
}

function minMaxArg(arg: Buffer): boolean {
  if (argIs(arg, 'min')) return false;
  if (argIs(arg, 'max')) return true;
  throw syntaxError();
}

/** What a blocking command answers when it cannot pop: block, or (in MULTI) time out now. */
function nothing(ctx: Ctx, timeoutReply: Reply): Reply {
  return ctx.inTransaction ? timeoutReply : WOULD_BLOCK;
}

function blockingPop(ctx: Ctx, argv: Buffer[], where: ListEnd): Reply {
  parseBlockingTimeoutMs(argv[argv.length - 1]!);
  for (let i = 1; i < argv.length - 1; i++) {
    const items = listPop(ctx, metaKey(ctx.db, argv[i]!), where, 1);
    if (items !== null) return [argv[i]!, items[0]!];
  }
  return nothing(ctx, NULL_ARRAY);
}

function blmove(ctx: Ctx, argv: Buffer[]): Reply {
  const from = whereArg(argv[3]!);
  const to = whereArg(argv[4]!);
  parseBlockingTimeoutMs(argv[5]!);
  return listMove(ctx, metaKey(ctx.db, argv[1]!), metaKey(ctx.db, argv[2]!), from, to) ?? nothing(ctx, null);
}

function brpoplpush(ctx: Ctx, argv: Buffer[]): Reply {
  parseBlockingTimeoutMs(argv[3]!);
  return (
    listMove(ctx, metaKey(ctx.db, argv[1]!), metaKey(ctx.db, argv[2]!), LIST_RIGHT, LIST_LEFT) ??
    nothing(ctx, null)
  );
}

function blmpop(ctx: Ctx, argv: Buffer[]): Reply {
  parseBlockingTimeoutMs(argv[1]!);
  const a = parseMpopArgs(argv, 2, whereArg);
  return (
    listMpopOnce(ctx, a.keys, whereArg(argv[a.whereIndex]!), a.count < 0 ? 1 : a.count) ??
    nothing(ctx, NULL_ARRAY)
  );
}

function bzpop(ctx: Ctx, argv: Buffer[], max: boolean): Reply {
  parseBlockingTimeoutMs(argv[argv.length - 1]!);
  for (let i = 1; i < argv.length - 1; i++) {
    const r = zsetPop(ctx, metaKey(ctx.db, argv[i]!), max, 1);
    if (r !== null && r.members.length > 0) return [argv[i]!, r.members[0]!, new DoubleReply(r.scores[0]!)];
  }
  return nothing(ctx, NULL_ARRAY);
}

function bzmpop(ctx: Ctx, argv: Buffer[]): Reply {
  parseBlockingTimeoutMs(argv[1]!);
  const a = parseMpopArgs(argv, 2, minMaxArg);
  return (
    zsetMpopOnce(ctx, a.keys, minMaxArg(argv[a.whereIndex]!), a.count < 0 ? 1 : a.count) ??
    nothing(ctx, NULL_ARRAY)
  );
}

const L = 'list';
const Z = 'sorted-set';
const F = 'write blocking';
defineCommand(
  {
    name: 'blpop',
    arity: -3,
    flags: F,
    keys: [1, -2, 1],
    group: L,
    summary:
      'Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    since: '2.0.0',
    exec: 'write',
  },
  (c, a) => blockingPop(c, a, LIST_LEFT),
);
defineCommand(
  {
    name: 'brpop',
    arity: -3,
    flags: F,
    keys: [1, -2, 1],
    group: L,
    summary:
      'Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    since: '2.0.0',
    exec: 'write',
  },
  (c, a) => blockingPop(c, a, LIST_RIGHT),
);
defineCommand(
  {
    name: 'blmove',
    arity: 6,
    flags: `${F} denyoom`,
    keys: [1, 2, 1],
    group: L,
    summary:
      'Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.',
    since: '6.2.0',
    exec: 'write',
  },
  blmove,
);
defineCommand(
  {
    name: 'brpoplpush',
    arity: 4,
    flags: `${F} denyoom`,
    keys: [1, 2, 1],
    group: L,
    summary:
      'Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.',
    since: '2.2.0',
    exec: 'write',
  },
  brpoplpush,
);
defineCommand(
  {
    name: 'blmpop',
    arity: -5,
    flags: F,
    keys: [0, 0, 0],
    getKeys: mpopKeys(2),
    group: L,
    summary:
      'Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    since: '7.0.0',
    exec: 'write',
  },
  blmpop,
);
defineCommand(
  {
    name: 'bzpopmin',
    arity: -3,
    flags: `${F} fast`,
    keys: [1, -2, 1],
    group: Z,
    summary:
      'Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
    since: '5.0.0',
    exec: 'write',
  },
  (c, a) => bzpop(c, a, false),
);
defineCommand(
  {
    name: 'bzpopmax',
    arity: -3,
    flags: `${F} fast`,
    keys: [1, -2, 1],
    group: Z,
    summary:
      'Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
    since: '5.0.0',
    exec: 'write',
  },
  (c, a) => bzpop(c, a, true),
);
defineCommand(
  {
    name: 'bzmpop',
    arity: -5,
    flags: F,
    keys: [0, 0, 0],
    getKeys: mpopKeys(2),
    group: Z,
    summary:
      'Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
    since: '7.0.0',
    exec: 'write',
  },
  bzmpop,
);
