import { assert, type Random } from '@seshat/common';
import { type RaftConfigInput, resolveConfig } from './config.js';
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  hardStateEqual,
  type Message,
  type ReadState,
  type Snapshot,
  type SnapshotMetadata,
} from './messages.js';
import { Raft, StateRole } from './raft.js';
import type { LogStorage } from './storage.js';
import type { ProgressState } from './tracker/progress.js';

/** Volatile state worth reporting when it changes (not persisted). */
export interface SoftState {
  readonly lead: number;
  readonly role: StateRole;
}

/**
 * Everything the driver must do, in this order:
 *   1. send `messages` (leader traffic; may go before the fsync of step 2)
 *   2. persist `snapshot` (if any), then `entries`, then `hardState` (if any): one write
 *      batch, synced when `mustSync`
 *   3. send `messagesAfterPersist`
 *   4. apply `snapshot` to the state machine, then `committedEntries` in order (calling
 *      applyConfChange for ConfChange entries); serve `readStates` once applied >= index
 *   5. advance()
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly messages: readonly Message[];
  readonly messagesAfterPersist: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /** Whether step 2 must fsync (entries, or a term/vote change, are in it). */
  readonly mustSync: boolean;
}

/** Identity of a proposal: the (term, index) its entry was appended at by this leader. */
export interface ProposalId {
  readonly term: number;
  readonly index: number;
}

export interface PeerStatus {
  readonly id: number;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly recentActive: boolean;
  /** Highest ReadIndex heartbeat round the member acknowledged. */
  readonly readRoundAcked: number;
}

export interface Status {
  readonly id: number;
  readonly groupId: number;
  readonly term: number;
  readonly vote: number;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly lead: number;
  readonly role: StateRole;
  readonly leadTransferee: number;
  readonly confState: ConfState;
  /** Leader only: replication progress of every member. */
  readonly progress: readonly PeerStatus[];
  /** Leader only: the last ReadIndex heartbeat round sent, and reads waiting for one. */
  readonly readRound: number;
  readonly readsPending: number;
  /** Quiescing: the group's clock is stopped until a message or request arrives. */
  readonly quiesced: boolean;
}

/**
 * The synchronous API of one Raft group member (etcd's RawNode). The driver feeds it
 * ticks, messages and client requests, and pulls Ready batches of work; nothing happens
 * behind its back. Not re-entrant: call ready() only after the previous advance().
 */
export class RawNode {
  /**
   * The core itself, for tests and the simulators' checkers only: production code (the
   * group driver) reads the core through the methods below, so the core's fields can change
   * without reaching past this API.
   */
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private pending: {
    lastEntryIndex: number;
    lastEntryTerm: number;
    snapshotIndex: number;
    lastCommittedIndex: number;
    appliedBytes: number;
  } | null = null;

