// The deterministic simulator of production code: NodeHost + GroupDriver + KvStateMachine +
// RocksLogStorage over MemoryStorage (crash model), several Raft groups per node. One seed
// picks the fault profile and then every event: which node runs its next deferred turn
// (the injected DriverScheduler: production's setImmediate), which fsync completes
// (MemoryStorage.completeSync: production's thread-pool fdatasync), which message is
// delivered, lost, duplicated or reordered, ticks of single nodes, client writes, retries and
// reads, crashes that lose unsynced writes, restarts, partitions, snapshots and log
// compaction, snapshot catch-up over the network, leadership transfers and membership
// changes (add learner on another node, promote, remove). Time moves only with the steps.
// Invariants are checked after every step (history.ts, clients.ts); after the chaos phase the
// network heals, every node restarts, and every group must elect a leader and apply a new
// write on all its members; then the clients' histories and the final state are checked.
//
// Promises: the driver waits for fsyncs and receives snapshot images through promises, whose
// callbacks run as microtasks. They are deterministic in order; the simulator lets them run
// (one macrotask turn) right after the step that settled one, so each step's consequences are
// complete before the next step and nothing runs outside the seed's schedule.
import { AssertionError, type Random, SeededRandom } from '@seshat/common';
import { INTERNAL_EXEC, resolveCommand } from '@seshat/kv';
import { ConfChangeType, EMPTY_BYTES, type Message, MessageType, StateRole } from '@seshat/raft';
import type { Reply } from '@seshat/common';
import type { ReplyWaiter } from '../../src/index.js';
import { SimNetwork } from '../../../raft/test/sim/network.js';
import { type ClientOp, SimClient } from './clients.js';
import { fail, GroupHistory, replyText, SimViolation } from './history.js';
import { noiseCommand } from './noise.js';
import { type NodeEnv, type ReplicaConfig, SimNode, type SimReplica } from './node.js';
import { SnapshotTransfers } from './transfers.js';

export interface SimOptions {
  seed: number;
  steps: number;
  /** Nodes (3-6); 0: the seed picks 3, 4 or 5. */
  nodes?: number;
  /** Groups (1-4); 0: the seed picks 2 or 3. */
  groups?: number;
}

export interface SimStats {
  nodes: number;
  groups: number;
  applied: number;
  acked: number;
  notApplied: number;
  unknown: number;
  retries: number;
  reads: number;
  crashes: number;
  fsyncs: number;
  snapshotsSent: number;
  snapshotsInstalled: number;
  snapshotsTaken: number;
  confChanges: number;
  leaderTerms: number;
  messages: number;
  digestChecks: number;
  livenessTicks: number;
  /** Ticks of quiesced groups (summed over groups), and groups woken by a silent peer. */
  quiescedTicks: number;
  wokenBySilence: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  failure: string | null;
  message: string | null;
  step: number;
  stats: SimStats;
  /** Each group's final applied index and state digest (equal runs of a seed: equal). */
  fingerprint: string;
}

/** Ticks the healed cluster gets to elect leaders and apply a write on every member. */
export const LIVENESS_TICKS_MAX = 600;
/** Simulated ms per step (time moves only with steps). */
const STEP_MS = 1;
/** Simulated ms per tick in the healed phase. */
const HEALED_TICK_MS = 10;
const CLIENTS_PER_GROUP = 2;
/** Chance that a client retries a write whose outcome is open rather than give up on it. */
const RETRY_PERSISTENCE = 0.9;
/** Share of client writes sent to a random replica instead of the leader. */
const STALE_ROUTE_SHARE = 0.05;
/** Most messages one deliver step takes. */
const DELIVER_BURST_MAX = 8;
/** Steps a client waits for a reply before it gives up (outcome unknown). */
const CLIENT_PATIENCE_STEPS = 800;
/** Rounds of "run everything until quiet" per healed tick. */
const SETTLE_ROUNDS_MAX = 400;
/** Group ids: distinct and not 0, so that nothing silently depends on group 0. */
const GROUP_IDS = [3, 7, 12, 20];
const VOTERS_MIN = 3;
const VOTERS_MAX = 5;

