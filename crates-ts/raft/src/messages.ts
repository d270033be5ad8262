/**
 * Wire and storage types of the Raft core. Each type mirrors one message of
 * `proto/raft.proto` (package seshat.raft.v1) field for field, and each enum
 * object uses the proto enum's numeric values, so the transport's generated code
 * converts with a plain field copy. uint64 fields are JS numbers: ids, terms and
 * indexes stay below 2^53 (asserted where they grow), which ts-proto maps with
 * `forceLong=number`.
 */

/** Node id 0 means "nobody": no vote, no known leader. Real node ids are >= 1. */
export const NONE = 0;

export const EntryType = {
  Normal: 0,
  /** data is an encoded ConfChange (single-server change). */
  ConfChange: 1,
  /** Reserved for joint-consensus changes (ConfChangeV2); not produced yet. */
  ConfChangeV2: 2,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Opaque command bytes; empty for the leader's no-op entry. Never mutated once appended. */
  readonly data: Uint8Array;
}

export interface HardState {
  readonly term: number;
  /** Node voted for in `term`, NONE if it has not voted. */
  readonly vote: number;
  readonly commit: number;
}

/**
 * The membership as of some applied index. `removed` lists every id ever removed so that
 * an id is never admitted again. votersOutgoing/learnersNext of joint consensus have
 * proto field numbers reserved (see raft.proto) but no TS fields until that lands.
 */
export interface ConfState {
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  readonly removed: readonly number[];
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** Opaque state-machine image (or a handle the transport resolves; see README). */
  readonly data: Uint8Array;
}

export const MessageType = {
  Append: 1,
  AppendResponse: 2,
  Vote: 3,
  VoteResponse: 4,
  PreVote: 5,
  PreVoteResponse: 6,
  Heartbeat: 7,
  HeartbeatResponse: 8,
  Snapshot: 9,
  TimeoutNow: 10,
  ReadIndex: 11,
  ReadIndexResponse: 12,
  TransferLeader: 13,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const MESSAGE_TYPE_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, value] of Object.entries(MessageType)) names[value] = name;
  return names;
})();

export function messageTypeName(type: MessageType): string {
  return MESSAGE_TYPE_NAMES[type] ?? `Unknown(${type})`;
}

/**
 * One Raft message. Every field is always present (monomorphic shape); unused ones hold
 * their proto3 default (0, false, empty bytes, null snapshot). Meaning per type:
 *
 *   Append            index/logTerm: entry preceding `entries`; commit: leader's commit
 *   AppendResponse    index: last index now matching (or the rejected index when reject);
 *                     rejectHint/logTerm: follower's hint for fast back-off
 *   Vote, PreVote     index/logTerm: candidate's last entry; context: CAMPAIGN_TRANSFER or empty
 *   Heartbeat         commit: min(follower match, leader commit); readRound: ReadIndex round;
 *                     quiesce: the leader goes quiet, index: its last index (raft.ts, quiescing)
 *   HeartbeatResponse readRound echoed
 *   Snapshot          snapshot
 *   ReadIndex         context: the request's opaque id (follower -> leader)
 *   ReadIndexResponse index: read index; context echoed
 */
export interface Message {
  groupId: number;
  type: MessageType;
  to: number;
  from: number;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot: Snapshot | null;
  reject: boolean;
  rejectHint: number;
  context: Uint8Array;
  readRound: number;
  quiesce: boolean;
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
const EMPTY_ENTRIES: Entry[] = [];
Object.freeze(EMPTY_ENTRIES);

/** Fresh message with every field at its default; callers set what the type needs. */
export function newMessage(type: MessageType, to: number): Message {
  return {
    groupId: 0,
    type,
    to,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: EMPTY_ENTRIES,
    commit: 0,
    snapshot: null,
    reject: false,
    rejectHint: 0,
    context: EMPTY_BYTES,
    readRound: 0,
    quiesce: false,
  };
}

/** Many messages for one peer in one transport frame (proto RaftMessageBatch). */
export interface RaftMessageBatch {
  fromNode: number;
  toNode: number;
  messages: Message[];
}

export const ConfChangeType = {
  AddNode: 0,
  RemoveNode: 1,
  AddLearnerNode: 2,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** A single-server membership change, carried encoded in an EntryType.ConfChange entry. */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: number;
  /** Opaque to Raft, e.g. the new node's address. */
  readonly context: Uint8Array;
}

/** A ReadIndex result: once applied >= index, a read tagged `context` is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/** Approximate encoded size of an entry beyond its data, for byte budgets. */
export const ENTRY_OVERHEAD_BYTES = 24;

export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NONE, commit: 0 });
export const EMPTY_CONF_STATE: ConfState = Object.freeze({
  voters: Object.freeze([]) as readonly number[],
  learners: Object.freeze([]) as readonly number[],
  removed: Object.freeze([]) as readonly number[],
});
