// A hand-driven Raft cluster for raft-rocks.test.ts: RawNodes over either MemoryLogStorage
// (the reference) or RocksLogStorage on a real RocksDB per node, driven like the driver
// contract says: per Ready, one batch for snapshot + entries + hard state (synced when
// mustSync), then messagesAfterPersist, then apply in a second batch (state machine record +
// setConfState), then advance(). The state machine is the list of applied commands, kept in
// the node's storage (`default` family, key "sm") so it survives restarts; its snapshot
// image is that list inline (small enough to be a descriptor). restart() rebuilds the node
// from disk (for RocksDB: close and reopen the database).
import { SeededRandom } from '@seshat/common';
import {
  bootstrapStorage,
  type ConfState,
  decodeConfChange,
  EntryType,
  type LogStorage,
  MemoryLogStorage,
  type Message,
  MessageType,
  RawNode,
  StateRole,
} from '@seshat/raft';
import { MemoryStorage, openRocksStorage, type Storage } from '@seshat/storage';
import { RocksLogStorage } from '../src/index.js';

export type Kind = 'memory' | 'rocks';

interface SmState {
  appliedIndex: number;
  commands: string[];
  confState: ConfState;
}

export interface HarnessNode {
  readonly id: number;
  storage: Storage;
  log: LogStorage;
  raw: RawNode | null;
  sm: SmState;
}

const SM_KEY = Buffer.from('sm');
const EMPTY_CONF: ConfState = { voters: [], learners: [], removed: [] };

export class RaftHarness {
  readonly nodes = new Map<number, HarnessNode>();
  queue: Message[] = [];
  readonly cut = new Set<string>();
  snapshotsSent = 0;
  /** Snapshots made because the leader's RocksLogStorage had no image to stream. */
  snapshotsOnDemand = 0;
  private incarnation = 0;

  private constructor(
    readonly kind: Kind,
    private readonly dirOf: (id: number) => string,
  ) {}

  static async create(kind: Kind, voters: number[], dirOf: (id: number) => string): Promise<RaftHarness> {
    const h = new RaftHarness(kind, dirOf);
    const cs: ConfState = { voters, learners: [], removed: [] };
    for (const id of voters) {
      const node = await h.addEmpty(id);
      h.persist(node, (log) => bootstrapStorage(log, cs));
      node.sm = { appliedIndex: 1, commands: [], confState: cs };
      h.saveSm(node);
      h.start(node);
    }
    return h;
  }

  /** A node with empty storage; start it with `startNode` once the leader knows it. */
  async addEmpty(id: number): Promise<HarnessNode> {
    const storage = this.kind === 'rocks' ? await openRocksStorage(this.dirOf(id)) : new MemoryStorage();
    const log = this.kind === 'rocks' ? new RocksLogStorage(storage, { groupId: 1 }) : new MemoryLogStorage();
    const node: HarnessNode = {
      id,
      storage,
      log,
      raw: null,
      sm: { appliedIndex: 0, commands: [], confState: EMPTY_CONF },
    };
    this.nodes.set(id, node);
    return node;
  }

  startNode(id: number): void {
    this.start(this.node(id));
  }

  private start(node: HarnessNode): void {
    this.incarnation++;
    node.raw = new RawNode(
      { id: node.id, groupId: 1, applied: node.sm.appliedIndex },
      node.log,
      new SeededRandom(node.id * 1000 + this.incarnation),
    );
  }

  node(id: number): HarnessNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  raw(id: number): RawNode {
    const r = this.node(id).raw;
    if (r === null) throw new Error(`node ${id} is down`);
    return r;
  }

  /**
   * Stop node `id` (everything volatile is lost: RawNode, messages to it) and start it again
   * from what its storage holds. RocksDB is closed and reopened; memory storage is kept.
   */
  async restart(id: number): Promise<void> {
    const node = this.node(id);
    node.raw = null;
    this.queue = this.queue.filter((m) => m.to !== id);
    if (this.kind === 'rocks') {
      await node.storage.close();
      node.storage = await openRocksStorage(this.dirOf(id));
      node.log = new RocksLogStorage(node.storage, { groupId: 1 });
    }
    const raw = node.storage.get('default', SM_KEY);
    node.sm =
      raw === undefined
        ? { appliedIndex: 0, commands: [], confState: EMPTY_CONF }
        : JSON.parse(raw.toString());
    this.start(node);
  }

  async close(): Promise<void> {
    for (const n of this.nodes.values()) await n.storage.close();
  }

  /** Stage the node's log on a fresh batch, run fn, write (synced or not), unstage. */
  private persist(node: HarnessNode, fn: (log: LogStorage) => void, sync = true): void {
    const batch = node.storage.batch();
    if (node.log instanceof RocksLogStorage) node.log.stage(batch);
    fn(node.log);
    if (node.log instanceof RocksLogStorage) this.saveSmInto(node, batch);
    node.storage.write(batch, { sync });
    if (node.log instanceof RocksLogStorage) node.log.unstage();
  }

