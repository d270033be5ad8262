// The simulator's invariant checker: global histories built from what every node does,
// checked as it happens. A violation throws SimViolation, which the simulator turns into
// a failed run that names the seed.
import { type Entry, EntryType, type RawNode, StateRole } from '../../src/index.js';
import { commandKey } from './state-machine.js';

export class SimViolation extends Error {
  override name = 'SimViolation';
  readonly invariant: string;
  constructor(invariant: string, message: string) {
    super(`${invariant}: ${message}`);
    this.invariant = invariant;
  }
}

const TERM_KEY_SCALE = 2 ** 24;

/** A number naming an entry's content: command key, 0 for no-op, negative for conf changes. */
export function entryKey(entry: Entry): number {
  if (entry.type !== EntryType.Normal) {
    let h = 0;
    for (const b of entry.data) h = (Math.imul(h, 31) + b) >>> 0;
    return -1 - h;
  }
  return entry.data.byteLength === 0 ? 0 : commandKey(entry.data);
}

export class Checker {
  /** Election safety: term -> the one leader of that term. */
  private readonly leaderOfTerm = new Map<number, number>();
  /** Log matching: (index, term) -> content and preceding term, from every persisted entry. */
  private readonly entryAt = new Map<number, { key: number; prevTerm: number }>();
  /** Committed entries as any node saw them: index -> term. */
  private readonly committedTerm: number[] = [];
  globalCommit = 0;
  /** State-machine safety: index -> entry key, term and digest after applying it. */
  private readonly appliedKey: number[] = [];
  private readonly appliedTerm: number[] = [];
  private readonly digestAt: number[] = [];
  /** Exactly-once: command key -> index where it took effect. */
  private readonly effectiveAt = new Map<number, number>();
  /** Commands acknowledged to a client. */
  readonly acked = new Set<number>();
  checks = 0;
  /** Terms that had a leader. */
  leaderTerms = 0;

  fail(invariant: string, message: string): never {
    throw new SimViolation(invariant, message);
  }

  /** After every step, for every live node: leaders, commit points, terms. */
  observe(id: number, raw: RawNode): void {
    this.checks++;
    const r = raw.raft;
    if (r.role === StateRole.Leader) this.observeLeader(id, raw);
    this.observeCommit(id, raw);
  }

  private observeLeader(id: number, raw: RawNode): void {
    const term = raw.raft.term;
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) {
      this.leaderOfTerm.set(term, id);
      this.leaderTerms++;
      this.checkLeaderCompleteness(id, raw);
    } else if (known !== id) {
      this.fail('election-safety', `term ${term} has two leaders: ${known} and ${id}`);
    }
  }

  /** Every entry committed so far (by anyone) is in a new leader's log. */
  private checkLeaderCompleteness(id: number, raw: RawNode): void {
    const log = raw.raft.log;
    if (log.lastIndex() < this.globalCommit) {
      this.fail(
        'leader-completeness',
        `leader ${id} of term ${raw.raft.term} has last index ${log.lastIndex()} < commit ${this.globalCommit}`,
      );
    }
    for (let i = Math.max(log.firstIndex(), 1); i <= this.globalCommit; i++) {
      const want = this.committedTerm[i];
      if (want !== undefined && log.term(i) !== want) {
        this.fail(
          'leader-completeness',
          `leader ${id} of term ${raw.raft.term} has term ${log.term(i)} at committed index ${i}, want ${want}`,
        );
      }
    }
  }

  /** Commit index each live node had when last observed (forgotten when it crashes). */
  private readonly seenCommit = new Map<number, number>();

  forgetNode(id: number): void {
    this.seenCommit.delete(id);
  }

  private observeCommit(id: number, raw: RawNode): void {
    const log = raw.raft.log;
    const commit = log.committed;
    const seen = this.seenCommit.get(id) ?? 0;
    if (commit === seen) return;
    if (commit < seen) this.fail('monotonic', `node ${id} commit went back ${seen} -> ${commit}`);
    this.seenCommit.set(id, commit);
    for (let i = Math.max(seen + 1, log.firstIndex()); i <= commit; i++) {
      const term = log.term(i);
      if (term === 0) continue;
      const want = this.committedTerm[i];
      if (want === undefined) this.committedTerm[i] = term;
      else if (want !== term) {
        this.fail('commit-safety', `node ${id} committed term ${term} at ${i}, another node term ${want}`);
      }
    }
    if (commit > this.globalCommit) this.globalCommit = commit;
  }

  /** Entries a node persists: same (index, term) must mean same content and same predecessor. */
  onPersist(id: number, entries: readonly Entry[], prevTerm: number): void {
    let prev = prevTerm;
    for (const e of entries) {
      if (e.term >= TERM_KEY_SCALE) this.fail('sim', 'term too large for the checker');
      const slot = e.index * TERM_KEY_SCALE + e.term;
      const key = entryKey(e);
      const seen = this.entryAt.get(slot);
      if (seen === undefined) this.entryAt.set(slot, { key, prevTerm: prev });
      else if (seen.key !== key || seen.prevTerm !== prev) {
        this.fail(
          'log-matching',
          `node ${id} persisted (${e.index}, ${e.term}) with key ${key}/prev ${prev}, seen ${seen.key}/${seen.prevTerm}`,
        );
      }
      prev = e.term;
    }
  }

  /** A node applied `entry`, its state machine now at `digest`; `effective` = not a duplicate. */
  onApply(id: number, entry: Entry, digest: number, effective: boolean): void {
    const i = entry.index;
    const key = entryKey(entry);
    if (this.appliedKey[i] === undefined) {
      this.appliedKey[i] = key;
      this.appliedTerm[i] = entry.term;
      this.digestAt[i] = digest;
    } else if (
      this.appliedKey[i] !== key ||
      this.appliedTerm[i] !== entry.term ||
      this.digestAt[i] !== digest
    ) {
      this.fail(
        'state-machine-safety',
        `node ${id} applied (${i}, ${entry.term}, key ${key}, digest ${digest}); ` +
          `another node (${this.appliedTerm[i]}, key ${this.appliedKey[i]}, digest ${this.digestAt[i]})`,
      );
    }
    const committed = this.committedTerm[i];
    if (committed !== undefined && committed !== entry.term) {
      this.fail(
        'state-machine-safety',
        `node ${id} applied term ${entry.term} at ${i}, committed term ${committed}`,
      );
    }
    if (effective) {
      const at = this.effectiveAt.get(key);
      if (at === undefined) this.effectiveAt.set(key, i);
      else if (at !== i) this.fail('exactly-once', `command ${key} took effect at ${at} and again at ${i}`);
    }
  }

  /** A node installed a snapshot: its image must equal what others had at that index. */
  onSnapshotRestore(id: number, index: number, digest: number): void {
    const want = this.digestAt[index];
    if (want !== undefined && want !== digest) {
      this.fail('state-machine-safety', `node ${id} restored digest ${digest} at ${index}, others ${want}`);
    }
  }

  effectiveIndexOf(key: number): number | undefined {
    return this.effectiveAt.get(key);
  }

  digestAtIndex(index: number): number | undefined {
    return this.digestAt[index];
  }
}
