// One simulated node running production code: a NodeHost with one GroupDriver per hosted
// group, each over its own RocksLogStorage and KvStateMachine on its own MemoryStorage (crash
// model on). Why one storage per (node, group): KvStateMachine owns every row of the data
// families of its storage (it loads the whole `meta` family at start, its digest and snapshot
// images cover all slots), so two groups cannot share one yet; the log and raft_state keys are
// per group already. Production's shared WAL fsync is therefore modelled per group.
//
// The durable part of a node is its storages; everything else belongs to an incarnation and
// is dropped by a crash: the drivers, the deferred turns (the scheduler's queue), pending
// fsyncs (never completed), the transport. A crash keeps, per storage, the durable image plus
// a prefix of the unsynced writes chosen by the simulator. A restart opens every group the
// way cluster-node.ts does: finish or discard an interrupted snapshot install, open the state
// machine and the log, start the driver.
import { type Clock, type Random, type Reply, SeededRandom } from '@seshat/common';
import { APPLY_SUSPENDED, type ApplyOptions, KvStateMachine } from '@seshat/kv';
import { bootstrapStorage, type ConfState, type Message } from '@seshat/raft';
import { MemoryStorage } from '@seshat/storage';
import {
  type DriverScheduler,
  GroupDriver,
  type GroupTransport,
  NodeHost,
  RocksLogStorage,
  recoverSnapshotInstall,
} from '../../src/index.js';

/** KvStateMachine with a hook on every entry it applies (the checker's view). */
export class SimKvStateMachine extends KvStateMachine {
  onEntry: ((index: number, data: Buffer | null, replies: Reply[] | null) => void) | null = null;

  // The driver applies through applyYielding (apply goes through it too). The simulated
  // clients send no long scripts, so an entry never suspends here (resumeApply is not hooked).
  override applyYielding(
    index: number,
    data: Buffer,
    options?: ApplyOptions,
  ): Reply[] | null | typeof APPLY_SUSPENDED {
    const replies = super.applyYielding(index, data, options);
    if (replies !== null && replies !== APPLY_SUSPENDED) this.onEntry?.(index, data, replies);
    return replies;
  }

  override applyNoop(index: number, options?: ApplyOptions): void {
    const before = this.appliedIndex;
    super.applyNoop(index, options);
    if (this.appliedIndex > before) this.onEntry?.(index, null, null);
  }
}

/** Knobs the seed picks for every replica. */
export interface ReplicaConfig {
  electionTicks: number;
  maxSizePerMsgBytes: number | undefined;
  maxInflightMsgs: number | undefined;
  maxCommittedSizePerReadyBytes: number | undefined;
  requestTimeoutMs: number;
  logEntriesMax: number;
  logEntriesKept: number;
  readyTurnBudgetMs: number;
  metaCacheBytes: number;
  /** Tags a driver remembers for retries: few makes retries undecidable sooner. */
  recentWritesMax: number;
  /** Idle groups stop their clocks; the host's node heartbeats keep them live. */
  quiesce: boolean;
}

/** OBJECT IDLETIME/FREQ slots per state machine (production: 2^20, 7 MB, too much here). */
const ACCESS_SLOTS = 64;

/** What a node needs from the simulator. */
export interface NodeEnv {
  readonly seed: number;
  readonly config: ReplicaConfig;
  /** Simulated time (ms). */
  nowMs(): number;
  send(from: number, messages: readonly Message[]): void;
  sendSnapshot(from: number, ...args: Parameters<GroupTransport['sendSnapshot']>): Promise<boolean>;
  onEntry(node: number, groupId: number, index: number, data: Buffer | null, replies: Reply[] | null): void;
}

export interface SimReplica {
  readonly groupId: number;
  readonly storage: MemoryStorage;
  readonly sm: SimKvStateMachine;
  readonly log: RocksLogStorage;
  readonly driver: GroupDriver;
  /** Applied index of the last digest checked (the checker computes one when it moves). */
  digestIndex: number;
}

export class SimNode {
  readonly id: number;
  alive = false;
  incarnation = 0;
  host: NodeHost | null = null;
  /** The durable part: one storage per hosted group. */
  readonly stores = new Map<number, MemoryStorage>();
  readonly replicas = new Map<number, SimReplica>();
  /** Deferred turns of the live incarnation, in the order they were asked for. */
  private queue: (() => void)[] = [];
  private readonly env: NodeEnv;
  /** This node's wall clock runs ahead of or behind simulated time (leader stamps). */
  private readonly skewMs: number;

  constructor(id: number, env: NodeEnv, skewMs: number) {
    this.id = id;
    this.env = env;
    this.skewMs = skewMs;
  }

  get queuedTurns(): number {
    return this.queue.length;
  }

  /** Runs the oldest deferred turn (one setImmediate callback of a real node). */
  runTurn(): void {
    const fn = this.queue.shift();
    fn?.();
  }

