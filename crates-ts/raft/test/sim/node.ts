// One simulated node: durable parts (LogStorage, state machine image) that survive a
// crash, and volatile parts (RawNode, the Ready being processed, waiting proposals and
// reads) that a crash loses. Ready handling is split in two stages so that a crash can
// fall between the leader's early send and its fsync.
import { SeededRandom } from '@seshat/common';
import {
  decodeConfChange,
  type Entry,
  EntryType,
  MemoryLogStorage,
  PendingProposals,
  type RaftConfigInput,
  RawNode,
  type ReadState,
  type Ready,
} from '../../src/index.js';
import { type Checker, entryKey } from './checker.js';
import { SimStateMachine } from './state-machine.js';

export interface ProposalToken {
  readonly key: number;
  readonly client: number;
}

export interface ReadWaiter {
  readonly issuedCommit: number;
}

export interface NodeHooks {
  send(from: number, messages: Ready['messages']): void;
  acked(node: number, token: ProposalToken, committed: boolean): void;
}

export class SimNode {
  readonly id: number;
  readonly storage = new MemoryLogStorage();
  sm = new SimStateMachine();
  raw: RawNode | null = null;
  pendingReady: Ready | null = null;
  incarnation = 0;
  /** Highest term / commit ever persisted, to check monotonicity across restarts. */
  persistedTerm = 0;
  persistedCommit = 0;
  /** Term in which this node was last seen leading, and the step it was first seen so. */
  leaderTerm = 0;
  leaderSinceStep = 0;
  proposals: PendingProposals<ProposalToken>;
  reads = new Map<number, ReadWaiter>();
  private readStates: ReadState[] = [];
  private applying: Entry | null = null;
  private readonly checker: Checker;
  private readonly hooks: NodeHooks;
  private readonly config: Partial<RaftConfigInput>;
  private readonly seed: number;

  constructor(
    id: number,
    seed: number,
    config: Partial<RaftConfigInput>,
    checker: Checker,
    hooks: NodeHooks,
  ) {
    this.id = id;
    this.seed = seed;
    this.config = config;
    this.checker = checker;
    this.hooks = hooks;
    this.proposals = this.newProposals();
  }

  get alive(): boolean {
    return this.raw !== null;
  }

  private newProposals(): PendingProposals<ProposalToken> {
    return new PendingProposals<ProposalToken>(100_000, (token, committed) => {
      const entry = this.applying;
      if (committed && entry !== null && entryKey(entry) !== token.key) {
        this.checker.fail(
          'proposal-identity',
          `node ${this.id}: proposal ${token.key} answered by entry ${entryKey(entry)} at ${entry.index}`,
        );
      }
      this.hooks.acked(this.id, token, committed);
    });
  }

  start(): void {
    this.incarnation++;
    const random = new SeededRandom((this.seed * 7919 + this.id * 104729 + this.incarnation * 31) | 0);
    this.raw = new RawNode(
      { ...this.config, id: this.id, groupId: 7, applied: this.sm.applied },
      this.storage,
      random,
    );
    const hs = this.raw.hardState();
    if (hs.term < this.persistedTerm || hs.commit < this.persistedCommit) {
      this.checker.fail('monotonic', `node ${this.id} restarted at term ${hs.term} commit ${hs.commit}`);
    }
  }

  crash(): void {
    this.raw = null;
    this.pendingReady = null;
    this.proposals = this.newProposals();
    this.reads.clear();
    this.readStates = [];
    this.checker.forgetNode(this.id);
  }

  /** Stage A: take a Ready and send what the leader may send before its fsync. */
  beginReady(): boolean {
    const raw = this.raw!;
    if (this.pendingReady !== null || !raw.hasReady()) return false;
    const rd = raw.ready();
    this.pendingReady = rd;
    this.hooks.send(this.id, rd.messages);
    return true;
  }

  /** Stage B: persist, send the rest, apply, advance. */
  finishReady(): void {
    const rd = this.pendingReady!;
    this.pendingReady = null;
    this.persist(rd);
    this.hooks.send(this.id, rd.messagesAfterPersist);
    if (rd.snapshot !== null) this.restoreSnapshot(rd);
    for (const e of rd.committedEntries) this.apply(e);
    for (const rs of rd.readStates) this.readStates.push(rs);
    this.raw!.advance();
  }

  private persist(rd: Ready): void {
    if (rd.snapshot !== null) this.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      const prevTerm = first - 1 >= this.storage.firstIndex() - 1 ? this.storage.term(first - 1) : -1;
      this.checker.onPersist(this.id, rd.entries, prevTerm);
      this.storage.append(rd.entries);
    }
    const hs = rd.hardState;
    if (hs !== null) {
      if (hs.term < this.persistedTerm || hs.commit < this.persistedCommit) {
        this.checker.fail('monotonic', `node ${this.id} persisted term ${hs.term} commit ${hs.commit}`);
      }
      this.storage.setHardState(hs);
      this.persistedTerm = hs.term;
      this.persistedCommit = hs.commit;
    }
  }

  private restoreSnapshot(rd: Ready): void {
    const snap = rd.snapshot!;
    if (snap.metadata.index <= this.sm.applied) {
      this.checker.fail('monotonic', `node ${this.id} asked to restore ${snap.metadata.index} <= applied`);
    }
    this.sm = SimStateMachine.decode(snap.data);
    if (this.sm.applied !== snap.metadata.index) this.checker.fail('sim', 'snapshot image index mismatch');
    this.checker.onSnapshotRestore(this.id, snap.metadata.index, this.sm.digest);
  }

  private apply(e: Entry): void {
    const sm = this.sm;
    if (e.index !== sm.applied + 1) {
      this.checker.fail('apply-order', `node ${this.id} applies ${e.index} after ${sm.applied}`);
    }
    let effective = false;
    if (e.type === EntryType.ConfChange) {
      sm.confState = this.raw!.applyConfChange(decodeConfChange(e.data));
      this.storage.setConfState(sm.confState);
    } else if (e.data.byteLength > 0) {
      effective = sm.applyCommand(e.data);
    }
    sm.applied = e.index;
    this.checker.onApply(this.id, e, sm.digest, effective);
    this.applying = e;
    this.proposals.applied(e);
    this.applying = null;
  }

  /** ReadStates whose index is applied: the read is served now. Returns them. */
  takeServableReads(): ReadState[] {
    if (this.readStates.length === 0) return [];
    const ready = this.readStates.filter((rs) => rs.index <= this.sm.applied);
    this.readStates = this.readStates.filter((rs) => rs.index > this.sm.applied);
    return ready;
  }

  /** The state machine reports an image at its applied index; the log is compacted behind it. */
  snapshotAndCompact(keepEntries: number): boolean {
    const index = this.sm.applied;
    if (index <= this.storage.firstIndex() - 1 || index > this.storage.lastIndex()) return false;
    const snapIndex = this.storage.snapshot()!.metadata.index;
    if (index <= snapIndex) return false;
    this.storage.createSnapshot(index, this.sm.confState, this.sm.encode());
    this.storage.compact(Math.max(this.storage.firstIndex() - 1, index - keepEntries));
    return true;
  }
}
