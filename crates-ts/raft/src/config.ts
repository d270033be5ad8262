import { assert } from '@seshat/common';

/** Where ReadIndex gets its leadership confirmation. */
export type ReadOnlyOption =
  /** A heartbeat round acknowledged by a quorum (default; safe under any clock behaviour). */
  | 'safe'
  /**
   * The leader's lease: with CheckQuorum on, no other leader can be elected while this
   * leader has heard from a quorum within an election timeout. Saves a round trip but is
   * only correct if tick rates of the nodes do not drift apart by more than the timeout
   * slack. Off unless explicitly chosen.
   */
  | 'lease';

/** Everything the core needs to know at construction. Units are last in names. */
export interface RaftConfig {
  /** This node's id, >= 1, never reused after removal. */
  id: number;
  /** The Raft group this instance serves; stamped on every message and checked on receipt. */
  groupId: number;
  /**
   * Ticks without hearing from a leader before a follower starts an election; the actual
   * timeout is randomized in [electionTicks, 2*electionTicks) to avoid split votes. Longer
   * means fewer spurious elections on a slow network, slower fail-over. Must exceed
   * heartbeatTicks (etcd recommends 10x).
   */
  electionTicks: number;
  /** Ticks between leader heartbeats. Lower detects failures faster at the cost of traffic. */
  heartbeatTicks: number;
  /**
   * Last index the state machine has applied (and persisted), given on restart so that
   * committed entries are not delivered twice. 0 for a fresh node.
   */
  applied: number;
  /**
   * Upper bound on the entry bytes of one Append message (at least one entry is always
   * sent). Larger gives throughput on catch-up, smaller keeps messages and latency small.
   */
  maxSizePerMsgBytes: number;
  /**
   * Append messages in flight per follower in Replicate state (the pipeline window). Bigger
   * hides more latency; each slot costs 16 bytes per follower.
   */
  maxInflightMsgs: number;
  /** Entry bytes in flight per follower; 0 means only maxInflightMsgs limits the window. */
  maxInflightBytes: number;
  /**
   * Bytes of proposals the leader accepts that are not yet committed+applied; beyond it,
   * propose refuses with `uncommitted_limit` (back-pressure). 0 means unlimited.
   */
  maxUncommittedEntriesBytes: number;
  /** Bytes of committed entries handed out in one Ready (at least one entry). */
  maxCommittedSizePerReadyBytes: number;
  /** ReadIndex requests waiting for confirmation; beyond it readIndex refuses with `read_limit`. */
  maxPendingReads: number;
  /**
   * PreVote (thesis 9.6): a node first asks whether it could win before bumping its term,
   * so a partitioned node rejoining cannot depose a healthy leader. Costs one extra round
   * trip per real election.
   */
  preVote: boolean;
  /**
   * CheckQuorum: a leader that has not heard from a quorum within an election timeout steps
   * down, and followers that heard from a leader within it ignore vote requests (leader
   * stickiness). Required for lease reads.
   */
  checkQuorum: boolean;
  readOnlyOption: ReadOnlyOption;
  /**
   * Quiescing: a leader with nothing to replicate for an election timeout (every member
   * holds its whole log, all committed and applied, no read or transfer pending) sends one
   * last heartbeat marked `quiesce` and stops its clock; followers whose log matches stop
   * theirs. Any message or request wakes the group. Only safe with a NodeHost that watches
   * its peers' liveness (node-host.ts) and wakes groups whose leader or quorum went silent:
   * a quiesced follower never times out on its own. Not with lease reads (the lease is the
   * leader's running CheckQuorum clock).
   */
  quiesce: boolean;
  /**
   * TEST ONLY. Breaks Raft's Figure 8 rule: the leader commits entries of previous terms by
   * counting replicas. Exists so that the simulator's checker can be shown to catch it.
   * Never set outside tests.
   */
  unsafeCommitPreviousTermByCounting: boolean;
}

