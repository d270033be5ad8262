// The deterministic cluster simulator. One seed drives everything: the fault profile of
// the run, the schedule of events (ticks of single nodes, deliveries, Ready processing,
// proposals, reads, crashes, restarts, partitions, snapshots, membership changes,
// leadership transfers) and every node's election-timeout randomness. Invariants are
// checked after every step; after the chaos phase the network heals and the cluster must
// commit a new command on every member within a bounded number of ticks.
import { AssertionError, type Random, SeededRandom } from '@seshat/common';
import {
  bootstrapStorage,
  ConfChangeType,
  EMPTY_BYTES,
  type Message,
  MessageType,
  RaftError,
  StateRole,
} from '../../src/index.js';
import { Checker, SimViolation } from './checker.js';
import { SimNetwork } from './network.js';
import { type ProposalToken, SimNode } from './node.js';
import { encodeCommand, SimStateMachine } from './state-machine.js';

export interface SimOptions {
  seed: number;
  nodes: 3 | 5;
  steps: number;
  /** TEST ONLY: the broken commit rule the checker must catch. */
  unsafeCommitPreviousTermByCounting?: boolean;
  /** Allow membership changes (add learner, promote, remove) in the schedule. */
  membership?: boolean;
  /**
   * 'mixed' (default): each seed draws its own fault profile. 'leader-churn': leaders
   * crash and come back all the time and every Append carries one entry: the schedule
   * under which Figure 8 unfolds, used to show the checker catches a broken commit rule.
   */
  profile?: 'mixed' | 'leader-churn';
}

export interface SimResult {
  seed: number;
  ok: boolean;
  /** Invariant name of the failure, or 'assertion' / 'liveness' / 'exception'. */
  failure: string | null;
  message: string | null;
  step: number;
  stats: SimStats;
}

export interface SimStats {
  commits: number;
  acked: number;
  reads: number;
  elections: number;
  crashes: number;
  snapshots: number;
  confChanges: number;
  messages: number;
  livenessTicks: number;
}

interface Client {
  readonly id: number;
  seq: number;
  /** Step at which the current seq was last proposed, -1 if not outstanding. */
  sentAtStep: number;
}

/** Ticks the healed cluster gets to elect a leader and apply a command everywhere. */
export const LIVENESS_TICKS_MAX = 400;
const CLIENTS = 4;
const ID_POOL_MAX = 12;

const ACTIONS = [
  ['deliver', 40],
  ['ready', 26],
  ['tick', 14],
  ['tickAll', 2],
  ['propose', 8],
  ['read', 2],
  ['crash', 0.5],
  ['crashLeader', 0.3],
  ['isolateLeader', 0.3],
  ['restart', 1.5],
  ['partition', 0.4],
  ['heal', 0.8],
  ['snapshot', 1],
  ['transfer', 0.2],
  ['membership', 0.6],
] as const;
type Action = (typeof ACTIONS)[number][0];
/** leader-churn: leaders are cut off or killed early and often, proposals reach stale leaders. */
const CHURN_WEIGHTS: Partial<Record<Action, number>> = {
  crashLeader: 2,
  isolateLeader: 2,
  heal: 3,
  restart: 6,
  propose: 12,
};

export class Simulator {
  readonly options: SimOptions;
  readonly random: Random;
  readonly checker = new Checker();
  readonly network: SimNetwork;
  readonly nodes = new Map<number, SimNode>();
  readonly stats: SimStats = {
    commits: 0,
    acked: 0,
    reads: 0,
    elections: 0,
    crashes: 0,
    snapshots: 0,
    confChanges: 0,
    messages: 0,
    livenessTicks: 0,
  };
  step = 0;
  private readonly clients: Client[] = [];
  private readonly weights: number[];
  private readonly totalWeight: number;
  private nextNodeId: number;
  private readCounter = 0;
  private readonly electionTicks: number;
  private readonly maxSizePerMsgBytes: number;
  private readonly maxInflightMsgs: number;
  private readonly splitReady: number;
  private readonly crashLossRate: number;