  constructor(config: RaftConfigInput, storage: LogStorage, random: Random) {
    this.raft = new Raft(resolveConfig(config), storage, random);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  step(message: Message): void {
    this.raft.step(message);
  }

  /** Start an election now (tests, manual fail-over); PreVote applies if enabled. */
  campaign(): void {
    this.raft.hup(false);
  }

  /** Propose one command. Throws RaftError unless this node is an accepting leader. */
  propose(data: Uint8Array): ProposalId {
    const index = this.raft.propose([data]);
    return { term: this.raft.term, index };
  }

  /** Propose commands as consecutive entries; returns the id of the first (term shared). */
  proposeBatch(data: readonly Uint8Array[]): ProposalId {
    const index = this.raft.propose(data);
    return { term: this.raft.term, index };
  }

  proposeConfChange(change: ConfChange): ProposalId {
    const index = this.raft.proposeConfChange(change);
    return { term: this.raft.term, index };
  }

  /** Apply a committed ConfChange entry's change; returns the membership to persist. */
  applyConfChange(change: ConfChange): ConfState {
    return this.raft.applyConfChange(change);
  }

  /** Ask for a linearizable read point; the answer arrives as a ReadState with `context`. */
  readIndex(context: Uint8Array): void {
    this.raft.readIndex(context);
  }

  transferLeadership(target: number): void {
    this.raft.transferLeadership(target);
  }

  reportUnreachable(id: number): void {
    this.raft.reportUnreachable(id);
  }

  /** Quiescing (RaftConfig.quiesce): the group's clock is stopped. */
  get quiesced(): boolean {
    return this.raft.quiesced;
  }

  /** Restarts a quiesced group's clock (its host found the leader or a quorum silent). */
  unquiesce(): void {
    this.raft.unquiesce();
  }

  /** The voters of the current membership. */
  voters(): readonly number[] {
    return this.raft.tracker.voters;
  }

  /** The known leader (NONE if none). */
  get lead(): number {
    return this.raft.lead;
  }

  get term(): number {
    return this.raft.term;
  }

  get committed(): number {
    return this.raft.log.committed;
  }

  lastIndex(): number {
    return this.raft.log.lastIndex();
  }

  /** The last index persisted by the driver (entries above it wait in the next Ready). */
  lastStableIndex(): number {
    return this.raft.log.lastStableIndex();
  }

  firstIndex(): number {
    return this.raft.log.firstIndex();
  }

  /** Entries [lo, hi) up to about `maxBytes` (at least one), from the unstable tail or storage. */
  entries(lo: number, hi: number, maxBytes: number): readonly Entry[] {
    return this.raft.log.slice(lo, hi, maxBytes);
  }

  reportSnapshot(id: number, delivered: boolean): void {
    this.raft.reportSnapshot(id, delivered);
  }

  hasReady(): boolean {
    assert(this.pending === null, 'raw-node: hasReady() between ready() and advance()');
    const r = this.raft;
    r.flush();
    return (
      r.msgs.length > 0 ||
      r.msgsAfterPersist.length > 0 ||
      r.readStates.length > 0 ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== null ||
      r.log.hasNextCommittedEntries() ||
      !hardStateEqual(this.hardState(), this.prevHard) ||
      !softStateEqual(this.softState(), this.prevSoft)
    );
  }

  ready(): Ready {
    assert(this.pending === null, 'raw-node: ready() called twice without advance()');
    const r = this.raft;
    r.flush();
    const soft = this.softState();
    const hard = this.hardState();
    const entries = r.log.unstable.entries.slice();
    const snapshot = r.log.unstable.snapshot;
    const committedEntries = r.log.nextCommittedEntries(r.config.maxCommittedSizePerReadyBytes);
    const hardChanged = !hardStateEqual(hard, this.prevHard);
    const rd: Ready = {
      softState: softStateEqual(soft, this.prevSoft) ? null : soft,
      hardState: hardChanged ? hard : null,
      entries,
      snapshot,
      messages: r.msgs,
      messagesAfterPersist: r.msgsAfterPersist,
      committedEntries,
      readStates: r.readStates,
      mustSync: entries.length > 0 || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote,
    };
    r.msgs = [];
    r.msgsAfterPersist = [];
    r.readStates = [];
    this.prevSoft = soft;
    if (hardChanged) this.prevHard = hard;
    this.pending = this.summarize(rd);
    return rd;
  }

  private summarize(rd: Ready): NonNullable<RawNode['pending']> {
    const last = rd.entries.length > 0 ? rd.entries[rd.entries.length - 1]! : null;
    const lastCommitted =
      rd.committedEntries.length > 0 ? rd.committedEntries[rd.committedEntries.length - 1]! : null;
    let appliedBytes = 0;
    for (const e of rd.committedEntries) if (e.type === EntryType.Normal) appliedBytes += e.data.byteLength;
    return {
      lastEntryIndex: last?.index ?? 0,
      lastEntryTerm: last?.term ?? 0,
      snapshotIndex: rd.snapshot?.metadata.index ?? 0,
      lastCommittedIndex: lastCommitted?.index ?? 0,
      appliedBytes,
    };
  }

  /** The last Ready was persisted, sent and applied. */
  advance(): void {
    const p = this.pending;
    assert(p !== null, 'raw-node: advance() without ready()');
    this.pending = null;
    const log = this.raft.log;
    if (p.snapshotIndex > 0) {
      log.unstable.stableSnapTo(p.snapshotIndex);
      log.appliedTo(p.snapshotIndex);
    }
    if (p.lastEntryIndex > 0) log.unstable.stableTo(p.lastEntryIndex, p.lastEntryTerm);
    if (p.lastCommittedIndex > 0) log.appliedTo(p.lastCommittedIndex);
    this.raft.reduceUncommittedBytes(p.appliedBytes);
    this.raft.onPersisted(log.lastStableIndex());
  }

  /**
   * The snapshot stepped in and not yet persisted (it goes out in a coming Ready), or null.
   * A driver that stages the snapshot's image apart keeps it until then.
   */
  pendingSnapshot(): SnapshotMetadata | null {
    return this.raft.log.unstable.snapshot?.metadata ?? null;
  }

  softState(): SoftState {
    return { lead: this.raft.lead, role: this.raft.role };
  }

  hardState(): HardState {
    const r = this.raft;
    return { term: r.term, vote: r.vote, commit: r.log.committed };
  }

  status(): Status {
    const r = this.raft;
    const progress: PeerStatus[] = [];
    if (r.role === StateRole.Leader) {
      for (const [id, pr] of r.tracker.progress) {
        progress.push({
          id,
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
          readRoundAcked: pr.readRoundAcked,
        });
      }
    }
    return {
      id: r.id,
      groupId: r.groupId,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      lead: r.lead,
      role: r.role,
      leadTransferee: r.leadTransferee,
      confState: r.tracker.confState(),
      progress,
      readRound: r.readOnly.round,
      readsPending: r.readOnly.size(),
      quiesced: r.quiesced,
    };
  }
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.role === b.role;
}
