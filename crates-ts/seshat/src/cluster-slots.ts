/**
 * CLUSTER COUNTKEYSINSLOT, GETKEYSINSLOT and RESET, and ASKING (CLUSTER HELP and KEYSLOT:
 * cluster-help.ts). The slot questions are answered as a Redis Cluster node answers them: from
 * the node's own applied data (database 0, the only one in cluster mode). CLUSTER RESET exists
 * with Redis's flags (so that scripts and COMMAND see it as Redis does) but is refused: a Seshat
 * node's membership is the Raft group's configuration, changed with RAFT REMOVE / RAFT
 * ADD-LEARNER, and nothing it could forget on its own would be a reset. ASKING is accepted (+OK) as by a Redis Cluster node: it only matters after
 * an -ASK redirect, which Seshat never sends (slots do not move between groups yet). A
 * standalone node answers every one as Redis without cluster support.
 */
import { type Reply, SeshatError, SimpleString, SLOT_COUNT } from '@seshat/common';
import { argIs, type Ctx, countKeysInSlot, keysInSlot, parseI64 } from '@seshat/kv';
import { def, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

const C = 'cluster';

function requireCluster(server: SeshatServer): void {
  if (server.cluster === null) throw new SeshatError('ERR', 'This instance has cluster support disabled');
}

/** Reads database 0 (as clients see it) at the node's clock. */
function readDb0<T extends Reply>(server: SeshatServer, run: (ctx: Ctx) => T): T {
  return server.sm.readWith(run, server.sm.dbs.physical(0), [], server.clock.nowMs()) as T;
}

sub(
  'cluster',
  {
    name: 'countkeysinslot',
    arity: 3,
    flags: 'stale',
    group: C,
    summary: 'Returns the number of keys in a hash slot.',
    since: '3.0.0',
  },
  (s, _c, argv) => {
    requireCluster(s);
    const slot = parseI64(argv[2]!);
    if (slot < 0n || slot >= BigInt(SLOT_COUNT)) throw new SeshatError('ERR', 'Invalid slot');
    return readDb0<number>(s, (ctx) => countKeysInSlot(ctx, Number(slot)));
  },
);

sub(
  'cluster',
  {
    name: 'getkeysinslot',
    arity: 4,
    flags: 'stale',
    group: C,
    summary: 'Returns the key names in a hash slot.',
    since: '3.0.0',
  },
  (s, _c, argv) => {
    requireCluster(s);
    // Redis parses the count first, then the slot, and checks both together.
    const max = parseI64(argv[3]!);
    const slot = parseI64(argv[2]!);
    if (max < 0n || slot < 0n || slot >= BigInt(SLOT_COUNT))
      throw new SeshatError('ERR', 'Invalid slot or number of keys');
    // A count beyond the keys a slot can hold in memory is no limit at all.
    const limit = max > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(max);
    return readDb0<Buffer[]>(s, (ctx) => keysInSlot(ctx, Number(slot), limit));
  },
);

sub(
  'cluster',
  {
    name: 'reset',
    arity: -2,
    flags: 'admin noscript stale',
    group: C,
    summary: 'Resets a node.',
    since: '3.0.0',
  },
  (s, _c, argv) => {
    requireCluster(s);
    if (argv.length > 3 || (argv.length === 3 && !argIs(argv[2]!, 'hard') && !argIs(argv[2]!, 'soft')))
      throw new SeshatError('ERR', 'syntax error');
    throw new SeshatError(
      'ERR',
      'CLUSTER RESET is not supported: membership is the Raft configuration (RAFT REMOVE, RAFT ADD-LEARNER)',
    );
  },
);

def(
  {
    name: 'asking',
    arity: 1,
    flags: 'fast',
    group: C,
    summary: 'Signals that a cluster client is following an -ASK redirect.',
    since: '3.0.0',
  },
  (s) => {
    requireCluster(s);
    return new SimpleString('OK');
  },
);