  constructor(options: SimOptions) {
    this.options = options;
    this.random = new SeededRandom(options.seed);
    const r = this.random;
    this.network = new SimNetwork(r, {
      dropRate: [0, 0.02, 0.1, 0.3][r.nextInt(4)]!,
      duplicateRate: [0, 0.02, 0.1][r.nextInt(3)]!,
      delayStepsMax: [0, 3, 10, 40][r.nextInt(4)]!,
    });
    this.electionTicks = [4, 6, 10][r.nextInt(3)]!;
    // 1 byte: one entry per Append, the setting under which Figure 8 can unfold.
    this.maxSizePerMsgBytes = [1, 256, 64 * 1024][r.nextInt(3)]!;
    this.maxInflightMsgs = [1, 8, 256][r.nextInt(3)]!;
    this.splitReady = r.nextFloat();
    const churn = options.profile === 'leader-churn';
    if (churn) {
      this.maxSizePerMsgBytes = 1;
      this.network.faults = { dropRate: 0.1, duplicateRate: 0, delayStepsMax: 10 };
    }
    this.crashLossRate = churn ? 1 : 0.5;
    const crashScale = churn ? 1 : [0, 0.3, 1, 2][r.nextInt(4)]!;
    this.weights = ACTIONS.map(([name, w]) => {
      if (churn && CHURN_WEIGHTS[name] !== undefined) return CHURN_WEIGHTS[name];
      if (name === 'crash' || name === 'restart' || name === 'crashLeader') return w * crashScale;
      if (name === 'membership') return options.membership === false ? 0 : w;
      return w;
    });
    this.totalWeight = this.weights.reduce((a, b) => a + b, 0);
    for (let c = 1; c <= CLIENTS; c++) this.clients.push({ id: c, seq: 1, sentAtStep: -1 });
    this.nextNodeId = options.nodes + 1;
    this.bootstrap();
  }

  private bootstrap(): void {
    const voters = Array.from({ length: this.options.nodes }, (_, i) => i + 1);
    const confState = { voters, learners: [], removed: [] };
    const image = new SimStateMachine();
    image.applied = 1;
    image.confState = confState;
    const data = image.encode();
    for (const id of voters) {
      const node = this.addNode(id);
      bootstrapStorage(node.storage, confState, data);
      node.sm = SimStateMachine.decode(data);
      node.persistedTerm = 1;
      node.persistedCommit = 1;
      node.start();
    }
  }

  private addNode(id: number): SimNode {
    const config = {
      electionTicks: this.electionTicks,
      heartbeatTicks: 1,
      maxSizePerMsgBytes: this.maxSizePerMsgBytes,
      maxInflightMsgs: this.maxInflightMsgs,
      unsafeCommitPreviousTermByCounting: this.options.unsafeCommitPreviousTermByCounting === true,
    };
    const node = new SimNode(id, this.options.seed, config, this.checker, {
      send: (_from, messages) => this.sendAll(messages),
      acked: (_node, token, committed) => this.onAcked(token, committed),
    });
    this.nodes.set(id, node);
    return node;
  }

  private sendAll(messages: readonly Message[]): void {
    for (const m of messages) this.network.send(m, this.step);
    this.stats.messages += messages.length;
  }

  run(): SimResult {
    try {
      for (this.step = 0; this.step < this.options.steps; this.step++) {
        this.doAction(this.pickAction());
        this.observeAll();
      }
      this.healAndCheckLiveness();
      return this.result(null, null);
    } catch (err) {
      if (err instanceof SimViolation) return this.result(err.invariant, err.message);
      if (err instanceof AssertionError) return this.result('assertion', `${err.message}\n${err.stack}`);
      return this.result('exception', err instanceof Error ? `${err.message}\n${err.stack}` : String(err));
    }
  }

  private result(failure: string | null, message: string | null): SimResult {
    return {
      seed: this.options.seed,
      ok: failure === null,
      failure,
      message,
      step: this.step,
      stats: this.stats,
    };
  }

  private pickAction(): Action {
    let x = this.random.nextFloat() * this.totalWeight;
    for (let i = 0; i < ACTIONS.length; i++) {
      x -= this.weights[i]!;
      if (x < 0) return ACTIONS[i]![0];
    }
    return 'deliver';
  }