const ACTIONS = [
  ['deliver', 30],
  ['turn', 26],
  ['fsync', 12],
  ['tick', 12],
  ['write', 14],
  ['noise', 4],
  ['retry', 1.5],
  ['read', 2.5],
  ['crash', 0.3],
  ['crashLeader', 0.15],
  ['restart', 1.2],
  ['partition', 0.3],
  ['isolateLeader', 0.15],
  ['heal', 0.7],
  ['snapshot', 0.4],
  ['transfer', 0.15],
  ['membership', 0.5],
] as const;
type Action = (typeof ACTIONS)[number][0];

/** The seed's fault profile and knobs. */
function pickConfig(r: Random): ReplicaConfig {
  const pick = <T>(xs: readonly T[]): T => xs[r.nextInt(xs.length)]!;
  const logEntriesMax = pick([6, 20, 1000]);
  return {
    electionTicks: pick([5, 8, 12]),
    maxSizePerMsgBytes: pick([1, 512, undefined]),
    maxInflightMsgs: pick([1, 4, undefined]),
    maxCommittedSizePerReadyBytes: pick([1, undefined]),
    requestTimeoutMs: pick([300, 1000]),
    logEntriesMax,
    logEntriesKept: Math.min(logEntriesMax - 1, pick([0, 2, 5])),
    readyTurnBudgetMs: pick([0, 10]),
    metaCacheBytes: pick([0, 1 << 20]),
    recentWritesMax: pick([4, 4096]),
    quiesce: pick([false, true]),
  };
}

export class Simulator {
  readonly options: SimOptions;
  readonly random: Random;
  readonly config: ReplicaConfig;
  readonly network: SimNetwork;
  readonly nodes = new Map<number, SimNode>();
  readonly histories = new Map<number, GroupHistory>();
  readonly clients: SimClient[] = [];
  readonly transfers: SnapshotTransfers;
  readonly stats: SimStats;
  step = 0;
  private timeMs = 1_000_000;
  private fingerprint = '';
  /** Orders what clients see (sends, replies, reads) strictly, also within one step. */
  private events = 0;
  private nextTag = 1;
  private readonly weights: number[];
  private readonly totalWeight: number;
  private crashLossRate = 0.5;
  /** A waiter answered twice, an assertion in a microtask...: reported after the step. */
  private asyncFailure: unknown = null;

  constructor(options: SimOptions) {
    this.options = options;
    this.random = new SeededRandom(options.seed);
    const r = this.random;
    this.config = pickConfig(r);
    this.network = new SimNetwork(r, {
      dropRate: [0, 0.02, 0.1, 0.25][r.nextInt(4)]!,
      duplicateRate: [0, 0.02, 0.1][r.nextInt(3)]!,
      delayStepsMax: [0, 3, 10, 30][r.nextInt(4)]!,
    });
    this.transfers = new SnapshotTransfers(r);
    const crashScale = [0, 0.3, 1, 2][r.nextInt(4)]!;
    this.weights = ACTIONS.map(([name, w]) =>
      name === 'crash' || name === 'crashLeader' || name === 'restart' ? w * crashScale : w,
    );
    this.totalWeight = this.weights.reduce((a, b) => a + b, 0);
    const nodeCount = options.nodes || 3 + r.nextInt(3);
    const groupCount = options.groups || 2 + r.nextInt(2);
    this.stats = {
      nodes: nodeCount,
      groups: groupCount,
      applied: 0,
      acked: 0,
      notApplied: 0,
      unknown: 0,
      retries: 0,
      reads: 0,
      crashes: 0,
      fsyncs: 0,
      snapshotsSent: 0,
      snapshotsInstalled: 0,
      snapshotsTaken: 0,
      confChanges: 0,
      leaderTerms: 0,
      messages: 0,
      digestChecks: 0,
      livenessTicks: 0,
      quiescedTicks: 0,
      wokenBySilence: 0,
    };
    this.bootstrap(nodeCount, groupCount);
  }