  /** A promise resolved by one of this incarnation's turns (never, if it dies first). */
  nextTurn(): Promise<void> {
    return new Promise((resolve) => this.defer(resolve));
  }

  private defer(fn: () => void): void {
    this.queue.push(fn);
  }

  /**
   * Starts hosting `groupId`: a new store, bootstrapped with `voters` (an initial member) or
   * empty (a learner being added: it waits for the leader's snapshot); opened at once if the
   * node is up. A node never hosts a group twice (ids of removed members are not reused).
   */
  addGroup(groupId: number, voters: ConfState | null): void {
    if (this.stores.has(groupId)) return;
    const storage = new MemoryStorage({ crashModel: true });
    if (voters !== null) {
      // As cluster-node.ts writeBootstrap: log bootstrap and applied index in one synced batch.
      const log = new RocksLogStorage(storage, { groupId });
      const sm = new KvStateMachine(storage, { groupId, metaCacheBytes: 0, accessSlots: ACCESS_SLOTS });
      const batch = storage.batch();
      log.stage(batch);
      bootstrapStorage(log, voters);
      log.unstage();
      sm.markApplied(1, batch);
      storage.write(batch, { sync: true });
    }
    this.stores.set(groupId, storage);
    if (this.alive) this.open(groupId);
  }

  start(): void {
    this.incarnation++;
    this.alive = true;
    this.queue = [];
    const { config } = this.env;
    this.host = new NodeHost(
      config.quiesce
        ? {
            nodeId: this.id,
            transport: this.transport(),
            electionTicks: config.electionTicks,
            heartbeatTicks: 1,
          }
        : undefined,
    );
    for (const groupId of [...this.stores.keys()].sort((a, b) => a - b)) this.open(groupId);
  }

  /**
   * A crash: the incarnation is gone; each storage keeps its durable image plus the first
   * `surviving(unsynced)` of its unsynced writes.
   */
  crash(surviving: (unsynced: number) => number): void {
    this.alive = false;
    this.host = null;
    this.queue = [];
    this.replicas.clear();
    for (const [groupId, storage] of this.stores)
      this.stores.set(groupId, storage.crash(surviving(storage.unsyncedWrites)));
  }

  private open(groupId: number): void {
    const storage = this.stores.get(groupId)!;
    const { config } = this.env;
    recoverSnapshotInstall(storage, groupId);
    const sm = new SimKvStateMachine(storage, {
      groupId,
      metaCacheBytes: config.metaCacheBytes,
      accessSlots: ACCESS_SLOTS,
    });
    sm.onEntry = (index, data, replies) => this.env.onEntry(this.id, groupId, index, data, replies);
    const log = new RocksLogStorage(storage, { groupId });
    const driver = new GroupDriver({
      nodeId: this.id,
      groupId,
      storage,
      logStorage: log,
      sm,
      transport: this.transport(),
      clock: this.clock(),
      random: this.random(groupId),
      raft: {
        electionTicks: config.electionTicks,
        heartbeatTicks: 1,
        quiesce: config.quiesce,
        ...(config.maxSizePerMsgBytes === undefined ? {} : { maxSizePerMsgBytes: config.maxSizePerMsgBytes }),
        ...(config.maxInflightMsgs === undefined ? {} : { maxInflightMsgs: config.maxInflightMsgs }),
        ...(config.maxCommittedSizePerReadyBytes === undefined
          ? {}
          : { maxCommittedSizePerReadyBytes: config.maxCommittedSizePerReadyBytes }),
      },
      fsync: true,
      requestTimeoutMs: config.requestTimeoutMs,
      logEntriesMax: config.logEntriesMax,
      logEntriesKept: config.logEntriesKept,
      readyTurnBudgetMs: config.readyTurnBudgetMs,
      scheduler: this.scheduler(),
      recentWritesMax: config.recentWritesMax,
    });
    this.host!.add(driver);
    this.replicas.set(groupId, { groupId, storage, sm, log, driver, digestIndex: -1 });
  }

  /** Turns and time of this incarnation only: a dead incarnation's requests are dropped. */
  private scheduler(): DriverScheduler {
    const incarnation = this.incarnation;
    return {
      defer: (fn) => {
        if (this.alive && this.incarnation === incarnation) this.defer(fn);
      },
      nowMs: () => this.env.nowMs(),
    };
  }

  private transport(): GroupTransport {
    const incarnation = this.incarnation;
    const live = () => this.alive && this.incarnation === incarnation;
    return {
      send: (messages) => {
        if (live()) this.env.send(this.id, messages);
      },
      sendSnapshot: (...args) => (live() ? this.env.sendSnapshot(this.id, ...args) : new Promise(() => {})),
    };
  }

  private clock(): Clock {
    return {
      nowMs: () => this.env.nowMs() + this.skewMs,
      monotonicMs: () => this.env.nowMs(),
    };
  }

  private random(groupId: number): Random {
    return new SeededRandom((this.env.seed * 7919 + this.id * 104729 + this.incarnation * 31 + groupId) | 0);
  }
}
