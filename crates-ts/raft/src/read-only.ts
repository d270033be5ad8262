import { assert } from '@seshat/common';

/**
 * The leader's queue of ReadIndex requests (thesis 6.4), batched by heartbeat rounds.
 *
 * A request registered while round r is the latest sent is tagged r + 1 and records the
 * commit index at that moment. The leader then sends one heartbeat round r + 1 for all
 * requests waiting; a follower echoes the round it saw. Once a majority has acknowledged
 * round >= r + 1, leadership at registration time is proven and every request tagged
 * <= that round is released with its recorded index. Any number of reads thus costs one
 * heartbeat round trip.
 *
 * Requests arriving before the leader has committed an entry of its own term wait in
 * `beforeCommit`: until then its commit index may be behind entries earlier leaders
 * committed.
 */
export interface ReadRequest {
  readonly context: Uint8Array;
  /** Node that asked (the leader itself for local reads). */
  readonly from: number;
  index: number;
  round: number;
}

export class ReadOnlyQueue {
  private pending: ReadRequest[] = [];
  private head = 0;
  private beforeCommit: ReadRequest[] = [];
  /** Last heartbeat round sent in this term. */
  round = 0;
  private readonly maxPending: number;

  constructor(maxPending: number) {
    this.maxPending = maxPending;
  }

  size(): number {
    return this.pending.length - this.head + this.beforeCommit.length;
  }

  isEmpty(): boolean {
    return this.size() === 0;
  }

  full(): boolean {
    return this.size() >= this.maxPending;
  }

  /** A request that must wait for a heartbeat round (index = commit now). */
  add(context: Uint8Array, from: number, index: number): void {
    assert(!this.full(), 'read-only: queue full');
    this.pending.push({ context, from, index, round: this.round + 1 });
  }

  /** A request that must wait until the leader commits an entry of its term. */
  deferUntilCommit(context: Uint8Array, from: number): void {
    assert(!this.full(), 'read-only: queue full');
    this.beforeCommit.push({ context, from, index: 0, round: 0 });
  }

  takeDeferred(): ReadRequest[] {
    const out = this.beforeCommit;
    this.beforeCommit = [];
    return out;
  }

  /** Whether some request waits for a round not yet sent. */
  needsRound(): boolean {
    const last = this.pending.length - 1;
    return last >= this.head && this.pending[last]!.round > this.round;
  }

  /** Start the next heartbeat round; returns its number. */
  nextRound(): number {
    this.round++;
    return this.round;
  }

  /** Release every request confirmed by `quorumRound`, in arrival order. */
  release(quorumRound: number, onReady: (request: ReadRequest) => void): void {
    while (this.head < this.pending.length && this.pending[this.head]!.round <= quorumRound) {
      const request = this.pending[this.head]!;
      this.head++;
      onReady(request);
    }
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  reset(): void {
    this.pending = [];
    this.head = 0;
    this.beforeCommit = [];
    this.round = 0;
  }
}
