import { assert } from '@seshat/common';
import type { ConfState } from '../messages.js';
import { hasQuorum, majorityValue, VOTERS_MAX, type VoteResult, voteResult } from '../quorum.js';
import { Progress } from './progress.js';

/**
 * The leader's (and candidate's) view of the group: the membership, one Progress per
 * member, and the votes of the current election.
 */
export class ProgressTracker {
  voters: number[] = [];
  learners: number[] = [];
  /** Every id ever removed, sorted; such ids may never be added again. */
  removed: number[] = [];
  readonly progress = new Map<number, Progress>();
  readonly votes = new Map<number, boolean>();
  private readonly maxInflightMsgs: number;
  private readonly maxInflightBytes: number;
  private readonly matchOf = (id: number): number => this.progress.get(id)?.match ?? 0;
  private readonly readRoundOf = (id: number): number => this.progress.get(id)?.readRoundAcked ?? 0;
  private readonly isActive = (id: number): boolean => this.progress.get(id)?.recentActive === true;

  constructor(maxInflightMsgs: number, maxInflightBytes: number) {
    this.maxInflightMsgs = maxInflightMsgs;
    this.maxInflightBytes = maxInflightBytes;
  }

  isVoter(id: number): boolean {
    return this.voters.includes(id);
  }

  isLearner(id: number): boolean {
    return this.learners.includes(id);
  }

  isRemoved(id: number): boolean {
    return this.removed.includes(id);
  }

  confState(): ConfState {
    return { voters: this.voters.slice(), learners: this.learners.slice(), removed: this.removed.slice() };
  }

  /**
   * Switch to a membership. Members keep their Progress (a promoted learner keeps its
   * match); new members start probing at `nextIndex`; departed members are dropped.
   */
  applyConfState(cs: ConfState, nextIndex: number): void {
    assert(cs.voters.length <= VOTERS_MAX, 'tracker: too many voters');
    for (const id of cs.voters) assert(!cs.learners.includes(id), `tracker: ${id} both voter and learner`);
    this.voters = [...cs.voters].sort((a, b) => a - b);
    this.learners = [...cs.learners].sort((a, b) => a - b);
    this.removed = [...cs.removed].sort((a, b) => a - b);
    for (const id of [...this.progress.keys()]) {
      if (!this.isVoter(id) && !this.isLearner(id)) this.progress.delete(id);
    }
    for (const id of this.voters) this.ensureProgress(id, false, nextIndex);
    for (const id of this.learners) this.ensureProgress(id, true, nextIndex);
    for (const id of [...this.votes.keys()]) if (!this.isVoter(id)) this.votes.delete(id);
  }

  private ensureProgress(id: number, isLearner: boolean, nextIndex: number): void {
    const existing = this.progress.get(id);
    if (existing !== undefined) {
      existing.isLearner = isLearner;
      return;
    }
    const pr = new Progress(nextIndex, isLearner, this.maxInflightMsgs, this.maxInflightBytes);
    // A new member counts as active so that CheckQuorum does not depose the leader
    // before the member has had a chance to answer.
    pr.recentActive = true;
    this.progress.set(id, pr);
  }

  /** Reset every Progress for a new leader whose last index is `lastIndex`. */
  resetProgress(lastIndex: number): void {
    for (const pr of this.progress.values()) {
      pr.match = 0;
      pr.next = lastIndex + 1;
      pr.becomeProbe();
      pr.next = lastIndex + 1;
      pr.recentActive = false;
      pr.readRoundAcked = 0;
    }
  }

  /** Highest index replicated on a majority of voters. */
  committedIndex(): number {
    return majorityValue(this.voters, this.matchOf);
  }

  /** Highest ReadIndex round acknowledged by a majority of voters. */
  readRoundQuorum(): number {
    return majorityValue(this.voters, this.readRoundOf);
  }

  quorumActive(): boolean {
    return hasQuorum(this.voters, this.isActive);
  }

  /** Record a vote; only the first answer of each voter counts. */
  recordVote(id: number, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  resetVotes(): void {
    this.votes.clear();
  }
}
