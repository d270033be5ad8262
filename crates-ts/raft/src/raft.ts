import { assert, type Random } from '@seshat/common';
import type { RaftConfig } from './config.js';
import { applyConfChangeToState, encodeConfChange, validateConfChange } from './confchange.js';
import { RaftError } from './errors.js';
import { RaftLog } from './log.js';
import {
  type ConfChange,
  type ConfState,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  entrySizeBytes,
  isEmptyHardState,
  type Message,
  MessageType,
  NONE,
  newMessage,
  type ReadState,
} from './messages.js';
import { VoteResult } from './quorum.js';
import { ReadOnlyQueue, type ReadRequest } from './read-only.js';
import type { LogStorage } from './storage.js';
import { type Progress, ProgressState } from './tracker/progress.js';
import { ProgressTracker } from './tracker/tracker.js';

export const StateRole = { Follower: 0, PreCandidate: 1, Candidate: 2, Leader: 3 } as const;
export type StateRole = (typeof StateRole)[keyof typeof StateRole];

export function stateRoleName(role: StateRole): string {
  return ['Follower', 'PreCandidate', 'Candidate', 'Leader'][role]!;
}

/** Context of a Vote sent after TimeoutNow: voters grant it even inside a leader lease. */
export const CAMPAIGN_TRANSFER_CONTEXT: Uint8Array = new TextEncoder().encode('campaign-transfer');

type CampaignKind = 'pre' | 'real' | 'transfer';

/**
 * One Raft group member: the protocol state machine of the Raft paper and thesis, with
 * no I/O. Messages to send accumulate in `msgs` (leader traffic that may leave before the
 * local fsync) and `msgsAfterPersist` (everything else); RawNode hands them out in a
 * Ready. Method names follow the paper; each step handler is small and does one thing.
 */
