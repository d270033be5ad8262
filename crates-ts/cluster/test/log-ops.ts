// Random but valid LogStorage write sequences for the RocksLogStorage tests: a generator
// that looks at a MemoryLogStorage model to pick only operations the contract allows
// (append within [first, last + 1], non-decreasing terms and commits, snapshots newer than
// the current one, compaction behind the snapshot), plus a comparison of every read
// method between two storages. Shared by rocks-log-storage.test.ts and the crash child.
import type { Random } from '@seshat/common';
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type LogStorage,
  MemoryLogStorage,
  type Snapshot,
} from '@seshat/raft';

export type LogOp =
  | { kind: 'append'; entries: Entry[] }
  | { kind: 'hard'; hardState: HardState }
  | { kind: 'applySnapshot'; snapshot: Snapshot }
  | { kind: 'createSnapshot'; index: number; confState: ConfState; data: Uint8Array }
  | { kind: 'compact'; index: number }
  | { kind: 'conf'; confState: ConfState };

export function applyOp(s: LogStorage, op: LogOp): void {
  switch (op.kind) {
    case 'append':
      s.append(op.entries);
      break;
    case 'hard':
      s.setHardState(op.hardState);
      break;
    case 'applySnapshot':
      s.applySnapshot(op.snapshot);
      break;
    case 'createSnapshot':
      s.createSnapshot(op.index, op.confState, op.data);
      break;
    case 'compact':
      s.compact(op.index);
      break;
    case 'conf':
      s.setConfState(op.confState);
      break;
  }
}

function bytes(rng: Random, max: number): Uint8Array {
  const out = new Uint8Array(rng.nextInt(max + 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.nextInt(256);
  return out;
}

function confState(rng: Random): ConfState {
  const voters = [1, 2, 3].slice(0, 1 + rng.nextInt(3));
  return { voters, learners: rng.nextInt(2) === 0 ? [] : [4], removed: rng.nextInt(3) === 0 ? [9, 11] : [] };
}

/** Generates ops valid for the storage state `model` is in; keeps its own term counter. */
export class LogOpGenerator {
  private term = 1;

  constructor(
    private readonly rng: Random,
    /** Largest entry data; a big value against a small cache forces RocksDB reads. */
    private readonly dataBytesMax = 300,
  ) {}

  next(model: MemoryLogStorage): LogOp {
    const rng = this.rng;
    if (rng.nextInt(8) === 0) this.term++;
    const first = model.firstIndex();
    const last = model.lastIndex();
    const snap = model.snapshot()!.metadata;
    const roll = rng.nextInt(100);
    if (roll < 50) {
      // The contract: entries[0].index > snapshot index (committed entries are never replaced).
      const lo = Math.max(first, snap.index + 1);
      const from = lo + rng.nextInt(last - lo + 2);
      const n = 1 + rng.nextInt(6);
      const entries: Entry[] = [];
      for (let i = 0; i < n; i++) {
        const type = rng.nextInt(10) === 0 ? EntryType.ConfChange : EntryType.Normal;
        entries.push({ term: this.term, index: from + i, type, data: bytes(rng, this.dataBytesMax) });
      }
      return { kind: 'append', entries };
    }
    if (roll < 65) {
      const hs = model.initialState().hardState;
      const commit = Math.max(hs.commit, rng.nextInt(last + 1));
      return {
        kind: 'hard',
        hardState: { term: Math.max(hs.term, this.term), vote: rng.nextInt(4), commit },
      };
    }
    if (roll < 75 && last > snap.index) {
      const index = snap.index + 1 + rng.nextInt(last - snap.index);
      return { kind: 'createSnapshot', index, confState: confState(rng), data: bytes(rng, 40) };
    }
    if (roll < 85 && snap.index > first - 1) {
      return { kind: 'compact', index: first + rng.nextInt(snap.index - first + 1) };
    }
    if (roll < 90) {
      const index = snap.index + 1 + rng.nextInt(Math.max(1, last - snap.index + 10));
      const metadata = { index, term: this.term, confState: confState(rng) };
      return { kind: 'applySnapshot', snapshot: { metadata, data: bytes(rng, 40) } };
    }
    return { kind: 'conf', confState: confState(rng) };
  }
}

/** A MemoryLogStorage holding the result of `ops`. */
export function replay(ops: readonly LogOp[]): MemoryLogStorage {
  const m = new MemoryLogStorage();
  for (const op of ops) applyOp(m, op);
  return m;
}

function entryView(e: Entry): string {
  return `${e.index}/${e.term}/${e.type}/${Buffer.from(e.data).toString('hex')}`;
}

export interface Probe {
  lo: number;
  hi: number;
  maxBytes: number;
}

/** entries() calls to compare: the whole log with no and a zero budget, plus random slices. */
export function probes(model: LogStorage, rng: Random): Probe[] {
  const first = model.firstIndex();
  const last = model.lastIndex();
  if (last < first) return [];
  const out: Probe[] = [
    { lo: first, hi: last + 1, maxBytes: Number.MAX_SAFE_INTEGER },
    { lo: first, hi: last + 1, maxBytes: 0 },
  ];
  for (let k = 0; k < 3; k++) {
    const lo = first + rng.nextInt(last - first + 1);
    out.push({ lo, hi: lo + 1 + rng.nextInt(last - lo + 1), maxBytes: rng.nextInt(1500) });
  }
  return out;
}

/** Every read answer of `s` as plain data (so a tap `same` shows the difference). */
export function readView(s: LogStorage, snapshot: Snapshot, probeList: readonly Probe[]): unknown {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const terms: number[] = [];
  for (let i = first - 1; i <= last; i++) terms.push(s.term(i));
  const ranges = probeList.map((p) => s.entries(p.lo, p.hi, p.maxBytes).map(entryView));
  return {
    initial: s.initialState(),
    first,
    last,
    terms,
    ranges,
    snapshot: { metadata: snapshot.metadata, data: Buffer.from(snapshot.data).toString('hex') },
  };
}

/**
 * A deterministic sequence of ticks for several groups: tick k's ops depend only on the
 * seed and ticks before k, so a crashed writer's ticks can be replayed by the checker.
 */
export class TickScript {
  readonly models = new Map<number, MemoryLogStorage>();
  private readonly gens = new Map<number, LogOpGenerator>();
  private readonly rng: Random;
  ticks = 0;

  constructor(seed: number, groupIds: readonly number[], rngOf: (seed: number) => Random) {
    this.rng = rngOf(seed);
    for (const g of groupIds) {
      this.models.set(g, new MemoryLogStorage());
      this.gens.set(g, new LogOpGenerator(rngOf(seed * 31 + g)));
    }
  }

  /** The next tick's ops per group, already applied to the models. */
  nextTick(): Map<number, LogOp[]> {
    const out = new Map<number, LogOp[]>();
    for (const [g, model] of this.models) {
      const ops: LogOp[] = [];
      const n = 1 + this.rng.nextInt(4);
      for (let i = 0; i < n; i++) {
        const op = this.gens.get(g)!.next(model);
        applyOp(model, op);
        ops.push(op);
      }
      out.set(g, ops);
    }
    this.ticks++;
    return out;
  }
}