export const ELECTION_TICKS_DEFAULT = 10;
export const HEARTBEAT_TICKS_DEFAULT = 1;
export const MAX_SIZE_PER_MSG_BYTES_DEFAULT = 1024 * 1024;
export const MAX_INFLIGHT_MSGS_DEFAULT = 256;
export const MAX_INFLIGHT_BYTES_DEFAULT = 32 * 1024 * 1024;
export const MAX_UNCOMMITTED_ENTRIES_BYTES_DEFAULT = 64 * 1024 * 1024;
export const MAX_COMMITTED_SIZE_PER_READY_BYTES_DEFAULT = 64 * 1024 * 1024;
export const MAX_PENDING_READS_DEFAULT = 65536;
/** Largest id/term/index the core accepts: beyond it JS numbers lose integer precision. */
export const RAFT_NUMBER_MAX = Number.MAX_SAFE_INTEGER;

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'groupId'> & Partial<RaftConfig>;

/** Fills defaults and asserts that the result is coherent (bad config is a programmer error). */
export function resolveConfig(input: RaftConfigInput): RaftConfig {
  const config: RaftConfig = {
    electionTicks: ELECTION_TICKS_DEFAULT,
    heartbeatTicks: HEARTBEAT_TICKS_DEFAULT,
    applied: 0,
    maxSizePerMsgBytes: MAX_SIZE_PER_MSG_BYTES_DEFAULT,
    maxInflightMsgs: MAX_INFLIGHT_MSGS_DEFAULT,
    maxInflightBytes: MAX_INFLIGHT_BYTES_DEFAULT,
    maxUncommittedEntriesBytes: MAX_UNCOMMITTED_ENTRIES_BYTES_DEFAULT,
    maxCommittedSizePerReadyBytes: MAX_COMMITTED_SIZE_PER_READY_BYTES_DEFAULT,
    maxPendingReads: MAX_PENDING_READS_DEFAULT,
    preVote: true,
    checkQuorum: true,
    readOnlyOption: 'safe',
    quiesce: false,
    unsafeCommitPreviousTermByCounting: false,
    ...input,
  };
  validateConfig(config);
  return config;
}

function validateConfig(c: RaftConfig): void {
  assert(Number.isSafeInteger(c.id) && c.id >= 1, `raft: id must be >= 1, got ${c.id}`);
  assert(Number.isSafeInteger(c.groupId) && c.groupId >= 0, `raft: bad groupId ${c.groupId}`);
  assert(
    Number.isSafeInteger(c.heartbeatTicks) && c.heartbeatTicks >= 1,
    'raft: heartbeatTicks must be >= 1',
  );
  assert(
    Number.isSafeInteger(c.electionTicks) && c.electionTicks > c.heartbeatTicks,
    'raft: electionTicks must be greater than heartbeatTicks',
  );
  assert(Number.isSafeInteger(c.applied) && c.applied >= 0, 'raft: applied must be >= 0');
  assert(c.maxSizePerMsgBytes >= 1, 'raft: maxSizePerMsgBytes must be >= 1');
  assert(
    Number.isSafeInteger(c.maxInflightMsgs) && c.maxInflightMsgs >= 1,
    'raft: maxInflightMsgs must be >= 1',
  );
  assert(c.maxInflightBytes >= 0, 'raft: maxInflightBytes must be >= 0');
  assert(c.maxUncommittedEntriesBytes >= 0, 'raft: maxUncommittedEntriesBytes must be >= 0');
  assert(c.maxCommittedSizePerReadyBytes >= 1, 'raft: maxCommittedSizePerReadyBytes must be >= 1');
  assert(c.maxPendingReads >= 1, 'raft: maxPendingReads must be >= 1');
  assert(
    c.readOnlyOption !== 'lease' || c.checkQuorum,
    'raft: lease-based reads require checkQuorum (the lease is what CheckQuorum provides)',
  );
  assert(
    !c.quiesce || c.readOnlyOption === 'safe',
    'raft: quiescing stops the CheckQuorum clock that lease reads rely on',
  );
}