  private bootstrap(nodeCount: number, groupCount: number): void {
    const env: NodeEnv = {
      seed: this.options.seed,
      config: this.config,
      nowMs: () => this.timeMs,
      send: (_from, messages) => this.sendAll(messages),
      sendSnapshot: (from, to, groupId, metadata, image, message) =>
        this.transfers.send(from, to, groupId, metadata, image, message, (m) =>
          this.network.send(m, this.step),
        ),
      onEntry: (node, groupId, index, data, replies) => this.onEntry(node, groupId, index, data, replies),
    };
    for (let id = 1; id <= nodeCount; id++) {
      this.nodes.set(id, new SimNode(id, env, this.random.nextInt(201) - 100));
    }
    for (let g = 0; g < groupCount; g++) {
      const groupId = GROUP_IDS[g]!;
      this.histories.set(groupId, new GroupHistory(groupId));
      // Each group on three nodes, placed by the seed.
      const placed = this.shuffled([...this.nodes.keys()]).slice(0, VOTERS_MIN);
      placed.sort((a, b) => a - b);
      const cs = { voters: placed, learners: [], removed: [] };
      for (const id of placed) this.nodes.get(id)!.addGroup(groupId, cs);
      for (let c = 0; c < CLIENTS_PER_GROUP; c++)
        this.clients.push(new SimClient(this.clients.length + 1, groupId));
    }
    for (const node of this.nodes.values()) node.start();
  }

  private eventTime(): number {
    return ++this.events;
  }

  private shuffled<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.random.nextInt(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }

  private sendAll(messages: readonly Message[]): void {
    for (const m of messages) this.network.send(m, this.step);
    this.stats.messages += messages.length;
  }

  private onEntry(
    node: number,
    groupId: number,
    index: number,
    data: Buffer | null,
    replies: Reply[] | null,
  ): void {
    const replica = this.nodes.get(node)!.replicas.get(groupId);
    const commands = data === null || replica === undefined ? null : replica.sm.commandsOf(data);
    this.histories.get(groupId)!.onApply(node, index, data, replies, commands);
    this.stats.applied++;
  }

  // --- The run -------------------------------------------------------------------------------