  private doAction(action: Action): void {
    switch (action) {
      case 'deliver':
        this.deliverOne();
        break;
      case 'ready':
        this.processReady(this.busyNode());
        break;
      case 'tick':
        this.tick(this.randomNode(true));
        break;
      case 'tickAll':
        for (const node of this.nodes.values()) this.tick(node);
        break;
      case 'propose':
        this.propose();
        break;
      case 'read':
        this.read(this.randomNode(true));
        break;
      case 'crash':
        this.crash(this.randomNode(true));
        break;
      case 'crashLeader':
        this.crashLeader();
        break;
      case 'isolateLeader':
        this.isolate(this.leaderNode());
        break;
      case 'restart':
        this.restart(this.randomNode(false));
        break;
      case 'partition':
        this.partition();
        break;
      case 'heal':
        this.network.heal();
        break;
      case 'snapshot':
        this.snapshot(this.randomNode(true));
        break;
      case 'transfer':
        this.transfer();
        break;
      case 'membership':
        this.changeMembership();
        break;
    }
  }

  /** A random node that is alive (or dead, if alive=false); undefined if none. */
  private randomNode(alive: boolean): SimNode | undefined {
    const pool: SimNode[] = [];
    for (const node of this.nodes.values()) if (node.alive === alive) pool.push(node);
    return pool.length === 0 ? undefined : pool[this.random.nextInt(pool.length)];
  }

  /** A random live node with a Ready to begin or finish. */
  private busyNode(): SimNode | undefined {
    const pool: SimNode[] = [];
    for (const node of this.nodes.values()) {
      if (node.alive && (node.pendingReady !== null || node.raw!.hasReady())) pool.push(node);
    }
    return pool.length === 0 ? undefined : pool[this.random.nextInt(pool.length)];
  }

  /** The newest leader, or under leader-churn any node that believes it leads. */
  private someLeader(): SimNode | undefined {
    if (this.options.profile !== 'leader-churn') return this.leaderNode();
    const pool: SimNode[] = [];
    for (const node of this.nodes.values()) if (node.raw?.raft.role === StateRole.Leader) pool.push(node);
    return pool.length === 0 ? undefined : pool[this.random.nextInt(pool.length)];
  }

