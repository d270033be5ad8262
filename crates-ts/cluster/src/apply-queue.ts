/**
 * Committed entries handed over by Readies and not applied yet. Normally empty between turns:
 * the driver applies each Ready's committed entries at once. It fills while a script in an
 * entry waits between time slices (@seshat/kv script-runner.ts): the core goes on (Readies
 * persisted, sent and advanced, so heartbeats, appends and commits continue), and the
 * entries behind the suspended one wait here, in log order, until it completes.
 *
 * While a script waits for a kill decision, the decisions committed after its entry are
 * read from here (GroupScriptArbiter), ahead of applying them.
 */
import { type LoggedDecision, scriptDecisionsIn } from '@seshat/kv';
import { type Entry, EntryType } from '@seshat/raft';

export class ApplyQueue {
  private readonly entries: Entry[] = [];
  private head = 0;
  /** Entries up to this index were scanned for decisions (see `decisions`). */
  private scannedTo = 0;
  /** First committed decision per script (`index:seq`), while scanning is under way. */
  private readonly decisions = new Map<string, LoggedDecision>();

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
      // Nothing waits any more: the decisions seen so far belong to applied entries.
      this.decisions.clear();
      this.scannedTo = 0;
    }
  }

  /** Drops every entry (a snapshot replaces the state they would have changed). */
  clear(): void {
    this.entries.length = 0;
    this.head = 0;
    this.decisions.clear();
    this.scannedTo = 0;
  }

  /** The first decision committed for script `seq` of entry `index`, among queued entries. */
  decision(index: number, seq: number): LoggedDecision | undefined {
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.index <= this.scannedTo) continue;
      this.scannedTo = e.index;
      if (e.type !== EntryType.Normal || e.data.length === 0) continue;
      const data = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
      for (const d of scriptDecisionsIn(data)) {
        const key = `${d.slot.index}:${d.slot.seq}`;
        if (!this.decisions.has(key)) this.decisions.set(key, d);
      }
    }
    return this.decisions.get(`${index}:${seq}`);
  }
}
