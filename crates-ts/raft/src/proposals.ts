import { assert } from '@seshat/common';
import type { Entry } from './messages.js';
import type { ProposalId } from './raw-node.js';

/**
 * The driver's table of proposals waiting for their entry to be applied, keyed by
 * ProposalId. An entry applied at a proposal's index answers it: with success if the
 * entry's term is the proposal's term (the same leader at the same index wrote exactly
 * one entry, so it is that proposal), with "lost" otherwise (another leader overwrote the
 * slot; the client may retry, and the Deduplicator stops a double apply). Replies can
 * thus never be crossed: a waiter is only ever matched by (term, index).
 *
 * Proposals are added in increasing index order (they come from one leader's log), so the
 * table is a FIFO consumed by applied index.
 */
export class PendingProposals<T> {
  private ids: ProposalId[] = [];
  private tokens: T[] = [];
  private head = 0;
  /** Bound on waiting proposals, a programmer error if exceeded (the driver back-pressures first). */
  readonly max: number;
  private readonly onDone: (token: T, committed: boolean) => void;

  /** onDone(token, true) when the proposal's own entry applied, (token, false) when it is lost. */
  constructor(max: number, onDone: (token: T, committed: boolean) => void) {
    this.max = max;
    this.onDone = onDone;
  }

  get size(): number {
    return this.ids.length - this.head;
  }

  add(id: ProposalId, token: T): void {
    // This node, leader again in a later term, appended at an index where proposals of
    // its earlier term still wait: its log no longer holds them (a leader's log holds
    // every committed entry), so they are lost.
    while (this.size > 0 && this.ids[this.ids.length - 1]!.index >= id.index) {
      const last = this.ids.pop()!;
      assert(last.term < id.term, 'proposals: same leader term reused an index');
      this.onDone(this.tokens.pop()!, false);
    }
    assert(this.size < this.max, 'proposals: table full');
    this.ids.push(id);
    this.tokens.push(token);
  }

  /**
   * An entry was applied: resolve every waiter at or below its index, as committed only
   * if (term, index) match.
   */
  applied(entry: Entry): void {
    while (this.head < this.ids.length && this.ids[this.head]!.index <= entry.index) {
      const id = this.ids[this.head]!;
      const token = this.tokens[this.head]!;
      this.head++;
      this.onDone(token, id.index === entry.index && id.term === entry.term);
    }
    this.compact();
  }

  /** Fail every waiter (node shutting down or removed). */
  failAll(): void {
    while (this.head < this.ids.length) this.onDone(this.tokens[this.head++]!, false);
    this.compact();
  }

  private compact(): void {
    if (this.head === this.ids.length) {
      this.ids = [];
      this.tokens = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.tokens = this.tokens.slice(this.head);
      this.head = 0;
    }
  }
}