  private leaderNode(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes.values()) {
      const r = node.raw?.raft;
      if (
        r !== undefined &&
        r.role === StateRole.Leader &&
        (best === undefined || r.term > best.raw!.raft.term)
      ) {
        best = node;
      }
    }
    return best;
  }

  // --- Events ------------------------------------------------------------------------------

  private deliverOne(): void {
    const taken = this.network.take(this.step);
    if (taken === null) return;
    const { message, lost } = taken;
    const to = this.nodes.get(message.to);
    const delivered = !lost && to !== undefined && to.alive;
    if (delivered) to.raw!.step(message);
    if (message.type === MessageType.Snapshot)
      this.nodes.get(message.from)?.raw?.reportSnapshot(message.to, delivered);
  }

  private processReady(node: SimNode | undefined): void {
    if (node === undefined) return;
    if (node.pendingReady !== null) {
      node.finishReady();
      this.serveReads(node);
      return;
    }
    if (node.beginReady() && this.random.nextFloat() >= this.splitReady) {
      node.finishReady();
      this.serveReads(node);
    }
  }

  private tick(node: SimNode | undefined): void {
    node?.raw?.tick();
  }

  private propose(): void {
    const client = this.clients[this.random.nextInt(this.clients.length)]!;
    const waiting = client.sentAtStep >= 0 && this.step - client.sentAtStep < 60;
    const patience = this.options.profile === 'leader-churn' ? 0.3 : 0.9;
    if (waiting && this.random.nextFloat() < patience) return;
    const node = this.random.nextFloat() < 0.85 ? this.someLeader() : this.randomNode(true);
    if (node === undefined) return;
    const data = encodeCommand(client.id, client.seq);
    try {
      const id = node.raw!.propose(data);
      node.proposals.add(id, { key: client.id * 2 ** 32 + client.seq, client: client.id });
      client.sentAtStep = this.step;
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
    }
  }

  private onAcked(token: ProposalToken, committed: boolean): void {
    const client = this.clients[token.client - 1]!;
    const seq = token.key % 2 ** 32;
    if (!committed) {
      if (seq === client.seq) client.sentAtStep = -1; // lost: retry the same seq
      return;
    }
    this.checker.acked.add(token.key);
    this.stats.acked++;
    if (seq === client.seq) {
      client.seq++;
      client.sentAtStep = -1;
    }
  }

  private read(node: SimNode | undefined): void {
    if (node === undefined) return;
    const id = ++this.readCounter;
    const ctx = new Uint8Array(8);
    new DataView(ctx.buffer).setFloat64(0, id);
    try {
      node.raw!.readIndex(ctx);
      node.reads.set(id, { issuedCommit: this.checker.globalCommit });
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
    }
  }

  private serveReads(node: SimNode): void {
    for (const rs of node.takeServableReads()) {
      const id = new DataView(rs.context.buffer, rs.context.byteOffset, 8).getFloat64(0);
      const waiter = node.reads.get(id);
      if (waiter === undefined) continue;
      node.reads.delete(id);
      if (rs.index < waiter.issuedCommit) {
        this.checker.fail(
          'linearizable-read',
          `node ${node.id} read ${id} at index ${rs.index}, but ${waiter.issuedCommit} was committed before it was issued`,
        );
      }
      this.stats.reads++;
    }
  }

  private crash(node: SimNode | undefined): void {
    if (node === undefined) return;
    node.crash();
    // Its send buffers die with it: part of what it "sent" never leaves the machine.
    this.network.loseFrom(node.id, this.crashLossRate);
    this.stats.crashes++;
  }

  private restart(node: SimNode | undefined): void {
    node?.start();
  }

  private partition(): void {
    const ids = [...this.nodes.keys()];
    const kind = this.random.nextInt(3);
    if (kind === 0) {
      // Symmetric split into two sides.
      const side = new Set(ids.filter(() => this.random.nextFloat() < 0.5));
      for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) this.network.block(a, b);
    } else if (kind === 1) {
      // One-way: a cannot reach b.
      const a = ids[this.random.nextInt(ids.length)]!;
      const b = ids[this.random.nextInt(ids.length)]!;
      if (a !== b) this.network.block(a, b);
    } else {
      this.isolate(this.nodes.get(ids[this.random.nextInt(ids.length)]!));
    }
  }

  /** Kill the leader; under leader-churn only a young one (its no-op may not have spread). */
  private crashLeader(): void {
    const leader = this.leaderNode();
    if (leader === undefined) return;
    this.crash(leader);
  }

  private isolate(node: SimNode | undefined): void {
    if (node === undefined) return;
    for (const other of this.nodes.keys()) {
      if (other === node.id) continue;
      this.network.block(node.id, other);
      this.network.block(other, node.id);
    }
  }

  private snapshot(node: SimNode | undefined): void {
    if (node?.snapshotAndCompact(this.random.nextInt(8))) this.stats.snapshots++;
  }

  private transfer(): void {
    const leader = this.leaderNode();
    if (leader === undefined) return;
    const voters = leader.raw!.raft.tracker.voters;
    leader.raw!.transferLeadership(voters[this.random.nextInt(voters.length)]!);
  }

  private changeMembership(): void {
    const leader = this.leaderNode();
    if (leader === undefined) return;
    const cs = leader.raw!.raft.tracker.confState();
    const change = this.pickConfChange(cs.voters, cs.learners);
    if (change === null) return;
    try {
      leader.raw!.proposeConfChange({ ...change, context: EMPTY_BYTES });
      this.stats.confChanges++;
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
      return;
    }
    if (change.type === ConfChangeType.AddLearnerNode && !this.nodes.has(change.nodeId)) {
      this.nextNodeId++;
      this.addNode(change.nodeId).start();
    }
  }

  private pickConfChange(
    voters: readonly number[],
    learners: readonly number[],
  ): { type: ConfChangeType; nodeId: number } | null {
    const kind = this.random.nextInt(3);
    if (kind === 0 && learners.length === 0 && this.nextNodeId <= ID_POOL_MAX) {
      return { type: ConfChangeType.AddLearnerNode, nodeId: this.nextNodeId };
    }
    if (kind === 1 && learners.length > 0 && voters.length < 5) {
      return { type: ConfChangeType.AddNode, nodeId: learners[0]! };
    }
    if (kind === 2 && voters.length > 3) {
      return { type: ConfChangeType.RemoveNode, nodeId: voters[this.random.nextInt(voters.length)]! };
    }
    return null;
  }

  // --- Invariants ------------------------------------------------------------------------

  private observeAll(): void {
    for (const node of this.nodes.values()) {
      const raw = node.raw;
      if (raw === null) continue;
      this.checker.observe(node.id, raw);
      if (raw.raft.role === StateRole.Leader && node.leaderTerm !== raw.raft.term) {
        node.leaderTerm = raw.raft.term;
        node.leaderSinceStep = this.step;
      }
    }
    this.stats.commits = this.checker.globalCommit;
    this.stats.elections = this.checker.leaderTerms;
  }

  /** Heal everything, then demand progress: a new command applied on every member. */
  private healAndCheckLiveness(): void {
    this.network.heal();
    this.network.faults = { dropRate: 0, duplicateRate: 0, delayStepsMax: 0 };
    for (const node of this.nodes.values()) if (!node.alive) node.start();
    for (const c of this.clients) c.sentAtStep = -1; // clients time out and retry
    const client = this.clients[0]!;
    const key = client.id * 2 ** 32 + client.seq;
    let proposedAtTick = 0;
    for (let tick = 0; tick < LIVENESS_TICKS_MAX; tick++) {
      this.stats.livenessTicks = tick;
      this.settle();
      const leader = this.leaderNode();
      if (leader !== undefined && this.appliedEverywhere(leader, key)) {
        this.checkAckedSurvived(leader);
        return;
      }
      // A proposal to a leader that lost its tail waits for its index forever on an idle
      // cluster: the client times out and retries (the Deduplicator keeps it single).
      if (client.sentAtStep >= 0 && tick - proposedAtTick > 3 * this.electionTicks) client.sentAtStep = -1;
      if (leader !== undefined && client.sentAtStep < 0) {
        this.proposeOn(leader, client);
        proposedAtTick = tick;
      }
      for (const node of this.nodes.values()) node.raw!.tick();
    }
    this.checker.fail(
      'liveness',
      `no command applied on every member within ${LIVENESS_TICKS_MAX} healed ticks`,
    );
  }

  private proposeOn(node: SimNode, client: Client): void {
    try {
      const id = node.raw!.propose(encodeCommand(client.id, client.seq));
      node.proposals.add(id, { key: client.id * 2 ** 32 + client.seq, client: client.id });
      client.sentAtStep = this.step;
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
    }
  }

  /** Deliver and process until quiet (bounded), checking invariants as we go. */
  private settle(): void {
    for (let round = 0; round < 64; round++) {
      let busy = false;
      for (const node of this.nodes.values()) {
        if (node.pendingReady !== null || node.beginReady()) {
          node.finishReady();
          this.serveReads(node);
          busy = true;
        }
      }
      const messages = this.network.drainAll();
      for (const m of messages) {
        const to = this.nodes.get(m.to);
        to?.raw?.step(m);
        if (m.type === MessageType.Snapshot)
          this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, to !== undefined);
      }
      this.observeAll();
      if (!busy && messages.length === 0) return;
    }
  }

  private members(leader: SimNode): number[] {
    const cs = leader.raw!.raft.tracker.confState();
    return [...cs.voters, ...cs.learners];
  }

  private appliedEverywhere(leader: SimNode, key: number): boolean {
    if (this.checker.effectiveIndexOf(key) === undefined) return false;
    const commit = leader.raw!.raft.log.committed;
    return this.members(leader).every((id) => (this.nodes.get(id)?.sm.applied ?? 0) >= commit);
  }

  /** Every command acknowledged to a client took effect and is applied on every member. */
  private checkAckedSurvived(leader: SimNode): void {
    const members = this.members(leader);
    for (const key of this.checker.acked) {
      const index =
        this.checker.effectiveIndexOf(key) ??
        this.checker.fail('acked-lost', `acknowledged command ${key} never took effect`);
      for (const id of members) {
        const node = this.nodes.get(id)!;
        if (node.sm.applied < index) this.checker.fail('acked-lost', `node ${id} lacks acknowledged ${key}`);
      }
    }
    for (const id of members) {
      const node = this.nodes.get(id)!;
      const want = this.checker.digestAtIndex(node.sm.applied);
      if (want !== undefined && want !== node.sm.digest) {
        this.checker.fail(
          'state-machine-safety',
          `node ${id} ends with digest ${node.sm.digest}, want ${want}`,
        );
      }
    }
  }
}

export function runSeed(options: SimOptions): SimResult {
  return new Simulator(options).run();
}
