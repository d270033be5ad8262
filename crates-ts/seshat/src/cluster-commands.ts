/**
 * CLUSTER (INFO, NODES, SLOTS, SHARDS, MYID), ROLE, READONLY and READWRITE. In cluster mode
 * the one Raft group owns all 16384 slots; its leader is the master and the other members
 * are its replicas, so cluster-aware clients (ioredis Cluster) route writes to the leader.
 * A standalone node answers like a Redis without cluster support.
 */
import { createHash } from 'node:crypto';
import { MapReply, type Reply, SeshatError, SimpleString, VerbatimReply } from '@seshat/common';
import type { MemberAddress } from './member-address.js';
import { def, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';
import { groupInfoRows } from './group-admin.js';

const C = 'cluster';

export function disabled(): SeshatError {
  return new SeshatError('ERR', 'This instance has cluster support disabled');
}

/** Redis Cluster node ids are 40 hex characters; ours are derived from the member id. */
export function clusterNodeName(id: number): string {
  return createHash('sha1').update(`seshat-node-${id}`).digest('hex');
}

function hostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

interface View {
  self: number;
  leader: number;
  term: number;
  applied: number;
  members: MemberAddress[];
}

function view(server: SeshatServer): View {
  const c = server.cluster;
  if (c === null) throw disabled();
  const st = c.driver.node.status();
  return {
    self: st.id,
    leader: st.lead,
    term: st.term,
    applied: server.sm.appliedIndex,
    members: [...c.members.values()],
  };
}

function clusterInfo(server: SeshatServer): string {
  const v = view(server);
  const ok = v.leader !== 0;
  const lines = [
    `cluster_state:${ok ? 'ok' : 'fail'}`,
    `cluster_slots_assigned:16384`,
    `cluster_slots_ok:${ok ? 16384 : 0}`,
    'cluster_slots_pfail:0',
    `cluster_slots_fail:${ok ? 0 : 16384}`,
    `cluster_known_nodes:${v.members.length}`,
    'cluster_size:1',
    `cluster_current_epoch:${v.term}`,
    `cluster_my_epoch:${v.term}`,
    'cluster_stats_messages_sent:0',
    'cluster_stats_messages_received:0',
    'total_cluster_links_buffer_limit_exceeded:0',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function clusterNodes(server: SeshatServer): string {
  const v = view(server);
  const leaderName = v.leader === 0 ? '-' : clusterNodeName(v.leader);
  let out = '';
  for (const m of v.members) {
    const [host, port] = hostPort(m.client);
    const [, raftPort] = hostPort(m.raft);
    const isLeader = m.id === v.leader;
    const flags = `${m.id === v.self ? 'myself,' : ''}${isLeader ? 'master' : 'slave'}`;
    const master = isLeader ? '-' : leaderName;
    const slots = isLeader ? ' 0-16383' : '';
    out += `${clusterNodeName(m.id)} ${host}:${port}@${raftPort} ${flags} ${master} 0 0 ${v.term} connected${slots}\n`;
  }
  return out;
}

function nodeTriple(m: MemberAddress): Reply[] {
  const [host, port] = hostPort(m.client);
  return [host, port, clusterNodeName(m.id)];
}

function clusterSlots(server: SeshatServer): Reply {
  const v = view(server);
  const leader = v.members.find((m) => m.id === v.leader);
  if (leader === undefined) return [];
  const entry: Reply[] = [0, 16383, nodeTriple(leader)];
  for (const m of v.members) if (m.id !== v.leader) entry.push(nodeTriple(m));
  return [entry];
}

function clusterShards(server: SeshatServer): Reply {
  const v = view(server);
  const nodes: Reply[] = v.members.map((m) => {
    const [host, port] = hostPort(m.client);
    return new MapReply([
      'id',
      clusterNodeName(m.id),
      'port',
      port,
      'ip',
      host,
      'endpoint',
      host,
      'role',
      m.id === v.leader ? 'master' : 'replica',
      'replication-offset',
      v.applied,
      'health',
      'online',
    ]);
  });
  return [new MapReply(['slots', [0, 16383], 'nodes', nodes])];
}

def(
  {
    name: 'cluster',
    arity: -2,
    flags: '',
    group: C,
    summary: 'A container for Redis Cluster commands.',
    since: '3.0.0',
    complexity: 'Depends on subcommand.',
  },
  null,
);
sub(
  'cluster',
  {
    name: 'info',
    arity: 2,
    flags: 'loading stale',
    group: C,
    summary: 'Returns information about the state of a node.',
    since: '3.0.0',
  },
  (s, c) => {
    const text = clusterInfo(s);
    return c.resp === 3 ? new VerbatimReply('txt', text) : text;
  },
);
sub(
  'cluster',
  {
    name: 'nodes',
    arity: 2,
    flags: 'loading stale',
    group: C,
    summary: 'Returns the cluster configuration for a node.',
    since: '3.0.0',
  },
  (s, c) => {
    const text = clusterNodes(s);
    return c.resp === 3 ? new VerbatimReply('txt', text) : text;
  },
);
sub(
  'cluster',
  {
    name: 'slots',
    arity: 2,
    flags: 'loading stale',
    group: C,
    summary: 'Returns the mapping of cluster slots to nodes.',
    since: '3.0.0',
  },
  (s) => clusterSlots(s),
);
sub(
  'cluster',
  {
    name: 'shards',
    arity: 2,
    flags: 'loading stale',
    group: C,
    summary: 'Returns the mapping of cluster slots to shards.',
    since: '7.0.0',
  },
  (s) => clusterShards(s),
);
sub(
  'cluster',
  {
    name: 'myid',
    arity: 2,
    flags: 'loading stale',
    group: C,
    summary: 'Returns the ID of a node.',
    since: '3.0.0',
  },
  (s) => clusterNodeName(view(s).self),
);

def(
  {
    name: 'readonly',
    arity: 1,
    flags: 'loading stale fast',
    group: C,
    summary: 'Enables read-only queries for a connection to a Redis Cluster replica node.',
    since: '3.0.0',
  },
  (s, c) => {
    if (s.cluster === null) throw disabled();
    c.readonlyMode = true;
    return new SimpleString('OK');
  },
);
def(
  {
    name: 'readwrite',
    arity: 1,
    flags: 'loading stale fast',
    group: C,
    summary: 'Enables read-write queries for a connection to a Reids Cluster replica node.',
    since: '3.0.0',
  },
  (s, c) => {
    if (s.cluster === null) throw disabled();
    c.readonlyMode = false;
    return new SimpleString('OK');
  },
);

def(
  {
    name: 'role',
    arity: 1,
    flags: 'noscript loading stale fast',
    group: 'server',
    summary: 'Returns the replication role.',
    since: '2.8.12',
  },
  (s) => {
    if (s.cluster === null) return ['master', 0, []];
    const v = view(s);
    if (v.leader === v.self) {
      const replicas: Reply[] = [];
      for (const m of v.members) {
        if (m.id === v.self) continue;
        const [host, port] = hostPort(m.client);
        const match = s.cluster.driver.node.status().progress.find((p) => p.id === m.id)?.match ?? 0;
        replicas.push([host, String(port), String(match)]);
      }
      return ['master', v.applied, replicas];
    }
    const leader = v.members.find((m) => m.id === v.leader);
    if (leader === undefined) return ['slave', '', -1, 'connect', -1];
    const [host, port] = hostPort(leader.client);
    return ['slave', host, port, 'connected', v.applied];
  },
);

/** INFO's raft section (cluster mode only). */
export function raftInfo(server: SeshatServer): [string, string | number][] {
  const c = server.cluster;
  if (c === null) return [];
  const st = c.driver.node.status();
  const rows: [string, string | number][] = [
    ['raft_node_id', st.id],
    ['raft_group', 0],
    ['raft_role', ['follower', 'pre-candidate', 'candidate', 'leader'][st.role] ?? String(st.role)],
    ['raft_term', st.term],
    ['raft_leader', st.lead],
    ['raft_commit_index', st.commit],
    ['raft_applied_index', server.sm.appliedIndex],
    ['raft_last_index', st.lastIndex],
    ['raft_first_index', c.log.firstIndex()],
    // The stored snapshot, which may lie beyond the log's base (compaction keeps entries behind it).
    ['raft_snapshot_index', c.log.storedSnapshot().metadata.index],
    ['raft_log_bytes', c.log.storedBytes],
    ['raft_voters', st.confState.voters.join(',')],
    ['raft_learners', st.confState.learners.join(',')],
    ['raft_quiesced', st.quiesced ? 1 : 0],
    ['raft_groups', c.host.size],
    ['raft_groups_quiesced', c.host.quiescedGroups],
    ['raft_groups_woken_by_silence', c.host.groupsWokenBySilence],
  ];
  const n = c.driver.counters;
  rows.push(
    ['raft_ready_rounds', n.readyRounds],
    ['raft_log_writes', n.logWrites],
    ['raft_log_syncs', n.logSyncs],
    ['raft_log_sync_ms', n.logSyncMs.toFixed(3)],
    ['raft_entries_proposed', n.entriesProposed],
    ['raft_commands_proposed', n.commandsProposed],
    ['raft_readies_deferred', n.readiesDeferred],
    ['raft_turns_yielded', n.turnsYielded],
  );
  const reads = c.driver.readsWaiting;
  rows.push(
    ['raft_read_round', st.readRound],
    ['raft_reads_in_core', st.readsPending],
    ['raft_reads_queued', reads.queued],
    ['raft_reads_requested', reads.requested],
    ['raft_reads_confirmed', reads.confirmed],
    ['raft_forward_pending', c.forwarder.pending],
    ['raft_forward_commands', c.forwarder.forwarded],
    ['raft_forward_messages', c.forwarder.messagesSent],
    ['raft_forward_cluster_down', c.forwarder.clusterDown],
    ['raft_forward_outcome_unknown', c.forwarder.outcomeUnknown],
    ['raft_forward_reads_resent', c.forwarder.readsResent],
  );
  for (const l of c.transport.stats().peers)
    rows.push([
      `raft_link_${l.peerId}`,
      `state=${l.state},queued=${l.queuedMessages},inflight_frames=${l.inflightFrames},sent=${l.messagesSent},frames_sent=${l.framesSent},frames_acked=${l.framesAcked},dropped_down=${l.droppedDown},dropped_full=${l.droppedQueueFull},frames_lost=${l.framesLost},streams=${l.streamsOpened},failures=${l.streamFailures}`,
    ]);
  for (const p of st.progress)
    rows.push([
      `raft_peer_${p.id}`,
      `match=${p.match},next=${p.next},state=${p.state},learner=${p.isLearner ? 1 : 0},read_round=${p.readRoundAcked},active=${p.recentActive ? 1 : 0}`,
    ]);
  rows.push(...groupInfoRows(c));
  return rows;
}

/** INFO replication: a standalone node and the Raft leader are masters, followers replicas. */
export function replicationInfo(server: SeshatServer): [string, string | number][] {
  const c = server.cluster;
  if (c === null)
    return [
      ['role', 'master'],
      ['connected_slaves', 0],
      ['master_failover_state', 'no-failover'],
      ['master_replid', server.runId],
      ['master_replid2', '0000000000000000000000000000000000000000'],
      // The log index stands for Redis's replication byte offset: it grows with every write.
      ['master_repl_offset', server.sm.appliedIndex],
      ['second_repl_offset', -1],
      ['repl_backlog_active', 0],
      ['repl_backlog_size', server.config.int('repl-backlog-size')],
      ['repl_backlog_first_byte_offset', 0],
      ['repl_backlog_histlen', 0],
    ];
  const v = view(server);
  if (v.leader === v.self) {
    const rows: [string, string | number][] = [['role', 'master']];
    const others = v.members.filter((m) => m.id !== v.self);
    rows.push(['connected_slaves', others.length]);
    const progress = c.driver.node.status().progress;
    others.forEach((m, i) => {
      const [host, port] = hostPort(m.client);
      const match = progress.find((p) => p.id === m.id)?.match ?? 0;
      rows.push([`slave${i}`, `ip=${host},port=${port},state=online,offset=${match},lag=0`]);
    });
    rows.push(['master_repl_offset', v.applied]);
    return rows;
  }
  const leader = v.members.find((m) => m.id === v.leader);
  const [host, port] = leader === undefined ? ['', 0] : hostPort(leader.client);
  return [
    ['role', 'slave'],
    ['master_host', host],
    ['master_port', port],
    ['master_link_status', leader === undefined ? 'down' : 'up'],
    ['slave_repl_offset', v.applied],
    ['slave_read_only', 1],
    ['connected_slaves', 0],
    ['master_repl_offset', v.applied],
  ];
}
