// A hand-driven cluster for scenario tests: RawNodes over MemoryLogStorage, a FIFO
// network that the test controls (deliver, drop, cut links, isolate), crash/restart
// that keeps only what was persisted, and a `stabilize` that runs everything to quiet.
// Unlike the simulator, nothing here is random except each node's election timeout.
import { SeededRandom } from '@seshat/common';
import {
  bootstrapStorage,
  type ConfState,
  decodeConfChange,
  type Entry,
  EntryType,
  MemoryLogStorage,
  type Message,
  MessageType,
  type ProposalId,
  RaftError,
  type RaftConfig,
  RawNode,
  type ReadState,
  type Ready,
  StateRole,
} from '../src/index.js';

export interface TestNode {
  readonly id: number;
  readonly storage: MemoryLogStorage;
  raw: RawNode | null;
  /** Durable "state machine": applied entries (no-ops included) and applied index. */
  applied: Entry[];
  appliedIndex: number;
  confState: ConfState;
  readStates: ReadState[];
}

export type Options = Partial<RaftConfig>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function text(b: Uint8Array): string {
  return decoder.decode(b);
}

/** The RaftError reason `fn` throws ('no error' if none); other errors propagate. */
export function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof RaftError) return err.reason;
    throw err;
  }
  return 'no error';
}

export class TestCluster {
  readonly nodes = new Map<number, TestNode>();
  queue: Message[] = [];
  /** Links "from->to" that lose every message. */
  readonly cut = new Set<string>();
  /** Every message ever sent, for assertions about traffic. */
  readonly sent: Message[] = [];
  private readonly options: Options;
  private incarnation = 0;

  constructor(voters: number[], options: Options = {}, learners: number[] = []) {
    this.options = options;
    const cs: ConfState = { voters, learners, removed: [] };
    for (const id of [...voters, ...learners]) {
      const node = this.addEmpty(id);
      bootstrapStorage(node.storage, cs);
      node.confState = cs;
      node.appliedIndex = 1;
      this.start(id);
    }
  }

  /** A node with empty storage (a new member before it hears from the leader). */
  addEmpty(id: number): TestNode {
    const node: TestNode = {
      id,
      storage: new MemoryLogStorage(),
      raw: null,
      applied: [],
      appliedIndex: 0,
      confState: { voters: [], learners: [], removed: [] },
      readStates: [],
    };
    this.nodes.set(id, node);
    return node;
  }

  start(id: number, options: Options = {}): RawNode {
    const node = this.node(id);
    this.incarnation++;
    node.raw = new RawNode(
      { ...this.options, ...options, id, groupId: 1, applied: node.appliedIndex },
      node.storage,
      new SeededRandom(id * 1000 + this.incarnation),
    );
    return node.raw;
  }

  node(id: number): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raw(id: number): RawNode {
    const raw = this.node(id).raw;
    if (raw === null) throw new Error(`node ${id} is down`);
    return raw;
  }

  /** Lose everything volatile: RawNode, unpersisted Ready, messages in flight to it. */
  crash(id: number): void {
    this.node(id).raw = null;
    this.queue = this.queue.filter((m) => m.to !== id);
  }

  restart(id: number, options: Options = {}): RawNode {
    return this.start(id, options);
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  /** Split into groups that cannot talk to each other. */
  partition(...groups: number[][]): void {
    for (const a of groups)
      for (const b of groups) if (a !== b) for (const x of a) for (const y of b) this.cut.add(`${x}->${y}`);
  }

  heal(): void {
    this.cut.clear();
  }

  tick(id: number, n = 1): void {
    for (let i = 0; i < n; i++) this.raw(id).tick();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const node of this.nodes.values()) node.raw?.tick();
  }

  /** Run one node's Ready: persist, send, apply, advance. Returns whether there was one. */
  processReady(id: number): boolean {
    const node = this.node(id);
    const raw = node.raw;
    if (raw === null || !raw.hasReady()) return false;
    const rd = raw.ready();
    this.send(rd.messages);
    this.persist(node, rd);
    this.send(rd.messagesAfterPersist);
    this.apply(node, rd);
    raw.advance();
    return true;
  }

  private persist(node: TestNode, rd: Ready): void {
    if (rd.snapshot !== null) node.storage.applySnapshot(rd.snapshot);
    node.storage.append(rd.entries);
    if (rd.hardState !== null) node.storage.setHardState(rd.hardState);
  }

  private apply(node: TestNode, rd: Ready): void {
    if (rd.snapshot !== null) {
      node.appliedIndex = rd.snapshot.metadata.index;
      node.confState = rd.snapshot.metadata.confState;
      node.applied = [];
    }
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) {
        node.confState = node.raw!.applyConfChange(decodeConfChange(e.data));
        node.storage.setConfState(node.confState);
      }
      node.applied.push(e);
      node.appliedIndex = e.index;
    }
    for (const rs of rd.readStates) node.readStates.push(rs);
  }

  private send(messages: readonly Message[]): void {
    for (const m of messages) {
      this.sent.push(m);
      this.queue.push(m);
    }
  }

  /** Deliver every queued message once (FIFO), minus cut links and dead nodes. */
  deliverAll(filter: (m: Message) => boolean = () => true): number {
    const batch = this.queue;
    this.queue = [];
    let delivered = 0;
    for (const m of batch) {
      const to = this.nodes.get(m.to);
      if (to?.raw == null || this.cut.has(`${m.from}->${m.to}`) || !filter(m)) {
        if (m.type === MessageType.Snapshot) this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, false);
        continue;
      }
      to.raw.step(m);
      if (m.type === MessageType.Snapshot) this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, true);
      delivered++;
    }
    return delivered;
  }

  /** Process Readies and deliver until nothing moves (bounded). */
  stabilize(rounds = 200): void {
    for (let i = 0; i < rounds; i++) {
      let busy = false;
      for (const id of this.nodes.keys()) if (this.processReady(id)) busy = true;
      if (this.deliverAll() > 0) busy = true;
      if (!busy && this.queue.length === 0) return;
    }
  }

  /** Campaign on `id` and run to quiet; returns the resulting leader (0 if none). */
  elect(id: number): number {
    this.raw(id).campaign();
    this.stabilize();
    return this.leader();
  }

  /** The live leader with the highest term (among `among`, if given), 0 if none. */
  leader(among?: readonly number[]): number {
    let best = 0;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      if (among !== undefined && !among.includes(node.id)) continue;
      const r = node.raw?.raft;
      if (r !== undefined && r.role === StateRole.Leader && r.term > bestTerm) {
        best = node.id;
        bestTerm = r.term;
      }
    }
    return best;
  }

  propose(id: number, data: string): ProposalId {
    return this.raw(id).propose(bytes(data));
  }

  /** The commands (non-empty normal entries) a node applied, as strings. */
  commands(id: number): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.byteLength > 0)
      .map((e) => text(e.data));
  }

  /** Tick every live node until one of `among` (default: any) leads; returns it, 0 if none. */
  tickUntilLeader(among?: readonly number[], maxTicks = 200): number {
    for (let i = 0; i < maxTicks; i++) {
      this.tickAll();
      this.stabilize();
      const leader = this.leader(among);
      if (leader !== 0) return leader;
    }
    return 0;
  }
}
