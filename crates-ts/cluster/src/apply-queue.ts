/**
 * Committed entries handed over by Readies and not applied yet. Normally empty between turns:
 * the driver applies each Ready's committed entries at once. It fills while an entry's apply is
 * suspended (StateMachine.applyYielding: a kv script past its time slice): the core goes on
 * (Readies persisted, sent and advanced, so heartbeats, appends and commits continue), and the
 * entries behind the suspended one wait here, in log order, until it completes. Meanwhile the
 * state machine is shown each of them once (`takeUnnoted`): kv reads kill decisions there.
 */
import type { Entry } from '@seshat/raft';

export class ApplyQueue {
  private readonly entries: Entry[] = [];
  private head = 0;
  /** Entries up to this index were shown to the state machine. */
  private notedTo = 0;

  get length(): number {
    return this.entries.length - this.head;
  }

  push(e: Entry): void {
    this.entries.push(e);
  }

  /** The next entry to apply, or undefined. */
  peek(): Entry | undefined {
    return this.entries[this.head];
  }

  shift(): void {
    this.head++;
    if (this.head === this.entries.length) {
      this.entries.length = 0;
      this.head = 0;
    }
  }

  /** Drops every entry (a snapshot replaces the state they would have changed). */
  clear(): void {
    this.entries.length = 0;
    this.head = 0;
  }

  /** Queued entries not shown to the state machine yet, in log order (each once). */
  takeUnnoted(): Entry[] {
    const out: Entry[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.index <= this.notedTo) continue;
      this.notedTo = e.index;
      out.push(e);
    }
    return out;
  }
}
