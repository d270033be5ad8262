/**
 * RAFT CREATE-GROUP / DESTROY-GROUP / PROPOSE: Raft groups created at run time (issue 20;
 * group-admin.ts does the work). Seshat-only admin commands, like the rest of RAFT.
 *
 *   RAFT CREATE-GROUP <id> <first-last>[,<first-last>...] <node-id> [<node-id> ...]
 *       on group 0's leader (elsewhere -MOVED): lends the slots, creates the group on every
 *       listed member; +OK once all created it.
 *   RAFT DESTROY-GROUP <id>
 *       on group 0's leader: destroys every replica (range deletes), returns the slots.
 *   RAFT PROPOSE <group> <command> [arg ...]
 *       an admin tool until client commands are routed to groups by slot (issue 21): runs a
 *       data command through the log of a created group, on its leader (elsewhere -MOVED with
 *       the group leader's client address), and answers its reply once applied. Reads go
 *       through the log too. Scripts, blocking and server commands are refused (a group's
 *       script kill decisions are wired for group 0 only), as are keys outside its slots.
 */
import {
  ErrorReply,
  SeshatError,
  keyHashSlot,
  parseSlotRanges,
  type Reply,
  type SlotRange,
  slotInRanges,
} from '@seshat/common';
import { commandKeys, parseInt32, resolveCommand } from '@seshat/kv';
import { type Client, NO_REPLY, PendingKind } from './client.js';
import type { ClusterNode } from './cluster-node.js';
import { redirectReply, unknownGroupReply } from './forward-server.js';
import { createGroup, destroyGroup } from './group-admin.js';
import { sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

const S = 'server';

function clusterOf(server: SeshatServer): ClusterNode {
  if (server.cluster === null) throw new SeshatError('ERR', 'This instance has cluster support disabled');
  return server.cluster;
}

/** Answers `client` with the promise's reply when it settles (the client waits, like a write). */
function later(client: Client, p: Promise<Reply>): typeof NO_REPLY {
  client.expectWriteReply(PendingKind.Reply);
  const deliver = (r: Reply) => {
    client.onWriteReply(r);
    client.flushOutput();
  };
  p.then(deliver, (e: unknown) => deliver(new ErrorReply(`ERR ${(e as Error).message}`)));
  return NO_REPLY;
}

/** A group id argument: 1..2^31-1 (0 is the cluster's own group). */
function groupIdArg(arg: Buffer): number | ErrorReply {
  const id = parseInt32(arg);
  return id < 1 ? new ErrorReply('ERR group id must be 1..2147483647') : id;
}

/** CREATE-GROUP's descriptor from its arguments, or the error reply. */
export function descriptorArgs(
  argv: Buffer[],
): { id: number; members: number[]; slotRanges: SlotRange[] } | ErrorReply {
  const id = groupIdArg(argv[2]!);
  if (id instanceof ErrorReply) return id;
  const ranges = parseSlotRanges(argv[3]!.toString('latin1'));
  if (typeof ranges === 'string') return new ErrorReply(`ERR ${ranges}`);
  const members: number[] = [];
  for (const a of argv.slice(4)) {
    const m = parseInt32(a);
    if (m < 1) return new ErrorReply('ERR node id must be >= 1');
    members.push(m);
  }
  return { id, members: members.sort((a, b) => a - b), slotRanges: ranges };
}

/** Why PROPOSE will not run `cmd` in a group serving `ranges`, or null. */
function proposeRefusal(cmd: Buffer[], ranges: readonly SlotRange[], groupId: number): ErrorReply | null {
  const spec = resolveCommand(cmd);
  if (spec instanceof ErrorReply) return spec;
  if (spec.exec === 'server' || spec.flags.includes('blocking') || spec.group === 'scripting')
    return new ErrorReply(`ERR RAFT PROPOSE runs data commands only, not '${spec.name}'`);
  for (const key of commandKeys(spec, cmd)) {
    const slot = keyHashSlot(key);
    if (!slotInRanges(slot, ranges))
      return new ErrorReply(`ERR slot ${slot} is not served by raft group ${groupId}`);
  }
  return null;
}

function propose(c: ClusterNode, client: Client, argv: Buffer[]): Reply | typeof NO_REPLY {
  const id = groupIdArg(argv[2]!);
  if (id instanceof ErrorReply) return id;
  const g = c.groups.get(id);
  if (g === undefined) return unknownGroupReply(id);
  const cmd = argv.slice(3);
  const refused = proposeRefusal(cmd, g.sm.slotRanges, id);
  if (refused !== null) return refused;
  if (!g.driver.isLeader) {
    const leader = c.members.get(g.driver.leader);
    return redirectReply(g.driver.leader === 0 ? null : (leader?.client ?? null), cmd);
  }
  client.expectWriteReply(PendingKind.Reply);
  g.driver.submit(client, client.db, cmd);
  return NO_REPLY;
}

sub(
  'raft',
  {
    name: 'create-group',
    arity: -5,
    flags: 'admin noscript loading stale no_multi',
    group: S,
    summary: 'Creates a Raft group over slot ranges on the listed nodes (run on the leader).',
    since: '0.1.0',
  },
  (s, client, argv) => {
    const d = descriptorArgs(argv);
    if (d instanceof ErrorReply) return d;
    return later(client, createGroup(clusterOf(s), d));
  },
);
sub(
  'raft',
  {
    name: 'destroy-group',
    arity: 3,
    flags: 'admin noscript loading stale no_multi',
    group: S,
    summary: 'Destroys a created Raft group on every node and returns its slots (run on the leader).',
    since: '0.1.0',
  },
  (s, client, argv) => {
    const id = groupIdArg(argv[2]!);
    if (id instanceof ErrorReply) return id;
    return later(client, destroyGroup(clusterOf(s), id));
  },
);
sub(
  'raft',
  {
    name: 'propose',
    arity: -4,
    flags: 'admin noscript loading stale no_multi',
    group: S,
    summary: "Runs a data command through a created group's log (admin tool, on its leader).",
    since: '0.1.0',
  },
  (s, client, argv) => propose(clusterOf(s), client, argv),
);
