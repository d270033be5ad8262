/**
 * RAFT (STATUS, GROUPS, TRANSFER-LEADER, SNAPSHOT, INIT, ADD-LEARNER, PROMOTE, REMOVE): cluster
 * administration over RESP, answered on any node. STATUS, GROUPS, SNAPSHOT and INIT act on the node
 * they are sent to (INIT: a node started without initial-members bootstraps a one-voter
 * cluster of itself). The others need the leader: a follower answers `-MOVED 0 <leader client address>`
 * (or CLUSTERDOWN without a leader), except `RAFT TRANSFER-LEADER <own id>`, which a follower
 * relays to the leader itself. TRANSFER-LEADER answers +OK once the leader started the
 * transfer (poll RAFT STATUS for the outcome); membership changes answer +OK once the change
 * is applied on the leader (addresses travel in the change's context; see cluster-node.ts).
 * Seshat-only: Redis has no RAFT command (the COMMAND table test leaves it out on purpose).
 *
 * Each action is one exported function on a ClusterNode (statusView, transferLeader,
 * snapshotNow, initGroup, addLearner, promote, removeMember) shared by the RESP handlers
 * below and the gRPC AdminService (admin-service.ts): same checks, same reply texts. A
 * membership change's reply comes later: its function returns PENDING and calls `later`
 * once with the reply.
 */
import {
  ErrorReply,
  formatSlotRanges,
  MapReply,
  type Reply,
  SeshatError,
  SimpleString,
} from '@seshat/common';
import { parseInt32 } from '@seshat/kv';
import { type ConfChange, ConfChangeType, RaftError } from '@seshat/raft';
import { type Client, NO_REPLY, PendingKind } from './client.js';
import type { ClusterNode } from './cluster-node.js';
import { encodeMemberContext, type MemberAddress } from './member-address.js';
import { redirectReply, unknownGroupReply } from './forward-server.js';
import { type RaftStatusView, raftStatusPairs } from './raft-status-fields.js';