export class Raft {
  readonly id: number;
  readonly groupId: number;
  readonly config: RaftConfig;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  readonly readOnly: ReadOnlyQueue;
  term = 0;
  vote = NONE;
  lead = NONE;
  role: StateRole = StateRole.Follower;
  msgs: Message[] = [];
  msgsAfterPersist: Message[] = [];
  readStates: ReadState[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Voter leadership is being handed to, or NONE. */
  leadTransferee = NONE;
  /** Proposing a conf change is refused until applied >= this index. */
  pendingConfIndex = 0;
  /** Bytes of proposals this leader appended and has not yet seen applied. */
  uncommittedBytes = 0;
  /** Broadcast appends (new entries or a commit advance) at the next flush. */
  private appendPending = false;
  /** Quiescing (config.quiesce): the clock is stopped until a message or request arrives. */
  quiesced = false;
  /** Leader: consecutive ticks with nothing to replicate; it quiesces after electionTicks. */
  private idleTicks = 0;
  private readonly random: Random;
  private readonly respondRead = (request: ReadRequest): void => this.answerRead(request);

  constructor(config: RaftConfig, storage: LogStorage, random: Random) {
    this.id = config.id;
    this.groupId = config.groupId;
    this.config = config;
    this.random = random;
    const { hardState, confState } = storage.initialState();
    this.log = new RaftLog(storage, config.applied, hardState.commit);
    this.tracker = new ProgressTracker(config.maxInflightMsgs, config.maxInflightBytes);
    this.tracker.applyConfState(confState, this.log.lastIndex() + 1);
    this.readOnly = new ReadOnlyQueue(config.maxPendingReads);
    if (!isEmptyHardState(hardState)) {
      assert(hardState.term >= this.log.lastTerm(), 'raft: hard state term behind the log');
      this.term = hardState.term;
      this.vote = hardState.vote;
    }
    this.becomeFollower(this.term, NONE);
  }

  // --- Roles -------------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      assert(term > this.term, `raft: term went backwards ${this.term} -> ${term}`);
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.config.electionTicks + this.random.nextInt(this.config.electionTicks);
    this.leadTransferee = NONE;
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.log.lastIndex());
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly.reset();
    this.appendPending = false;
    this.quiesced = false;
    this.idleTicks = 0;
  }

  becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.role = StateRole.Follower;
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    assert(this.role !== StateRole.Leader, 'raft: leader cannot become pre-candidate');
    // Neither the term nor the vote changes: a pre-election is only a question.
    this.role = StateRole.PreCandidate;
    this.lead = NONE;
    this.tracker.resetVotes();
  }

  private becomeCandidate(): void {
    assert(this.role !== StateRole.Leader, 'raft: leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = StateRole.Candidate;
  }

  private becomeLeader(): void {
    assert(this.role === StateRole.Candidate, 'raft: only a candidate can become leader');
    this.reset(this.term);
    this.role = StateRole.Leader;
    this.lead = this.id;
    const self = this.tracker.progress.get(this.id);
    assert(self !== undefined, 'raft: leader has no progress of its own');
    self.match = this.log.lastStableIndex();
    self.becomeReplicate();
    self.recentActive = true;
    // The no-op entry (thesis 6.4): commits the entries of earlier terms (Figure 8) and
    // lets ReadIndex start. Membership changes wait for it (the single-server change fix).
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }]);
    this.pendingConfIndex = this.log.lastIndex();
  }

  /** Whether this node may campaign: a voter without a snapshot being installed. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id) && this.log.unstable.snapshot === null;
  }

  // --- Time ----------------------------------------------------------------------------

  tick(): void {
    if (this.quiesced) return;
    if (this.role === StateRole.Leader) this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.checkQuorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      this.leadTransferee = NONE; // a transfer not done within an election timeout is abandoned
    }
    this.idleTicks = this.idleNow() ? this.idleTicks + 1 : 0;
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      if (this.idleTicks >= this.config.electionTicks) this.quiesce();
      else this.bcastHeartbeat(this.readOnly.round, false);
    }
  }

  // --- Quiescing -------------------------------------------------------------------------

  /**
   * Leader: nothing to replicate, confirm or hand over. Every member (learners too) holds
   * the whole log, which is stable, committed and applied, so a member that restarts
   * needs nothing from us until someone proposes (its election attempt wakes us).
   */
  private idleNow(): boolean {
    if (!this.config.quiesce || this.leadTransferee !== NONE || this.appendPending) return false;
    const last = this.log.lastIndex();
    if (this.log.committed !== last || this.log.applied !== last || this.log.lastStableIndex() !== last)
      return false;
    if (!this.readOnly.isEmpty()) return false;
    for (const pr of this.tracker.progress.values()) if (pr.match !== last) return false;
    return true;
  }

  /** Leader: the last heartbeat, marked `quiesce`, then the clock stops. */
  private quiesce(): void {
    this.bcastHeartbeat(this.readOnly.round, true);
    this.quiesced = true;
  }

  /**
   * Follower: the leader went quiet. Stop the election clock if our log ends where the
   * leader's does, all committed; otherwise keep ticking (a timeout then wakes the leader
   * with our pre-vote, and it brings us up to date).
   */
  private maybeQuiesceFollower(m: Message): void {
    const last = this.log.lastIndex();
    if (last === m.index && this.log.committed === last) this.quiesced = true;
  }

  /**
   * Restarts the clock (a message, a request, or the host found a peer silent). A leader
   * starts a fresh CheckQuorum window: only members heard from from now on count.
   */
  unquiesce(): void {
    if (!this.quiesced) return;
    this.quiesced = false;
    this.idleTicks = 0;
    if (this.role !== StateRole.Leader) return;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    for (const [id, pr] of this.tracker.progress) pr.recentActive = id === this.id;
  }

  /** CheckQuorum: did a majority talk to us since the last check? Resets the marks. */
  private checkQuorumActive(): boolean {
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.recentActive = true;
    const active = this.tracker.quorumActive();
    for (const [id, pr] of this.tracker.progress) pr.recentActive = id === this.id;
    return active;
  }

  // --- Elections -------------------------------------------------------------------------

  /** Start an election if allowed (timeout, TimeoutNow, or explicit campaign). */
  hup(transfer: boolean): void {
    this.unquiesce();
    if (this.role === StateRole.Leader || !this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return; // it might be about to be removed
    if (transfer) this.campaign('transfer');
    else this.campaign(this.config.preVote ? 'pre' : 'real');
  }

  private hasUnappliedConfChanges(): boolean {
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    if (this.log.committed < lo) return false;
    const entries = this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER);
    return entries.some((e) => e.type !== EntryType.Normal);
  }

  private campaign(kind: CampaignKind): void {
    let voteTerm: number;
    let type: MessageType;
    if (kind === 'pre') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
      type = MessageType.PreVote;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
      type = MessageType.Vote;
    }
    this.tracker.recordVote(this.id, true);
    if (this.afterVote(kind === 'pre')) return;
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const voter of this.tracker.voters) {
      if (voter === this.id) continue;
      const m = newMessage(type, voter);
      m.term = voteTerm;
      m.index = lastIndex;
      m.logTerm = lastTerm;
      if (kind === 'transfer') m.context = CAMPAIGN_TRANSFER_CONTEXT;
      this.send(m);
    }
  }

  /** Act on the tally; returns true if the election is decided. */
  private afterVote(pre: boolean): boolean {
    const result = this.tracker.tallyVotes();
    if (result === VoteResult.Won) {
      if (pre) this.campaign('real');
      else this.becomeLeader();
      return true;
    }
    if (result === VoteResult.Lost) {
      this.becomeFollower(this.term, NONE);
      return true;
    }
    return false;
  }

  /**
   * A vote or pre-vote request. Crossing pre-campaigns (we are a pre-candidate asking for the
   * same term: both timers fired within a round trip) would grant each other, both become
   * candidates and split the vote, costing another election timeout. Instead exactly one goes
   * on: the more up-to-date log, the lower id on equal logs; the other grants and steps back
   * to follower with a fresh timer, as if it had granted a real vote. Pre-votes bind nothing,
   * so this changes only who campaigns first, never safety.
   */
  private handleVoteRequest(m: Message): void {
    const pre = m.type === MessageType.PreVote;
    const crossing = pre && this.role === StateRole.PreCandidate && m.term === this.term + 1;
    const canVote = crossing
      ? m.from < this.id || m.logTerm !== this.log.lastTerm() || m.index !== this.log.lastIndex()
      : this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (pre && m.term > this.term);
    const granted = canVote && this.log.isUpToDate(m.index, m.logTerm);
    const resp = newMessage(pre ? MessageType.PreVoteResponse : MessageType.VoteResponse, m.from);
    if (granted) {
      // A granted pre-vote answers in the asker's future term so it is not taken as stale.
      resp.term = m.term;
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      resp.term = this.term;
      resp.reject = true;
    }
    this.send(resp);
    if (crossing && granted) this.becomeFollower(this.term, NONE);
  }

  // --- Message dispatch ------------------------------------------------------------------

  step(m: Message): void {
    assert(m.groupId === this.groupId, `raft: message for group ${m.groupId} stepped into ${this.groupId}`);
    assert(m.to === this.id, `raft: message to ${m.to} stepped into node ${this.id}`);
    if (this.quiesced && !isQuiesceTraffic(m)) this.unquiesce();
    if (!this.stepTerm(m)) return;
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case StateRole.Leader:
        this.stepLeader(m);
        break;
      case StateRole.Follower:
        this.stepFollower(m);
        break;
      default:
        this.stepCandidate(m);
    }
  }

  /** The term rules common to every role; returns false if the message is to be dropped. */
  private stepTerm(m: Message): boolean {
    if (m.term > this.term) return this.stepHigherTerm(m);
    if (m.term < this.term) {
      this.stepLowerTerm(m);
      return false;
    }
    return true;
  }

  private stepHigherTerm(m: Message): boolean {
    const isVote = m.type === MessageType.Vote || m.type === MessageType.PreVote;
    if (isVote && !isTransfer(m) && this.inLease()) {
      // Leader stickiness: we heard from a live leader recently; this candidate is
      // probably a disruptive rejoining node. Do not even adopt its term.
      return false;
    }
    if (m.type === MessageType.PreVote) return true; // a question, not a new term
    if (m.type === MessageType.PreVoteResponse && !m.reject) return true; // we adopt it on winning
    const fromLeader =
      m.type === MessageType.Append || m.type === MessageType.Heartbeat || m.type === MessageType.Snapshot;
    this.becomeFollower(m.term, fromLeader ? m.from : NONE);
    return true;
  }

  private inLease(): boolean {
    return this.config.checkQuorum && this.lead !== NONE && this.electionElapsed < this.config.electionTicks;
  }

  private stepLowerTerm(m: Message): void {
    const fromLeader = m.type === MessageType.Append || m.type === MessageType.Heartbeat;
    if ((this.config.checkQuorum || this.config.preVote) && fromLeader) {
      // A deposed leader (or one cut off by a partition) would otherwise never learn the
      // new term when its followers ignore it; tell it so that it steps down.
      this.send(newMessage(MessageType.AppendResponse, m.from));
    } else if (m.type === MessageType.PreVote) {
      const resp = newMessage(MessageType.PreVoteResponse, m.from);
      resp.reject = true;
      this.send(resp);
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.tracker.progress.get(m.from);
    switch (m.type) {
      case MessageType.AppendResponse:
        if (pr !== undefined) this.handleAppendResponse(m, pr);
        break;
      case MessageType.HeartbeatResponse:
        if (pr !== undefined) this.handleHeartbeatResponse(m, pr);
        break;
      case MessageType.ReadIndex:
        if (pr !== undefined && !this.readOnly.full()) this.handleReadIndex(m.context, m.from);
        break;
      case MessageType.TransferLeader:
        if (pr !== undefined) this.transferLeadership(m.from);
        break;
      default:
        break; // stale responses and requests meant for other roles
    }
  }

  private stepCandidate(m: Message): void {
    const pre = this.role === StateRole.PreCandidate;
    switch (m.type) {
      case MessageType.Append:
      case MessageType.Heartbeat:
      case MessageType.Snapshot:
        // A leader exists for our term (or, pre-candidate, for the current term).
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        break;
      case MessageType.PreVoteResponse:
      case MessageType.VoteResponse:
        if ((m.type === MessageType.PreVoteResponse) === pre) {
          this.tracker.recordVote(m.from, !m.reject);
          this.afterVote(pre);
        }
        break;
      default:
        break;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Append:
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        break;
      case MessageType.Heartbeat:
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        if (m.quiesce) this.maybeQuiesceFollower(m);
        break;
      case MessageType.Snapshot:
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        break;
      case MessageType.TimeoutNow:
        this.hup(true);
        break;
      case MessageType.ReadIndexResponse:
        this.readStates.push({ index: m.index, context: m.context });
        break;
      default:
        break;
    }
  }

  private heardFromLeader(from: number): void {
    this.electionElapsed = 0;
    this.lead = from;
  }

  // --- Follower side of replication ----------------------------------------------------

  private handleAppend(m: Message): void {
    const resp = newMessage(MessageType.AppendResponse, m.from);
    if (m.index < this.log.committed) {
      resp.index = this.log.committed;
      this.send(resp);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew >= 0) {
      resp.index = lastNew;
      this.send(resp);
      return;
    }
    // Rejection with a hint (thesis 5.3 optimisation): our last index at or below the
    // probe whose term is <= the leader's term there; the leader skips everything above.
    const hintIndex = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    resp.index = m.index;
    resp.reject = true;
    resp.rejectHint = hintIndex;
    resp.logTerm = this.log.term(hintIndex);
    this.send(resp);
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends commit <= our match, so every index up to it is in our log.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const resp = newMessage(MessageType.HeartbeatResponse, m.from);
    resp.readRound = m.readRound;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const snapshot = m.snapshot;
    assert(snapshot !== null, 'raft: Snapshot message without a snapshot');
    const resp = newMessage(MessageType.AppendResponse, m.from);
    resp.index = this.restore(snapshot.metadata.index, snapshot.metadata.term)
      ? this.installSnapshot(m)
      : this.log.committed;
    this.send(resp);
  }

  /** Whether a snapshot at (index, term) must be installed; fast-forwards commit if we have it. */
  private restore(index: number, term: number): boolean {
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: keep the log, just commit.
      this.log.commitTo(index);
      return false;
    }
    return true;
  }

  private installSnapshot(m: Message): number {
    const snapshot = m.snapshot!;
    this.log.restore(snapshot);
    this.tracker.applyConfState(snapshot.metadata.confState, this.log.lastIndex() + 1);
    return this.log.lastIndex();
  }

  // --- Leader side of replication --------------------------------------------------------

  /** Append entries proposed locally, stamping term and index. */
  private appendEntries(entries: Entry[]): number {
    let index = this.log.lastIndex();
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      index++;
      entries[i] = { term: this.term, index, type: e.type, data: e.data };
    }
    this.log.append(entries);
    this.appendPending = true;
    return index;
  }

  /** The driver persisted the log up to `stableIndex`: the leader's own acknowledgement. */
  onPersisted(stableIndex: number): void {
    if (this.role !== StateRole.Leader) return;
    const self = this.tracker.progress.get(this.id);
    if (self?.maybeUpdate(stableIndex)) this.maybeCommit();
  }

  /** Commit the highest index a majority holds, if it is of this term (Figure 8). */
  private maybeCommit(): boolean {
    const index = this.tracker.committedIndex();
    if (index <= this.log.committed) return false;
    const ofThisTerm = this.log.term(index) === this.term;
    if (!ofThisTerm && !this.config.unsafeCommitPreviousTermByCounting) return false;
    this.log.commitTo(index);
    this.appendPending = true; // followers learn the new commit index
    if (this.committedInTerm()) this.releaseDeferredReads();
    return true;
  }

  committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      this.handleAppendRejection(m, pr);
      return;
    }
    assert(m.index <= this.log.lastIndex(), `raft: follower ${m.from} acked ${m.index} beyond our log`);
    const wasPaused = pr.isPaused();
    const updated = pr.maybeUpdate(m.index);
    // An ack at exactly match still proves where a probed log matches.
    const probeConfirmed = pr.state === ProgressState.Probe && m.index === pr.match;
    if (!updated && !probeConfirmed) return;
    this.advanceProgressState(pr, m.index);
    if (!this.maybeCommit() && wasPaused) this.maybeSendAppend(m.from, pr, false);
    while (this.maybeSendAppend(m.from, pr, false)) {}
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private advanceProgressState(pr: Progress, acked: number): void {
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot) {
      if (pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
    } else {
      pr.inflights.freeLE(acked);
    }
  }

  private handleAppendRejection(m: Message, pr: Progress): void {
    let matchHint = m.rejectHint;
    if (m.logTerm > 0) matchHint = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
    if (!pr.maybeDecrTo(m.index, matchHint)) return;
    if (pr.state === ProgressState.Replicate) pr.becomeProbe();
    this.maybeSendAppend(m.from, pr, true);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex() || pr.state === ProgressState.Probe) {
      this.maybeSendAppend(m.from, pr, true);
    }
    if (m.readRound > pr.readRoundAcked) {
      pr.readRoundAcked = m.readRound;
      if (!pr.isLearner) this.readOnly.release(this.tracker.readRoundQuorum(), this.respondRead);
    }
  }

  /** Send the entries from pr.next (or a snapshot); returns whether a message went out. */
  private maybeSendAppend(to: number, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    if (prevIndex < this.log.firstIndex() - 1) return this.sendSnapshot(to, pr);
    const lastIndex = this.log.lastIndex();
    const entries =
      pr.next <= lastIndex ? this.log.slice(pr.next, lastIndex + 1, this.config.maxSizePerMsgBytes) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    const m = newMessage(MessageType.Append, to);
    m.index = prevIndex;
    m.logTerm = this.log.term(prevIndex);
    m.entries = entries;
    m.commit = this.log.committed;
    this.send(m);
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) bytes += entrySizeBytes(entries[i]!);
    pr.sentEntries(entries.length, bytes);
    return true;
  }

  private sendSnapshot(to: number, pr: Progress): boolean {
    if (!pr.recentActive) return false; // do not ship a snapshot into the void
    const snapshot = this.log.snapshot();
    if (snapshot === null) return false; // storage is producing one; retried on next heartbeat
    assert(snapshot.metadata.index >= pr.next - 1, 'raft: snapshot older than the compacted log');
    const m = newMessage(MessageType.Snapshot, to);
    m.snapshot = snapshot;
    this.send(m);
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  /** Send every follower what it lacks, filling its in-flight window (pipelining). */
  private bcastAppend(): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      if (this.maybeSendAppend(id, pr, true)) while (this.maybeSendAppend(id, pr, false)) {}
    }
  }

  private bcastHeartbeat(round: number, quiesce: boolean): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) {
        pr.readRoundAcked = round;
        continue;
      }
      const m = newMessage(MessageType.Heartbeat, id);
      m.commit = Math.min(pr.match, this.log.committed);
      m.readRound = round;
      if (quiesce) {
        m.quiesce = true;
        m.index = this.log.lastIndex();
      }
      this.send(m);
    }
  }

  private sendTimeoutNow(to: number): void {
    this.send(newMessage(MessageType.TimeoutNow, to));
  }

  /** Send what accumulated since the last Ready: batched appends and a ReadIndex round. */
  flush(): void {
    if (this.role !== StateRole.Leader) return;
    if (this.appendPending) {
      this.appendPending = false;
      this.bcastAppend();
    }
    if (this.readOnly.needsRound()) {
      this.bcastHeartbeat(this.readOnly.nextRound(), false);
      this.readOnly.release(this.tracker.readRoundQuorum(), this.respondRead);
    }
  }

  private send(m: Message): void {
    m.groupId = this.groupId;
    m.from = this.id;
    if (m.term === 0) m.term = this.term;
    if (this.role === StateRole.Leader && isFromLeader(m)) this.msgs.push(m);
    else this.msgsAfterPersist.push(m);
  }

  // --- Client requests -------------------------------------------------------------------

  private assertCanPropose(): void {
    if (this.role !== StateRole.Leader) {
      throw new RaftError('not_leader', `node ${this.id} is not the leader`, this.lead);
    }
    if (this.leadTransferee !== NONE) {
      throw new RaftError('transfer_in_progress', `leadership is moving to ${this.leadTransferee}`);
    }
    if (!this.tracker.progress.has(this.id)) throw new RaftError('removed', `node ${this.id} was removed`);
  }

  /** Append proposals as one batch; returns the index of the first. */
  propose(data: readonly Uint8Array[]): number {
    assert(data.length > 0, 'raft: empty proposal batch');
    this.unquiesce();
    this.assertCanPropose();
    let bytes = 0;
    for (let i = 0; i < data.length; i++) bytes += data[i]!.byteLength;
    const max = this.config.maxUncommittedEntriesBytes;
    if (max > 0 && this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > max) {
      throw new RaftError('uncommitted_limit', `uncommitted proposals exceed ${max} bytes`);
    }
    const entries: Entry[] = new Array(data.length);
    for (let i = 0; i < data.length; i++) {
      entries[i] = { term: 0, index: 0, type: EntryType.Normal, data: data[i]! };
    }
    const first = this.log.lastIndex() + 1;
    this.appendEntries(entries);
    this.uncommittedBytes += bytes;
    return first;
  }

  proposeConfChange(change: ConfChange): number {
    this.unquiesce();
    this.assertCanPropose();
    if (this.pendingConfIndex > this.log.applied) {
      throw new RaftError(
        'conf_change_pending',
        `a membership change (or the leader's no-op) at ${this.pendingConfIndex} is not applied yet`,
      );
    }
    validateConfChange(this.tracker.confState(), change);
    const index = this.appendEntries([
      { term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(change) },
    ]);
    this.pendingConfIndex = index;
    return index;
  }

  /** The state machine applied `bytes` of this leader's proposals. */
  reduceUncommittedBytes(bytes: number): void {
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - bytes);
  }

  readIndex(context: Uint8Array): void {
    this.unquiesce();
    if (this.role === StateRole.Leader) {
      if (this.readOnly.full()) throw new RaftError('read_limit', 'too many reads waiting for confirmation');
      this.handleReadIndex(context, this.id);
      return;
    }
    if (this.lead === NONE) throw new RaftError('not_leader', 'no known leader to confirm a read');
    const m = newMessage(MessageType.ReadIndex, this.lead);
    m.context = context;
    this.send(m);
  }

  private handleReadIndex(context: Uint8Array, from: number): void {
    if (!this.committedInTerm()) {
      this.readOnly.deferUntilCommit(context, from);
      return;
    }
    const alone = this.tracker.voters.length === 1 && this.tracker.voters[0] === this.id;
    if (alone || this.config.readOnlyOption === 'lease') {
      this.answerRead({ context, from, index: this.log.committed, round: 0 });
      return;
    }
    this.readOnly.add(context, from, this.log.committed);
  }

  private releaseDeferredReads(): void {
    for (const request of this.readOnly.takeDeferred()) this.handleReadIndex(request.context, request.from);
  }

  private answerRead(request: ReadRequest): void {
    if (request.from === this.id) {
      this.readStates.push({ index: request.index, context: request.context });
      return;
    }
    const m = newMessage(MessageType.ReadIndexResponse, request.from);
    m.index = request.index;
    m.context = request.context;
    this.send(m);
  }

  /** Hand leadership to `target` (a voter); a follower may only ask for itself. */
  transferLeadership(target: number): void {
    this.unquiesce();
    if (this.role !== StateRole.Leader) {
      if (target !== this.id || this.lead === NONE) {
        throw new RaftError('not_leader', `node ${this.id} is not the leader`, this.lead);
      }
      this.send(newMessage(MessageType.TransferLeader, this.lead));
      return;
    }
    if (target === this.id || !this.tracker.isVoter(target)) return;
    if (this.leadTransferee === target) return;
    this.leadTransferee = target;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    const pr = this.tracker.progress.get(target)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.maybeSendAppend(target, pr, true);
  }

  // --- Membership ------------------------------------------------------------------------

  /** Apply a committed conf change (called by the driver when applying its entry). */
  applyConfChange(change: ConfChange): ConfState {
    const cs = applyConfChangeToState(this.tracker.confState(), change);
    this.switchToConfig(cs);
    return cs;
  }

  private switchToConfig(cs: ConfState): void {
    this.tracker.applyConfState(cs, this.log.lastIndex() + 1);
    if (this.role !== StateRole.Leader) return;
    if (!this.tracker.isVoter(this.id)) {
      this.stepDownRemoved();
      return;
    }
    if (this.leadTransferee !== NONE && !this.tracker.isVoter(this.leadTransferee))
      this.leadTransferee = NONE;
    this.maybeCommit();
    this.appendPending = true;
    this.readOnly.release(this.tracker.readRoundQuorum(), this.respondRead);
  }

  /** A leader removed from the voters hands over to the most caught-up voter and steps down. */
  private stepDownRemoved(): void {
    const lastIndex = this.log.lastIndex();
    for (const id of this.tracker.voters) {
      const pr = this.tracker.progress.get(id);
      if (pr !== undefined && pr.match === lastIndex) {
        this.sendTimeoutNow(id);
        break;
      }
    }
    this.becomeFollower(this.term, NONE);
  }

  // --- Feedback from the driver --------------------------------------------------------

  /** The transport could not reach `id`: stop streaming optimistically. */
  reportUnreachable(id: number): void {
    const pr = this.tracker.progress.get(id);
    if (this.role === StateRole.Leader && pr !== undefined && pr.state === ProgressState.Replicate) {
      pr.becomeProbe();
    }
  }

  /** Outcome of sending a snapshot to `id`; failure makes the leader retry from scratch. */
  reportSnapshot(id: number, delivered: boolean): void {
    const pr = this.tracker.progress.get(id);
    if (this.role !== StateRole.Leader || pr === undefined || pr.state !== ProgressState.Snapshot) return;
    if (!delivered) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's answer (or a heartbeat response) before probing again.
    pr.probeSent = true;
  }
}

/**
 * What a quiesced member hears without waking: the leader's quiesce heartbeat (again) and
 * the answers to it. Anything else means someone needs the group.
 */
function isQuiesceTraffic(m: Message): boolean {
  return m.type === MessageType.HeartbeatResponse || (m.type === MessageType.Heartbeat && m.quiesce);
}

function isTransfer(m: Message): boolean {
  const ctx = m.context;
  if (ctx.byteLength !== CAMPAIGN_TRANSFER_CONTEXT.byteLength) return false;
  for (let i = 0; i < ctx.byteLength; i++) if (ctx[i] !== CAMPAIGN_TRANSFER_CONTEXT[i]) return false;
  return true;
}

/** Messages only a leader sends: they may leave before the leader's own fsync. */
function isFromLeader(m: Message): boolean {
  switch (m.type) {
    case MessageType.Append:
    case MessageType.Heartbeat:
    case MessageType.Snapshot:
    case MessageType.TimeoutNow:
    case MessageType.ReadIndexResponse:
      return true;
    default:
      return false;
  }
}
