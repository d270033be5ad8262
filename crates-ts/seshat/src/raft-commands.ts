/**
 * RAFT (STATUS, TRANSFER-LEADER, SNAPSHOT, INIT, ADD-LEARNER, PROMOTE, REMOVE): cluster
 * administration over RESP, answered on any node. STATUS, SNAPSHOT and INIT act on the node
 * they are sent to (INIT: a node started without initial-members bootstraps a one-voter
 * cluster of itself). The others need the leader: a follower answers `-MOVED 0 <leader client address>`
 * (or CLUSTERDOWN without a leader), except `RAFT TRANSFER-LEADER <own id>`, which a follower
 * relays to the leader itself. TRANSFER-LEADER answers +OK once the leader started the
 * transfer (poll RAFT STATUS for the outcome); membership changes answer +OK once the change
 * is applied on the leader (addresses travel in the change's context; see cluster-node.ts).
 * Seshat-only: Redis has no RAFT command (the COMMAND table test leaves it out on purpose).
 */
import { ErrorReply, MapReply, type Reply, SeshatError, SimpleString } from '@seshat/common';
import { parseInt32 } from '@seshat/kv';
import { type ConfChange, ConfChangeType, RaftError } from '@seshat/raft';
import { type Client, NO_REPLY, PendingKind } from './client.js';
import type { ClusterNode } from './cluster-node.js';
import { encodeMemberContext } from './member-address.js';
import { redirectReply } from './forward-server.js';
import { def, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

const S = 'server';
const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader'];

function clusterOf(server: SeshatServer): ClusterNode {
  if (server.cluster === null) throw new SeshatError('ERR', 'This instance has cluster support disabled');
  return server.cluster;
}

/** The structured form of INFO raft (a map in RESP3, a flat array in RESP2). */
export function raftStatus(server: SeshatServer): MapReply {
  const c = clusterOf(server);
  const st = c.driver.node.status();
  const peers: Reply[] = st.progress.map(
    (p) =>
      new MapReply([
        'id',
        p.id,
        'match',
        p.match,
        'next',
        p.next,
        'state',
        String(p.state),
        'learner',
        p.isLearner ? 1 : 0,
      ]),
  );
  const members: Reply[] = [...c.members.values()]
    .sort((a, b) => a.id - b.id)
    .map((m) => new MapReply(['id', m.id, 'raft', m.raft, 'client', m.client]));
  return new MapReply([
    'node-id',
    st.id,
    'role',
    ROLES[st.role] ?? String(st.role),
    'term',
    st.term,
    'leader',
    st.lead,
    'commit',
    st.commit,
    'applied',
    server.sm.appliedIndex,
    'first-index',
    c.log.firstIndex(),
    'last-index',
    st.lastIndex,
    'snapshot-index',
    c.log.storedSnapshot().metadata.index,
    'voters',
    [...st.confState.voters],
    'learners',
    [...st.confState.learners],
    'members',
    members,
    'peers',
    peers,
  ]);
}

/** Runs `fn` on the leader; elsewhere the reply names the leader (MOVED) or CLUSTERDOWN. */
export function onLeader(c: ClusterNode, argv: Buffer[], fn: () => Reply): Reply {
  if (!c.isLeader) return redirectReply(c.leaderClientAddress(), argv);
  return fn();
}

function raftErrorReply(e: unknown): ErrorReply {
  if (e instanceof RaftError) return new ErrorReply(`ERR raft: ${e.message}`);
  throw e;
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
    name: 'digest',
    arity: 2,
    flags: 'admin noscript loading stale',
    group: S,
    summary: "Returns this node's applied index and a SHA-1 digest of its data at that index.",
    since: '0.1.0',
    complexity: 'O(N) where N is the number of records.',
  },
  // Standalone too: the index is then the local write path's.
  (s) => {
    const d = s.sm.digest();
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
  (s, _c, argv) => {
    const c = clusterOf(s);
    const target = parseInt32(argv[2]!);
    const st = c.driver.node.status();
    if (!st.confState.voters.includes(target))
      return new ErrorReply(`ERR node ${target} is not a voter of the cluster`);
    // A follower may ask for leadership itself (the core relays it to the leader).
    if (target === st.id && !c.isLeader && st.lead !== 0) {
      try {
        c.driver.transferLeadership(target);
      } catch (e) {
        return raftErrorReply(e);
      }
      return new SimpleString('OK');
    }
    return onLeader(c, argv, () => {
      try {
        c.driver.transferLeadership(target);
      } catch (e) {
        return raftErrorReply(e);
      }
      return new SimpleString('OK');
    });
  },
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
  (s) => clusterOf(s).driver.forceSnapshot(),
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
  (s) => {
    const err = clusterOf(s).initialize();
    return err === null ? new SimpleString('OK') : new ErrorReply(err);
  },
);

// ---- membership (leader only) ------------------------------------------------------------

const ADDRESS = /^[^\s:@]+:\d{1,5}$/;

/**
 * Proposes `change` on the leader; the reply (+OK once applied on the leader, or an error)
 * comes later, like a write's.
 */
function proposeMembership(c: ClusterNode, client: Client, change: ConfChange): Reply | typeof NO_REPLY {
  let pending = false;
  let immediate: Reply | null = null;
  c.driver.proposeConfChange(change, (r) => {
    if (!pending) {
      immediate = r;
      return;
    }
    client.onWriteReply(r);
    client.flushOutput();
  });
  if (immediate !== null) return immediate;
  pending = true;
  client.expectWriteReply(PendingKind.Reply);
  return NO_REPLY;
}

function memberId(arg: Buffer): number {
  const id = parseInt32(arg);
  if (id < 1) throw new SeshatError('ERR', 'node id must be >= 1');
  return id;
}

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
    const id = memberId(argv[2]!);
    const raft = argv[3]!.toString();
    const addr = argv[4]!.toString();
    if (!ADDRESS.test(raft) || !ADDRESS.test(addr))
      return new ErrorReply('ERR addresses must be host:port (raft address, then client address)');
    return onLeader(c, argv, () => {
      const cs = c.driver.node.status().confState;
      if (cs.voters.includes(id) || cs.learners.includes(id))
        return new ErrorReply(`ERR node ${id} is already a member`);
      const context = encodeMemberContext({ id, raft, client: addr });
      return proposeMembership(c, client, { type: ConfChangeType.AddLearnerNode, nodeId: id, context });
    });
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
    const id = memberId(argv[2]!);
    return onLeader(c, argv, () => {
      if (!c.driver.node.status().confState.learners.includes(id))
        return new ErrorReply(`ERR node ${id} is not a learner`);
      const m = c.members.get(id);
      const context = m === undefined ? new Uint8Array(0) : encodeMemberContext(m);
      return proposeMembership(c, client, { type: ConfChangeType.AddNode, nodeId: id, context });
    });
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
    const id = memberId(argv[2]!);
    return onLeader(c, argv, () => {
      const cs = c.driver.node.status().confState;
      if (!cs.voters.includes(id) && !cs.learners.includes(id))
        return new ErrorReply(`ERR node ${id} is not a member`);
      return proposeMembership(c, client, {
        type: ConfChangeType.RemoveNode,
        nodeId: id,
        context: new Uint8Array(0),
      });
    });
  },
);