export type { RaftStatusView } from './raft-status-fields.js';
import { def, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

const S = 'server';
const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader'];

function clusterOf(server: SeshatServer): ClusterNode {
  if (server.cluster === null) throw new SeshatError('ERR', 'This instance has cluster support disabled');
  return server.cluster;
}

/** RAFT GROUPS: one map per hosted group (group 0's applied index is `applied0`), with the
 * slots each serves (group 0's after its loans to created groups). */
export function raftGroups(c: ClusterNode, applied0: number): Reply {
  return c.host
    .status((id) => (id === 0 ? applied0 : (c.groups.get(id)?.sm.appliedIndex ?? 0)))
    .map(
      (g) =>
        new MapReply([
          'id',
          g.id,
          'role',
          g.role,
          'leader',
          g.leader,
          'term',
          g.term,
          'commit-index',
          g.commit,
          'applied-index',
          g.applied,
          'last-index',
          g.lastIndex,
          'slots',
          formatSlotRanges(g.id === 0 ? c.sm.slotRanges : (c.groups.get(g.id)?.d.slotRanges ?? [])),
        ]),
    );
}

/** This node's Raft state; `applied` is the state machine's applied index. */
export function statusView(c: ClusterNode, applied: number): RaftStatusView {
  const st = c.driver.node.status();
  return {
    nodeId: st.id,
    role: ROLES[st.role] ?? String(st.role),
    term: st.term,
    leader: st.lead,
    commit: st.commit,
    applied,
    firstIndex: c.log.firstIndex(),
    lastIndex: st.lastIndex,
    snapshotIndex: c.log.storedSnapshot().metadata.index,
    voters: [...st.confState.voters],
    learners: [...st.confState.learners],
    members: [...c.members.values()].sort((a, b) => a.id - b.id).map((m) => ({ ...m })),
    peers: st.progress.map((p) => ({
      id: p.id,
      match: p.match,
      next: p.next,
      state: String(p.state),
      learner: p.isLearner,
    })),
  };
}

/** The structured form of INFO raft (a map in RESP3, a flat array in RESP2). */
export function raftStatus(server: SeshatServer): MapReply {
  const v = statusView(clusterOf(server), server.sm.appliedIndex);
  return new MapReply(raftStatusPairs(v, (pairs): Reply => new MapReply(pairs)));
}

/** Leader-only actions elsewhere: `-MOVED 0 <leader>` (RAFT has no key: slot 0) or CLUSTERDOWN. */
const RAFT_ARGV = [Buffer.from('RAFT')];

/** Runs `fn` on the leader; elsewhere the reply names the leader (MOVED) or CLUSTERDOWN. */
function onLeader<R>(c: ClusterNode, fn: () => R): R | ErrorReply {
  if (!c.isLeader) return redirectReply(c.leaderClientAddress(), RAFT_ARGV);
  return fn();
}

function raftErrorReply(e: unknown): ErrorReply {
  if (e instanceof RaftError) return new ErrorReply(`ERR raft: ${e.message}`);
  throw e;
}

const OK = new SimpleString('OK');

/** Membership changes answer later: the action returned this and calls `later` once. */
export const PENDING = Symbol('pending');
export type Later = (reply: Reply) => void;

function startTransfer(c: ClusterNode, target: number): Reply {
  try {
    c.driver.transferLeadership(target);
  } catch (e) {
    return raftErrorReply(e);
  }
  return OK;
}

/** RAFT TRANSFER-LEADER: +OK once the leader started handing leadership to `target`. */
export function transferLeader(c: ClusterNode, target: number): Reply {
  const st = c.driver.node.status();
  if (!st.confState.voters.includes(target))
    return new ErrorReply(`ERR node ${target} is not a voter of the cluster`);
  // A follower may ask for leadership itself (the core relays it to the leader).
  if (target === st.id && !c.isLeader && st.lead !== 0) return startTransfer(c, target);
  return onLeader(c, () => startTransfer(c, target));
}

/** RAFT SNAPSHOT: the index this node's state is now snapshotted at. */
export function snapshotNow(c: ClusterNode): number {
  return c.driver.forceSnapshot();
}

/** RAFT INIT: makes a waiting node a one-voter group. */
export function initGroup(c: ClusterNode): Reply {
  const err = c.initialize();
  return err === null ? OK : new ErrorReply(err);
}

// ---- membership (leader only) ------------------------------------------------------------

const ADDRESS = /^[^\s:@]+:\d{1,5}$/;
const ERR_NODE_ID = new ErrorReply('ERR node id must be >= 1');

/** Proposes `change` on the leader: the reply now (refused), or PENDING and `later` (+OK once
 * applied on the leader, or an error). */
function proposeMembership(c: ClusterNode, change: ConfChange, later: Later): Reply | typeof PENDING {
  let pending = false;
  let immediate: Reply | null = null;
  c.driver.proposeConfChange(change, (r) => {
    if (!pending) {
      immediate = r;
      return;
    }
    later(r);
  });
  if (immediate !== null) return immediate;
  pending = true;
  return PENDING;
}

/** RAFT ADD-LEARNER: adds node `m.id` with its addresses as a learner. */
export function addLearner(c: ClusterNode, m: MemberAddress, later: Later): Reply | typeof PENDING {
  if (m.id < 1) return ERR_NODE_ID;
  if (!ADDRESS.test(m.raft) || !ADDRESS.test(m.client))
    return new ErrorReply('ERR addresses must be host:port (raft address, then client address)');
  return onLeader(c, () => {
    const cs = c.driver.node.status().confState;
    if (cs.voters.includes(m.id) || cs.learners.includes(m.id))
      return new ErrorReply(`ERR node ${m.id} is already a member`);
    const context = encodeMemberContext(m);
    return proposeMembership(c, { type: ConfChangeType.AddLearnerNode, nodeId: m.id, context }, later);
  });
}

/** RAFT PROMOTE: makes learner `id` a voter. */
export function promote(c: ClusterNode, id: number, later: Later): Reply | typeof PENDING {
  if (id < 1) return ERR_NODE_ID;
  return onLeader(c, () => {
    if (!c.driver.node.status().confState.learners.includes(id))
      return new ErrorReply(`ERR node ${id} is not a learner`);
    const m = c.members.get(id);
    const context = m === undefined ? new Uint8Array(0) : encodeMemberContext(m);
    return proposeMembership(c, { type: ConfChangeType.AddNode, nodeId: id, context }, later);
  });
}

/** RAFT REMOVE: removes voter or learner `id`. */
export function removeMember(c: ClusterNode, id: number, later: Later): Reply | typeof PENDING {
  if (id < 1) return ERR_NODE_ID;
  return onLeader(c, () => {
    const cs = c.driver.node.status().confState;
    if (!cs.voters.includes(id) && !cs.learners.includes(id))
      return new ErrorReply(`ERR node ${id} is not a member`);
    const change = { type: ConfChangeType.RemoveNode, nodeId: id, context: new Uint8Array(0) };
    return proposeMembership(c, change, later);
  });
}

// ---- RESP ----------------------------------------------------------------------------------

/** A membership action's RESP reply: now, or once applied (the client waits, like a write). */
function membershipReply(
  client: Client,
  act: (later: Later) => Reply | typeof PENDING,
): Reply | typeof NO_REPLY {
  const r = act((reply) => {
    client.onWriteReply(reply);
    client.flushOutput();
  });
  if (r !== PENDING) return r;
  client.expectWriteReply(PendingKind.Reply);
  return NO_REPLY;
}

def(
  {
    name: 'raft',
    arity: -2,
    flags: '',
    group: S,
    summary: 'A container for Seshat Raft cluster administration commands.',
    since: '0.1.0',
    complexity: 'Depends on subcommand.',
  },
  null,
);
sub(
  'raft',
  {
    name: 'status',
    arity: 2,
    flags: 'admin noscript loading stale',
    group: S,
    summary: "Returns this node's Raft state: role, term, leader, indexes, membership and peers.",
    since: '0.1.0',
  },
  (s) => raftStatus(s),
);
sub(
  'raft',
  {
    name: 'groups',
    arity: 2,
    flags: 'admin noscript loading stale',
    group: S,
    summary: 'Lists the Raft groups this node hosts: id, role, leader, term and indexes.',
    since: '0.1.0',
    complexity: 'O(N) where N is the number of groups on this node.',
  },
  (s) => raftGroups(clusterOf(s), s.sm.appliedIndex),
);
sub(
  'raft',
  {
    name: 'digest',
    arity: -2,
    flags: 'admin noscript loading stale',
    group: S,
    summary:
      "Returns this node's applied index and a SHA-1 digest of its data at that index (of a group: RAFT DIGEST <group>).",
    since: '0.1.0',
    complexity: 'O(N) where N is the number of records.',
  },
  // Standalone too: the index is then the local write path's.
  (s, _c, argv) => {
    if (argv.length > 3) return new ErrorReply("ERR wrong number of arguments for 'raft|digest' command");
    const id = argv.length === 3 ? parseInt32(argv[2]!) : 0;
    const sm = id === 0 ? s.sm : clusterOf(s).groups.get(id)?.sm;
    if (sm === undefined) return unknownGroupReply(id);
    const d = sm.digest();
    return [d.appliedIndex, d.digest];
  },
);
sub(
  'raft',
  {
    name: 'transfer-leader',
    arity: 3,
    flags: 'admin noscript loading stale',
    group: S,
    summary: 'Asks the leader to hand leadership to the given voter.',
    since: '0.1.0',
  },
  (s, _c, argv) => transferLeader(clusterOf(s), parseInt32(argv[2]!)),
);
sub(
  'raft',
  {
    name: 'snapshot',
    arity: 2,
    flags: 'admin noscript loading stale',
    group: S,
    summary: "Takes a snapshot of this node's state now and compacts its Raft log up to it.",
    since: '0.1.0',
  },
  (s) => snapshotNow(clusterOf(s)),
);

sub(
  'raft',
  {
    name: 'init',
    arity: 2,
    flags: 'admin noscript loading stale no_multi',
    group: S,
    summary: 'Bootstraps a new cluster of this node alone (started without initial-members).',
    since: '0.1.0',
  },
  (s) => initGroup(clusterOf(s)),
);

sub(
  'raft',
  {
    name: 'add-learner',
    arity: 5,
    flags: 'admin noscript loading stale no_multi',
    group: S,
    summary: 'Adds a new node (id, Raft address, client address) as a non-voting learner.',
    since: '0.1.0',
  },
  (s, client, argv) => {
    const c = clusterOf(s);
    const m = { id: parseInt32(argv[2]!), raft: argv[3]!.toString(), client: argv[4]!.toString() };
    return membershipReply(client, (later) => addLearner(c, m, later));
  },
);
sub(
  'raft',
  {
    name: 'promote',
    arity: 3,
    flags: 'admin noscript loading stale no_multi',
    group: S,
    summary: 'Makes a learner a voter.',
    since: '0.1.0',
  },
  (s, client, argv) => {
    const c = clusterOf(s);
    const id = parseInt32(argv[2]!);
    return membershipReply(client, (later) => promote(c, id, later));
  },
);
sub(
  'raft',
  {
    name: 'remove',
    arity: 3,
    flags: 'admin noscript loading stale no_multi',
    group: S,
    summary: 'Removes a voter or learner from the cluster (its id is never reused).',
    since: '0.1.0',
  },
  (s, client, argv) => {
    const c = clusterOf(s);
    const id = parseInt32(argv[2]!);
    return membershipReply(client, (later) => removeMember(c, id, later));
  },
);
