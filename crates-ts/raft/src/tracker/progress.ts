import { assert } from '@seshat/common';
import { Inflights } from './inflights.js';

/**
 * How the leader replicates to one follower:
 *   Probe      we do not know where the follower's log matches ours: one Append at a
 *              time, backing off on rejections, until one is accepted.
 *   Replicate  the log matches up to `match`: stream Appends optimistically (next moves
 *              ahead of match) within the in-flight window.
 *   Snapshot   the follower needs entries we compacted: a snapshot is on its way; send
 *              nothing until it is reported delivered or failed.
 */
export const ProgressState = { Probe: 0, Replicate: 1, Snapshot: 2 } as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  /** Highest index known to be replicated on the follower (persisted there). */
  match = 0;
  /** Next index to send. match < next always. */
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** Index of the snapshot being sent in Snapshot state, else 0. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Probe state: an Append is out and unanswered, so do not send another. */
  probeSent = false;
  /** Highest ReadIndex heartbeat round the follower acknowledged in this term. */
  readRoundAcked = 0;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, isLearner: boolean, maxInflightMsgs: number, maxInflightBytes: number) {
    assert(next >= 1, 'progress: next must be >= 1');
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least the snapshot (if it was delivered):
    // probe from there; a failed snapshot was reset to 0 by the caller.
    const floor = this.state === ProgressState.Snapshot ? this.pendingSnapshot : 0;
    this.resetState(ProgressState.Probe);
    this.next = Math.max(this.match + 1, floor + 1);
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to `index`; returns whether match moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the Append at `rejected`; `matchHint` is the highest index that may
   * match. Returns false if the rejection is stale (already superseded).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Record an Append of `count` entries (`bytes` total) ending at next - 1 + count. */
  sentEntries(count: number, bytes: number): void {
    if (this.state === ProgressState.Replicate) {
      if (count > 0) {
        this.next += count;
        this.inflights.add(this.next - 1, bytes);
      }
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    } else {
      assert(false, 'progress: sending entries in Snapshot state');
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      default:
        return true;
    }
  }
}