  async run(): Promise<SimResult> {
    const onRejection = (e: unknown) => {
      this.asyncFailure ??= e;
    };
    process.on('unhandledRejection', onRejection);
    try {
      for (this.step = 0; this.step < this.options.steps; this.step++) {
        this.timeMs += STEP_MS;
        this.actions[this.pickAction()]();
        await this.afterStep();
      }
      await this.healAndCheckLiveness();
      await this.finalChecks();
      return this.result(null, null);
    } catch (err) {
      if (err instanceof SimViolation)
        return this.result(err.invariant, err.message.slice(err.invariant.length + 2));
      if (err instanceof AssertionError) return this.result('assertion', `${err.message}\n${err.stack}`);
      return this.result('exception', err instanceof Error ? `${err.message}\n${err.stack}` : String(err));
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  }

  private result(failure: string | null, message: string | null): SimResult {
    this.collectStats();
    return {
      seed: this.options.seed,
      ok: failure === null,
      failure,
      message,
      step: this.step,
      stats: this.stats,
      fingerprint: this.fingerprint,
    };
  }

  private collectStats(): void {
    let leaderTerms = 0;
    let digestChecks = 0;
    for (const h of this.histories.values()) {
      leaderTerms += h.raft.leaderTerms;
      digestChecks += h.digestChecks;
    }
    this.stats.leaderTerms = leaderTerms;
    this.stats.digestChecks = digestChecks;
    this.stats.snapshotsSent = this.transfers.sent;
    this.stats.snapshotsInstalled = this.transfers.installed;
    let acked = 0;
    let notApplied = 0;
    let unknown = 0;
    for (const c of this.clients) {
      for (const op of c.ops) {
        if (op.status === 'acked') acked++;
        else if (op.status === 'not-applied') notApplied++;
        else unknown++;
      }
    }
    Object.assign(this.stats, { acked, notApplied, unknown });
  }

  /**
   * Lets settled promises' callbacks run (one macrotask turn: every microtask, also those they
   * queue), then checks everything. Needed after a step that settled a promise, and after any
   * turn while an image is being received (the turn may have resumed the receive loop):
   * otherwise the rest of the chain would run interleaved with the next step (after a crash).
   */
  private async afterStep(): Promise<void> {
    if (this.transfers.touched || this.transfers.receiving > 0) {
      this.transfers.touched = false;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.asyncFailure !== null) throw this.asyncFailure;
    if (this.transfers.failure !== null) throw this.transfers.failure;
    this.observe();
  }

  private pickAction(): Action {
    let x = this.random.nextFloat() * this.totalWeight;
    for (let i = 0; i < ACTIONS.length; i++) {
      x -= this.weights[i]!;
      if (x < 0) return ACTIONS[i]![0];
    }
    return 'deliver';
  }

  /** What each action does. */
  private readonly actions: Record<Action, () => void> = {
    deliver: () => this.deliverSome(),
    turn: () => this.pickNode((n) => n.alive && n.queuedTurns > 0)?.runTurn(),
    fsync: () => this.completeSync(),
    tick: () => this.tickNode(this.pickNode((n) => n.alive)),
    write: () => this.write(this.clients[this.random.nextInt(this.clients.length)]!),
    noise: () => this.noise(),
    retry: () => this.retry(),
    read: () => this.read(),
    crash: () => this.crash(this.pickNode((n) => n.alive)),
    crashLeader: () => this.crash(this.nodes.get(this.leaderOf(this.randomGroup())?.node ?? 0)),
    restart: () => this.pickNode((n) => !n.alive)?.start(),
    partition: () => this.partition(),
    isolateLeader: () => this.isolate(this.leaderOf(this.randomGroup())?.node),
    heal: () => this.network.heal(),
    snapshot: () => this.forceSnapshot(),
    transfer: () => this.transferLeader(),
    membership: () => this.changeMembership(),
  };

  private pickNode(pred: (n: SimNode) => boolean): SimNode | undefined {
    const pool: SimNode[] = [];
    for (const n of this.nodes.values()) if (pred(n)) pool.push(n);
    return pool.length === 0 ? undefined : pool[this.random.nextInt(pool.length)];
  }

  private randomGroup(): number {
    const ids = [...this.histories.keys()];
    return ids[this.random.nextInt(ids.length)]!;
  }

  /** The live replica of `groupId` that leads in the highest term, if any. */
  private leaderOf(groupId: number): { node: number; replica: SimReplica } | undefined {
    let best: { node: number; replica: SimReplica } | undefined;
    for (const n of this.nodes.values()) {
      const r = n.replicas.get(groupId);
      if (r === undefined || r.driver.node.raft.role !== StateRole.Leader) continue;
      if (best === undefined || r.driver.node.raft.term > best.replica.driver.node.raft.term)
        best = { node: n.id, replica: r };
    }
    return best;
  }

  /** A random live replica of `groupId`. */
  private replicaOf(groupId: number): { node: number; replica: SimReplica } | undefined {
    const n = this.pickNode((x) => x.alive && x.replicas.has(groupId));
    return n === undefined ? undefined : { node: n.id, replica: n.replicas.get(groupId)! };
  }

  // --- Network, fsyncs, crashes ---------------------------------------------------------------

  /** Up to DELIVER_BURST_MAX messages (several groups' heartbeats per tick add up). */
  private deliverSome(): void {
    for (let n = 1 + this.random.nextInt(DELIVER_BURST_MAX); n > 0; n--) {
      const taken = this.network.take(this.step);
      if (taken === null) return;
      this.deliver(taken.message, taken.lost);
    }
  }

  private deliver(m: Message, lost: boolean): void {
    const to = this.nodes.get(m.to);
    if (m.type === MessageType.Snapshot) {
      this.transfers.deliver(m, to?.alive ? to : null, lost);
      return;
    }
    if (lost || to === undefined) return;
    if (to.alive) to.host!.step([m]);
    // The sender's transport notices a dead peer (a failed stream) now and then.
    else if (this.random.nextFloat() < 0.2) this.nodes.get(m.from)?.host?.reportUnreachable(m.to);
  }

  /** The oldest pending fsync of one storage of a live node completes. */
  private completeSync(): void {
    const pool: SimReplica[] = [];
    for (const n of this.nodes.values())
      for (const r of n.replicas.values()) if (r.storage.pendingSyncs > 0) pool.push(r);
    if (pool.length === 0) return;
    pool[this.random.nextInt(pool.length)]!.storage.completeSync();
    this.stats.fsyncs++;
    this.transfers.touched = true;
  }

  /**
   * A machine crash. Per storage: a power loss keeps none of the unsynced writes, a process
   * crash keeps them all (the page cache survives), anything in between a prefix of them.
   */
  private crash(node: SimNode | undefined): void {
    if (node === undefined || !node.alive) return;
    const mode = this.random.nextInt(3);
    node.crash((unsynced) => (mode === 0 ? 0 : mode === 1 ? unsynced : this.random.nextInt(unsynced + 1)));
    for (const h of this.histories.values()) h.raft.forgetNode(node.id);
    this.network.loseFrom(node.id, this.crashLossRate);
    this.transfers.nodeCrashed(node.id);
    for (const c of this.clients) c.onNodeCrashed(node.id);
    this.stats.crashes++;
  }

  private partition(): void {
    const ids = [...this.nodes.keys()];
    const kind = this.random.nextInt(3);
    if (kind === 0) {
      const side = new Set(ids.filter(() => this.random.nextFloat() < 0.5));
      for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) this.network.block(a, b);
    } else if (kind === 1) {
      const a = ids[this.random.nextInt(ids.length)]!;
      const b = ids[this.random.nextInt(ids.length)]!;
      if (a !== b) this.network.block(a, b);
    } else {
      this.isolate(ids[this.random.nextInt(ids.length)]);
    }
  }

