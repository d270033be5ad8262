/**
 * SWAPDB index1 index2: the two databases exchange their contents, at once for every client.
 * It swaps two entries of the replicated db map (db-map.ts), O(1) whatever they hold; the
 * server then re-checks the WATCHed keys and blocked clients of both databases, as Redis's
 * dbSwapDatabases does (KvStateMachine.onDbsSwapped).
 */
import { DATABASE_COUNT, OK, type Reply, SeshatError } from '@seshat/common';
import { tryParseI64 } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Redis's getIntFromObjectOrReply with its own message. */
function dbArgument(arg: Buffer, message: string): number {
  const v = tryParseI64(arg);
  if (v === undefined || v < INT_MIN || v > INT_MAX) throw new SeshatError('ERR', message);
  return Number(v);
}

function swapdb(ctx: Ctx, argv: Buffer[]): Reply {
  const a = dbArgument(argv[1]!, 'invalid first DB index');
  const b = dbArgument(argv[2]!, 'invalid second DB index');
  if (a < 0 || a >= DATABASE_COUNT || b < 0 || b >= DATABASE_COUNT)
    throw new SeshatError('ERR', 'DB index is out of range');
  if (a === b) return OK;
  ctx.dbs.swap(a, b);
  ctx.swaps ??= [];
  ctx.swaps.push(a, b);
  return OK;
}

defineCommand(
  {
    name: 'swapdb',
    arity: 3,
    flags: 'write fast',
    group: 'server',
    summary: 'Swaps two Redis databases.',
    since: '4.0.0',
    exec: 'write',
    acl: '@keyspace @dangerous',
  },
  swapdb,
);