  private saveSm(node: HarnessNode): void {
    const batch = node.storage.batch();
    this.saveSmInto(node, batch);
    node.storage.write(batch, { sync: true });
  }

  private saveSmInto(node: HarnessNode, batch: ReturnType<Storage['batch']>): void {
    batch.put('default', SM_KEY, Buffer.from(JSON.stringify(node.sm)));
  }

  processReady(id: number): boolean {
    const node = this.node(id);
    const raw = node.raw;
    if (raw === null || !raw.hasReady()) return false;
    const rd = raw.ready();
    this.send(rd.messages);
    this.persist(
      node,
      (log) => {
        if (rd.snapshot !== null) log.applySnapshot(rd.snapshot);
        log.append(rd.entries);
        if (rd.hardState !== null) log.setHardState(rd.hardState);
      },
      rd.mustSync,
    );
    this.send(rd.messagesAfterPersist);
    this.persist(
      node,
      (log) => {
        if (rd.snapshot !== null) {
          node.sm = {
            appliedIndex: rd.snapshot.metadata.index,
            commands: JSON.parse(Buffer.from(rd.snapshot.data).toString() || '[]'),
            confState: rd.snapshot.metadata.confState,
          };
        }
        for (const e of rd.committedEntries) {
          if (e.type === EntryType.ConfChange) {
            node.sm.confState = raw.applyConfChange(decodeConfChange(e.data));
            log.setConfState(node.sm.confState);
          } else if (e.data.byteLength > 0) {
            node.sm.commands.push(Buffer.from(e.data).toString());
          }
          node.sm.appliedIndex = e.index;
        }
      },
      false,
    );
    if (this.kind === 'memory') this.saveSm(node);
    raw.advance();
    // The leader asked for a snapshot it can stream (RocksLogStorage after a restart): make one.
    if (node.log instanceof RocksLogStorage && node.log.wantsSnapshot) {
      this.snapshotsOnDemand++;
      this.snapshot(id, false);
    }
    return true;
  }

  /** Snapshot node `id` at its applied index (image: its commands), optionally compact. */
  snapshot(id: number, compact = true): void {
    const node = this.node(id);
    this.persist(node, (log) => {
      const image = Buffer.from(JSON.stringify(node.sm.commands));
      log.createSnapshot(node.sm.appliedIndex, node.sm.confState, image);
      if (compact) log.compact(node.sm.appliedIndex);
    });
  }

  private send(messages: readonly Message[]): void {
    for (const m of messages) this.queue.push(m);
  }

  deliverAll(): number {
    const batch = this.queue;
    this.queue = [];
    let delivered = 0;
    for (const m of batch) {
      const to = this.nodes.get(m.to);
      const ok = to?.raw != null && !this.cut.has(`${m.from}->${m.to}`);
      if (m.type === MessageType.Snapshot) {
        if (ok) this.snapshotsSent++;
        this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, ok);
      }
      if (!ok) continue;
      to.raw!.step(m);
      delivered++;
    }
    return delivered;
  }

  stabilize(rounds = 300): void {
    for (let i = 0; i < rounds; i++) {
      let busy = false;
      for (const id of this.nodes.keys()) if (this.processReady(id)) busy = true;
      if (this.deliverAll() > 0) busy = true;
      if (!busy && this.queue.length === 0) return;
    }
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.raw?.tick();
      this.stabilize();
    }
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  leader(): number {
    let best = 0;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      const r = node.raw?.raft;
      if (r !== undefined && r.role === StateRole.Leader && r.term > bestTerm) {
        best = node.id;
        bestTerm = r.term;
      }
    }
    return best;
  }

  elect(id: number): number {
    this.raw(id).campaign();
    this.stabilize();
    return this.leader();
  }

  tickUntilLeader(maxTicks = 300): number {
    for (let i = 0; i < maxTicks; i++) {
      this.tickAll();
      const l = this.leader();
      if (l !== 0) return l;
    }
    return 0;
  }

  propose(id: number, command: string): void {
    this.raw(id).propose(Buffer.from(command));
  }

  /** What a test compares between kinds: per node, applied commands and log shape. */
  outcome(): Record<
    number,
    { commands: string[]; applied: number; commit: number; last: number; term: number }
  > {
    const out: Record<
      number,
      { commands: string[]; applied: number; commit: number; last: number; term: number }
    > = {};
    for (const node of this.nodes.values()) {
      const st = node.raw?.status();
      out[node.id] = {
        commands: node.sm.commands,
        applied: node.sm.appliedIndex,
        commit: st?.commit ?? -1,
        last: node.log.lastIndex(),
        term: st?.term ?? -1,
      };
    }
    return out;
  }
}