  private isolate(id: number | undefined): void {
    if (id === undefined) return;
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.network.block(id, other);
      this.network.block(other, id);
    }
  }

  // --- Clients ---------------------------------------------------------------------------------

  /** Requests handed to a driver, to check each is answered exactly once (if its node lives). */
  private readonly requests: { node: number; incarnation: number; answers: number; what: string }[] = [];

  private request(node: SimNode, what: string): { answered(): void } {
    const r = { node: node.id, incarnation: node.incarnation, answers: 0, what };
    this.requests.push(r);
    return {
      answered: () => {
        r.answers++;
        if (r.answers > 1) fail('double-reply', `${what} on node ${node.id} answered twice`);
      },
    };
  }

  /** The client's next step: wait, give up, retry an open write, or send a new one. */
  private write(client: SimClient): void {
    const op = client.current;
    if (op !== undefined && (op.attempt !== null || op.status === 'open')) {
      const waited = this.step - op.lastSentStep;
      if (op.attempt !== null && waited < CLIENT_PATIENCE_STEPS) return;
      if (op.attempt === null && op.status === 'open' && this.random.nextFloat() < RETRY_PERSISTENCE) {
        this.sendRetry(client, op);
        return;
      }
      // Gives up: the outcome stays unknown (a late reply still counts).
      if (op.status === 'pending' || op.status === 'open') op.status = 'unknown';
      op.attempt = null;
    }
    // To the leader (no leader known: the client waits, as after CLUSTERDOWN); now and then to
    // any node (a stale routing table: a follower refuses it, "not applied").
    const to =
      this.random.nextFloat() < STALE_ROUTE_SHARE
        ? this.replicaOf(client.groupId)
        : this.leaderOf(client.groupId);
    if (to === undefined) return;
    const kind = this.random.nextFloat() < 0.5 ? 'set' : 'incr';
    const next = client.newOp(kind, this.nextTag++, to.replica.sm.appliedIndex, this.eventTime(), this.step);
    this.send(client, next, to, false);
  }

  private sendRetry(client: SimClient, op: ClientOp): void {
    const to = this.leaderOf(client.groupId);
    if (to === undefined) return;
    this.stats.retries++;
    this.send(client, op, to, true);
  }

  /** Hands one attempt of `op` to the driver of `to`. */
  private send(
    client: SimClient,
    op: ClientOp,
    to: { node: number; replica: SimReplica },
    retry: boolean,
  ): void {
    const node = this.nodes.get(to.node)!;
    const req = this.request(node, `write tag ${op.tag}${retry ? ' (retry)' : ''}`);
    const attempt = { node: to.node };
    const waiter: ReplyWaiter = {
      onWriteReply: (reply) => {
        req.answered();
        if (op.attempt === attempt) op.attempt = null;
        client.onReply(op, reply, retry, this.eventTime());
      },
      flushOutput: () => {},
    };
    op.attempts++;
    op.attempt = attempt;
    op.lastSentStep = this.step;
    const id = { tag: op.tag, sentAfterIndex: op.sentAfterIndex, retry };
    if (retry) to.replica.driver.submitRetry(waiter, 0, op.argv, id);
    else to.replica.driver.submit(waiter, 0, op.argv, op.tag);
  }

  /** An untagged write of another kind of record (noise.ts) to a group's leader. */
  private noise(): void {
    const groupId = this.randomGroup();
    const to = this.leaderOf(groupId);
    if (to === undefined) return;
    const argv = noiseCommand(this.random);
    const what = argv[0]!.equals(INTERNAL_EXEC) ? 'a transaction' : argv.join(' ');
    const req = this.request(this.nodes.get(to.node)!, `${what} to group ${groupId}`);
    to.replica.driver.submit({ onWriteReply: () => req.answered(), flushOutput: () => {} }, 0, argv);
  }

  /** A client whose write waits on a request of a crashed node sees nothing: its patience ends. */
  private retry(): void {
    const open = this.clients.filter((c) => c.current?.status === 'open' && c.current.attempt === null);
    if (open.length === 0) return;
    const c = open[this.random.nextInt(open.length)]!;
    this.sendRetry(c, c.current!);
  }

  /** A linearizable GET of one of a client's keys through any replica (ReadIndex). */
  private read(): void {
    const client = this.clients[this.random.nextInt(this.clients.length)]!;
    const to = this.random.nextFloat() < 0.5 ? this.leaderOf(client.groupId) : this.replicaOf(client.groupId);
    if (to === undefined) return;
    const key = this.random.nextFloat() < 0.5 ? client.setKey : client.counterKey;
    const node = this.nodes.get(to.node)!;
    const req = this.request(node, `read of ${key}`);
    const issuedAt = this.eventTime();
    const argv = [Buffer.from('GET'), Buffer.from(key)];
    const spec = resolveCommand(argv);
    if (!('handler' in spec)) fail('sim', 'GET does not resolve');
    const sm = to.replica.sm;
    to.replica.driver.read({
      run: () => {
        req.answered();
        const reply = sm.read(spec, 0, argv, this.timeMs);
        const value = Buffer.isBuffer(reply) ? Number(reply.toString()) : null;
        if (reply !== null && !Buffer.isBuffer(reply)) fail('sim', `GET replied ${replyText(reply)}`);
        client.checkRead(key, value, issuedAt, node.id);
        this.stats.reads++;
      },
      fail: () => req.answered(),
    });
  }

  // --- Admin: snapshots, leadership, membership ------------------------------------------------

  private forceSnapshot(): void {
    const r = this.replicaOf(this.randomGroup());
    if (r === undefined) return;
    r.replica.driver.forceSnapshot();
    this.stats.snapshotsTaken++;
  }

  private transferLeader(): void {
    const leader = this.leaderOf(this.randomGroup());
    if (leader === undefined) return;
    const voters = leader.replica.driver.node.raft.tracker.confState().voters;
    try {
      leader.replica.driver.transferLeadership(voters[this.random.nextInt(voters.length)]!);
    } catch {
      // not leader any more (RaftError): nothing happens
    }
  }

  /** Add a learner on a node that never was a member, promote it, or remove a voter. */
  private changeMembership(): void {
    const groupId = this.randomGroup();
    const leader = this.leaderOf(groupId);
    if (leader === undefined) return;
    const cs = leader.replica.driver.node.raft.tracker.confState();
    const kind = this.random.nextInt(3);
    let change: { type: ConfChangeType; nodeId: number } | null = null;
    if (kind === 0 && cs.learners.length === 0) {
      const known = new Set([...cs.voters, ...cs.learners, ...cs.removed]);
      const pool = [...this.nodes.keys()].filter((id) => !known.has(id));
      if (pool.length > 0)
        change = { type: ConfChangeType.AddLearnerNode, nodeId: pool[this.random.nextInt(pool.length)]! };
    } else if (kind === 1 && cs.learners.length > 0 && cs.voters.length < VOTERS_MAX) {
      change = { type: ConfChangeType.AddNode, nodeId: cs.learners[0]! };
    } else if (kind === 2 && cs.voters.length > VOTERS_MIN) {
      change = { type: ConfChangeType.RemoveNode, nodeId: cs.voters[this.random.nextInt(cs.voters.length)]! };
    }
    if (change === null) return;
    const node = this.nodes.get(leader.node)!;
    const req = this.request(node, `membership change ${change.type}/${change.nodeId} of group ${groupId}`);
    leader.replica.driver.proposeConfChange({ ...change, context: EMPTY_BYTES }, () => req.answered());
    this.stats.confChanges++;
    // The new member's node starts hosting the group with empty storage (a joiner): it waits
    // for the leader's snapshot.
    if (change.type === ConfChangeType.AddLearnerNode) this.nodes.get(change.nodeId)!.addGroup(groupId, null);
  }

  // --- Invariants after every step -----------------------------------------------------------

  private observe(): void {
    for (const node of this.nodes.values()) {
      if (!node.alive) continue;
      for (const r of node.replicas.values()) {
        const h = this.histories.get(r.groupId)!;
        h.raft.observe(node.id, r.driver.node);
        if (r.sm.appliedIndex !== r.digestIndex) {
          r.digestIndex = r.sm.appliedIndex;
          h.onDigest(node.id, r.digestIndex, r.sm.digest().digest);
        }
      }
    }
  }

  // --- Healed phase: liveness and the final state -------------------------------------------

  /** Heal everything, restart every node, then demand a new write applied on every member. */
  private async healAndCheckLiveness(): Promise<void> {
    this.network.heal();
    this.network.faults = { dropRate: 0, duplicateRate: 0, delayStepsMax: 0 };
    for (const n of this.nodes.values()) if (!n.alive) n.start();
    const probes = new Map<number, { op: ClientOp; tick: number }>();
    for (let tick = 0; tick < LIVENESS_TICKS_MAX; tick++) {
      this.stats.livenessTicks = tick;
      await this.settle();
      let done = true;
      for (const groupId of this.histories.keys()) {
        if (this.caughtUp(groupId, probes.get(groupId)?.op)) continue;
        done = false;
        this.probe(groupId, probes, tick);
      }
      if (done) return;
      this.tickAll();
    }
    const lagging = [...this.histories.keys()].filter((g) => !this.caughtUp(g, probes.get(g)?.op));
    fail(
      'liveness',
      `groups ${lagging.join(',')}: no write applied on every member within ${LIVENESS_TICKS_MAX} healed ticks`,
    );
  }

  private tickAll(): void {
    this.timeMs += HEALED_TICK_MS;
    for (const n of this.nodes.values()) this.tickNode(n);
  }

  private tickNode(n: SimNode | undefined): void {
    const host = n?.host;
    if (host === null || host === undefined) return;
    const woken = host.groupsWokenBySilence;
    host.tick();
    this.stats.quiescedTicks += host.quiescedGroups;
    this.stats.wokenBySilence += host.groupsWokenBySilence - woken;
  }

  /** An INCR of the group's first client to its leader, again when unanswered for long. */
  private probe(groupId: number, probes: Map<number, { op: ClientOp; tick: number }>, tick: number): void {
    const sent = probes.get(groupId);
    if (sent?.op.status === 'acked') return;
    if (sent !== undefined && tick - sent.tick < 3 * this.config.electionTicks) return;
    const leader = this.leaderOf(groupId);
    if (leader === undefined) return;
    const client = this.clients.find((c) => c.groupId === groupId)!;
    const op = client.newOp(
      'incr',
      this.nextTag++,
      leader.replica.sm.appliedIndex,
      this.eventTime(),
      this.step,
    );
    probes.set(groupId, { op, tick });
    this.send(client, op, leader, false);
  }

  /** The probe write is acknowledged and every member applied the leader's commit index. */
  private caughtUp(groupId: number, probe: ClientOp | undefined): boolean {
    if (probe?.status !== 'acked') return false;
    const leader = this.leaderOf(groupId);
    if (leader === undefined) return false;
    const raft = leader.replica.driver.node.raft;
    const commit = raft.log.committed;
    const cs = raft.tracker.confState();
    for (const id of [...cs.voters, ...cs.learners]) {
      const r = this.nodes.get(id)?.replicas.get(groupId);
      if (r === undefined || r.sm.appliedIndex !== commit) return false;
    }
    return true;
  }

  /** Runs turns, completes fsyncs, delivers every message, until nothing moves (bounded). */
  private async settle(): Promise<void> {
    for (let round = 0; round < SETTLE_ROUNDS_MAX; round++) {
      let busy = false;
      for (const n of this.nodes.values()) {
        for (let turns = n.queuedTurns; turns > 0 && n.alive; turns--) {
          n.runTurn();
          busy = true;
        }
        for (const r of n.replicas.values()) {
          while (r.storage.pendingSyncs > 0) {
            r.storage.completeSync();
            this.stats.fsyncs++;
            this.transfers.touched = true;
            busy = true;
          }
        }
      }
      await this.afterStep();
      const messages = this.network.drainAll();
      for (const m of messages) this.deliver(m, false);
      await this.afterStep();
      if (!busy && messages.length === 0 && this.transfers.receiving === 0) {
        this.transfers.dropQueued();
        await this.afterStep();
        return;
      }
    }
    fail('liveness', `still busy after ${SETTLE_ROUNDS_MAX} rounds of turns, fsyncs and deliveries`);
  }

  /**
   * After liveness: let every request still waiting time out, then check that each request
   * handed to a live incarnation was answered, the clients' histories, and every member's final
   * value of every client key.
   */
  private async finalChecks(): Promise<void> {
    const until = this.timeMs + 2 * this.config.requestTimeoutMs + 1000;
    while (this.timeMs < until) {
      this.tickAll();
      await this.settle();
    }
    for (const r of this.requests) {
      const node = this.nodes.get(r.node)!;
      if (node.alive && node.incarnation === r.incarnation && r.answers === 0)
        fail('unanswered', `${r.what} on node ${r.node} was never answered`);
    }
    for (const c of this.clients) c.checkHistory(this.histories.get(c.groupId)!);
    for (const groupId of this.histories.keys()) this.checkFinalState(groupId);
    const parts: string[] = [];
    for (const groupId of this.histories.keys()) {
      const { digest, appliedIndex } = this.leaderOf(groupId)!.replica.sm.digest();
      parts.push(`${groupId}@${appliedIndex}:${digest.slice(0, 16)}`);
    }
    this.fingerprint = parts.join(' ');
  }

  private checkFinalState(groupId: number): void {
    const leader = this.leaderOf(groupId) ?? fail('liveness', `group ${groupId} lost its leader`);
    const cs = leader.replica.driver.node.raft.tracker.confState();
    const history = this.histories.get(groupId)!;
    for (const id of [...cs.voters, ...cs.learners]) {
      const sm = this.nodes.get(id)!.replicas.get(groupId)!.sm;
      for (const c of this.clients) {
        if (c.groupId !== groupId) continue;
        const want = c.expected(history);
        for (const [key, value] of [
          [c.setKey, want.set],
          [c.counterKey, want.counter],
        ] as const) {
          const argv = [Buffer.from('GET'), Buffer.from(key)];
          const spec = resolveCommand(argv);
          if (!('handler' in spec)) fail('sim', 'GET does not resolve');
          const reply = sm.read(spec, 0, argv, this.timeMs);
          const got = Buffer.isBuffer(reply) ? reply.toString() : null;
          if (got !== value)
            fail(
              'final-state',
              `group ${groupId} node ${id}: ${key} is ${got}, the applied writes say ${value}`,
            );
        }
      }
    }
  }
}

export function runSeed(options: SimOptions): Promise<SimResult> {
  return new Simulator(options).run();
}
