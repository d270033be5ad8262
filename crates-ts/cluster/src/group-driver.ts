/**
 * The driver of one Raft group on this node: it feeds the pure core (ticks, messages,
 * proposals, reads) and does the I/O of every Ready in the order the core requires
 * (crates-ts/raft/README.md):
 *
 *   1. send `messages` (leader traffic may leave before the local fsync)
 *   2. persist snapshot + entries + hard state in ONE RocksDB batch, fsynced when required
 *   3. send `messagesAfterPersist`
 *   4. apply the committed entries through the KV state machine, answer waiting proposals
 *      and reads
 *   5. advance
 *
 * Client writes that arrive within one event-loop turn are proposed as ONE entry (a batch of
 * commands with the leader's stamp and a seed), exactly like the standalone write path, so
 * the state machine and its determinism are the same. A proposal is answered when the entry
 * at its index is applied: with the replies if the entry is ours (same term), with a definite
 * failure if another entry took that index, or with "outcome unknown" after a bounded wait.
 */
import { performance } from 'node:perf_hooks';
import {
  assert,
  type Clock,
  ErrorReply,
  failStop,
  type Random,
  type Reply,
  SimpleString,
} from '@seshat/common';
import {
  type ConfChange,
  decodeConfChange,
  type Entry,
  EntryType,
  type Message,
  MessageType,
  RaftError,
  type RaftConfigInput,
  RawNode,
  type ReadState,
  type Ready,
  StateRole,
} from '@seshat/raft';
import type { Storage, WriteBatch } from '@seshat/storage';
import { PendingByIndex } from './pending-by-index.js';
import { RecentWrites, type WriteIdentity } from './retry-table.js';
import type { RocksLogStorage } from './rocks-log-storage.js';
import { SnapshotImage, SnapshotInstaller } from './sm-snapshot.js';
import { ALL_SLOTS, decodeDescriptor, type ImageHeader } from './sm-snapshot-format.js';
import { ERR_RETRY_UNDECIDABLE } from './retry-table.js';
import { ApplyQueue } from './apply-queue.js';
import { APPLY_SUSPENDED, type LogCommand, type StateMachine } from './state-machine.js';
import type { InboundSnapshot } from './transport-snapshot.js';

/** Whoever waits for a command's reply (a client connection, a forwarding stream...). */
export interface ReplyWaiter {
  onWriteReply(reply: Reply): void;
  flushOutput(): void;
}

export interface GroupTransport {
  send(messages: readonly Message[]): void;
  sendSnapshot(
    to: number,
    groupId: number,
    metadata: NonNullable<Message['snapshot']>['metadata'],
    image: () => Iterable<Buffer>,
    message: Message,
  ): Promise<boolean>;
}

/**
 * Where the driver's turns run and how it measures time spent: production uses the event
 * loop (setImmediate) and performance.now (EVENT_LOOP_SCHEDULER); the deterministic
 * simulator (cluster/test/sim) passes its own, so that it decides when every turn runs and
 * time only moves when it says so.
 */
export interface DriverScheduler {
  /** Runs `fn` on a later turn (never synchronously). */
  defer(fn: () => void): void;
  /** Monotonic milliseconds, for turn budgets and the fsync counters. */
  nowMs(): number;
  /** Runs `fn` after about `ms` (a suspended apply waiting for later entries to commit is
   * polled so, not every turn); without it, `defer`. */
  after?(ms: number, fn: () => void): void;
}

export const EVENT_LOOP_SCHEDULER: DriverScheduler = {
  defer: (fn) => setImmediate(fn),
  nowMs: () => performance.now(),
  after: (ms, fn) => {
    setTimeout(fn, ms);
  },
};

export interface GroupDriverOptions {
  nodeId: number;
  groupId: number;
  storage: Storage;
  logStorage: RocksLogStorage;
  sm: StateMachine<LogCommand>;
  transport: GroupTransport;
  clock: Clock;
  random: Random;
  raft?: Partial<RaftConfigInput>;
  /** fsync the Raft log before acknowledging (appendfsync always). */
  fsync?: boolean;
  /** How long a proposal or read may wait before it is answered with a timeout error. */
  requestTimeoutMs?: number;
  /** Compaction policy: snapshot once more than this many applied entries are in the log. */
  logEntriesMax?: number;
  /** ...and keep this many behind the applied index. */
  logEntriesKept?: number;
  /** ...or once the stored entries take more than this many bytes (see snapshotByBytes). */
  logBytesMax?: number;
  /** Time one turn may spend on Readies before yielding (default READY_TURN_BUDGET_MS). */
  readyTurnBudgetMs?: number;
  /** Default EVENT_LOOP_SCHEDULER. */
  scheduler?: DriverScheduler;
  /** Replies of tagged writes remembered for retries (default RECENT_WRITES_MAX; the
   * simulator, with dozens of drivers per seed, keeps fewer: the ring is allocated whole). */
  recentWritesMax?: number;
}

/**
 * Time one event-loop turn may spend handling Readies before it yields. Catching up after a
 * restart, a follower applies thousands of committed entries; in one turn that blocked its
 * event loop for 250-1000 ms (heartbeats unanswered, a CheckQuorum step-down when the other
 * follower was down too).
 */
export const READY_TURN_BUDGET_MS = 10;
/**
 * Committed entry bytes per Ready (the core's default is 64 MiB): the apply work between two
 * budget checks. Small on purpose: each entry is applied with its own storage write, and a
 * catching-up node's entries are small (one command each under light load: 16 KiB is ~100
 * of them, 10-30 ms before the JIT has warmed up; 256 KiB took 400 ms). An entry larger than
 * this still comes alone in its Ready.
 */
export const COMMITTED_BYTES_PER_READY = 16 * 1024;
/**
 * Entry bytes per append message and in flight per follower (the core's defaults: 1 MiB and
 * 32 MiB). The receiver decodes every frame that has arrived in one go (gRPC delivers them in
 * microtasks), then persists their entries in one Ready: a follower catching up was sent
 * megabytes at once and spent 250 ms decoding them before its first yield. 2 MiB in flight
 * still covers many round trips of the largest group-commit entries under load.
 */
export const APPEND_BYTES_PER_MSG = 256 * 1024;
export const APPEND_BYTES_IN_FLIGHT = 2 * 1024 * 1024;

/** Most commands in one proposed entry. */
export const ENTRY_COMMANDS_MAX = 4096;
/** Snapshot and compact once this many applied entries are behind the log's base... */
export const LOG_ENTRIES_MAX = 10_000;
/** ...keeping this many behind the applied index for followers that lag a little. */
export const LOG_ENTRIES_KEPT = 1_000;
/** ...or once the log's stored entries exceed this many bytes (a few large writes). */
export const LOG_BYTES_MAX = 64 * 1024 * 1024;
export const REQUEST_TIMEOUT_MS_DEFAULT = 5000;
/** Bytes read from the log per slice when listing unapplied commands. */
const UNAPPLIED_SLICE_BYTES = 16 * 1024 * 1024;
/**
 * A follower asks again for a read index not answered within this (etcd's
 * readIndexRetryTime): its MsgReadIndex, or the leader's answer, may be lost by the
 * transport (dropped while a link is in backoff, frames lost with a failed stream) and
 * nothing in Raft retransmits them, unlike appends and heartbeats.
 */
export const READ_RETRY_MS = 500;
/** How often a suspended entry that waits for later entries to commit is looked at again. */
const SUSPENDED_POLL_MS = 2;
/** Read request ids of one run: from a random u32 times this (exact in a double, < 2^53). */
const READ_ID_SPAN = 2 ** 20;

export const ERR_OUTCOME_UNKNOWN = new ErrorReply(
  'TRYAGAIN the write may or may not have been applied: leadership changed or the cluster did not answer in time',
);
export const ERR_NOT_APPLIED = new ErrorReply(
  'TRYAGAIN the write was not applied: leadership changed, retry',
);
const OK_REPLY = new SimpleString('OK');
export const ERR_READ_TIMEOUT = new ErrorReply('CLUSTERDOWN no leader confirmed the read in time, retry');

interface PendingProposal {
  term: number;
  waiters: (ReplyWaiter | null)[];
  deadlineMs: number;
}

/** A retried write waiting until the leader's log as of its arrival is applied. */
interface PendingRetry {
  waiter: ReplyWaiter;
  db: number;
  argv: Buffer[];
  id: WriteIdentity;
  barrier: number;
  deadlineMs: number;
  /** Run just before proposing it (see submitRetry). */
  recheck: (() => Reply | null) | undefined;
}

interface PendingConfChange {
  term: number;
  done: (reply: Reply) => void;
  deadlineMs: number;
}

/** A read waiting for a ReadIndex round and then for the state machine to catch up. */
export interface PendingRead {
  run(): void;
  fail(reply: Reply): void;
}

/**
 * Reads asked for together. The core forgets a ReadIndex request when this node changes
 * role, and a leader that loses leadership never answers the requests followers sent it, so
 * a batch records under which term and leader it was asked: once either changed, it is
 * asked again (retryOrphanedReads). Reads have no effect, so asking twice is harmless, and
 * any confirmation obtained after the reads arrived is a valid read point for them.
 */
interface ReadBatch {
  reads: PendingRead[];
  index: number;
  deadlineMs: number;
  /** The core's term and leader when the batch was asked for. */
  term: number;
  lead: number;
  /** Monotonic ms of the last request (a follower's is retried after READ_RETRY_MS). */
  askedAtMs: number;
}

export class GroupDriver {
  /** The Raft core; replaced only by reinitialize (RAFT INIT). */
  node: RawNode;
  readonly nodeId: number;
  readonly groupId: number;
  private readonly o: GroupDriverOptions;
  private readonly timeoutMs: number;
  private readonly turnBudgetMs: number;
  private readonly scheduler: DriverScheduler;
  private readonly commands: LogCommand[] = [];
  private readonly waiters: (ReplyWaiter | null)[] = [];
  private readonly proposals = new PendingByIndex<PendingProposal>();
  /** Membership changes proposed through proposeConfChange, by log index. */
  private readonly confProposals = new PendingByIndex<PendingConfChange>();
  private readonly readsQueued: PendingRead[] = [];
  /** Batches to ask for (again): no leader was known, or the one asked changed. */
  private readonly readsUnasked: ReadBatch[] = [];
  /** Batches asked for, by request id (the ReadIndex context). */
  private readonly readBatches = new Map<number, ReadBatch>();
  private readonly readsReady: ReadBatch[] = [];
  /** Committed entries not applied yet: they wait behind an entry whose apply is suspended. */
  private readonly applyQueue = new ApplyQueue();
  /** The entry whose apply is suspended (StateMachine.applyYielding), resumed each turn. */
  private applying: Entry | null = null;
  private readonly retries: PendingRetry[] = [];
  /** Replies of recently applied tagged writes (retry detection, retry-table.ts). */
  readonly recentWrites: RecentWrites;
  /** Request ids start at a random point so that a late answer meant for an earlier run
   * of this node (before a restart) cannot match one of this run's requests. */
  private nextReadId: number;
  private scheduled = false;
  /** Inside run() (see there). */
  private running = false;
  private readonly touched = new Set<ReplyWaiter>();
  /** Called after each Ready with the role and leader id, for INFO and routing. */
  onRoleChange: (role: StateRole, leader: number) => void = () => {};
  /** Diagnostics (snapshot transfers, installs). */
  log: (msg: string, fields: Record<string, unknown>) => void = () => {};
  /** Called for every applied membership change (the server updates its peer table). */
  onConfChange: (change: ConfChange) => void = () => {};
  /** Adds the server's own records for an applied membership change (its address book) to
   * the batch that persists the new ConfState, so both survive a crash together. */
  stageConfChange: (change: ConfChange, batch: WriteBatch) => void = () => {};
  /** Called after a snapshot was installed (its records, the address book included, are
   * durable): the server reloads what the image replaced, e.g. its member addresses. */
  onSnapshotInstalled: (header: ImageHeader) => void = () => {};
  role: StateRole = StateRole.Follower;
  leader = 0;
  /** The image behind the log's current snapshot (sent to followers that need it). */
  private heldImage: SnapshotImage | null = null;
  /** An inbound image staged for the Ready that carries its snapshot. */
  private pendingInstall: SnapshotInstaller | null = null;
  snapshotsTaken = 0;
  snapshotsInstalled = 0;
  /** Counters for INFO raft (monotonic): Readies handled, log writes, of them fsynced, time in
   * fsynced writes (ms), entries and commands this node proposed. */
  readonly counters = {
    readyRounds: 0,
    logWrites: 0,
    logSyncs: 0,
    logSyncMs: 0,
    entriesProposed: 0,
    commandsProposed: 0,
    readiesDeferred: 0,
    turnsYielded: 0,
  };

  constructor(driverOptions: GroupDriverOptions) {
    const options: GroupDriverOptions = {
      ...driverOptions,
      raft: {
        maxCommittedSizePerReadyBytes: COMMITTED_BYTES_PER_READY,
        maxSizePerMsgBytes: APPEND_BYTES_PER_MSG,
        maxInflightBytes: APPEND_BYTES_IN_FLIGHT,
        ...driverOptions.raft,
      },
    };
    this.o = options;
    this.nodeId = options.nodeId;
    this.groupId = options.groupId;
    this.timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    this.turnBudgetMs = options.readyTurnBudgetMs ?? READY_TURN_BUDGET_MS;
    this.scheduler = options.scheduler ?? EVENT_LOOP_SCHEDULER;
    GroupDriver.raiseCommitToApplied(options);
    this.node = new RawNode(
      { ...options.raft, id: options.nodeId, groupId: options.groupId, applied: options.sm.appliedIndex },
      options.logStorage,
      options.random,
    );
    this.recentWrites = new RecentWrites(options.sm.appliedIndex, options.recentWritesMax);
    this.nextReadId = options.random.nextU32() * READ_ID_SPAN + 1;
  }

  /**
   * Entries applied before their Ready's hard state was persisted (applyDurable) can leave
   * the persisted commit index below the applied index after a crash. Applied entries were
   * committed, so the commit index is raised to the applied index before the core starts.
   */
  private static raiseCommitToApplied(options: GroupDriverOptions): void {
    const log = options.logStorage;
    const { hardState } = log.initialState();
    const applied = options.sm.appliedIndex;
    if (applied <= hardState.commit || applied > log.lastIndex()) return;
    const batch = options.storage.batch();
    log.stage(batch);
    try {
      log.setHardState({ ...hardState, commit: applied });
    } finally {
      log.unstage();
    }
    options.storage.write(batch, { sync: true });
  }

  get isLeader(): boolean {
    return this.role === StateRole.Leader;
  }

  tick(): void {
    // A quiesced group's clock is stopped: the tick changes nothing in the core, so there is
    // no turn to run (with a thousand idle groups, that is the whole cost of a tick) unless
    // requests wait here (a read whose answer was lost is asked again by a turn).
    if (this.node.quiesced) {
      this.expireRequests();
      if (this.hasWaitingRequests()) this.schedule();
      return;
    }
    this.node.tick();
    this.expireRequests();
    this.schedule();
  }

  /** Reads, proposals or retries waiting in this driver. */
  private hasWaitingRequests(): boolean {
    return (
      this.readsQueued.length > 0 ||
      this.readsUnasked.length > 0 ||
      this.readBatches.size > 0 ||
      this.readsReady.length > 0 ||
      this.commands.length > 0 ||
      this.retries.length > 0
    );
  }

  /** Quiescing: the group's clock is stopped (RaftConfig.quiesce). */
  get quiesced(): boolean {
    return this.node.quiesced;
  }

  /** Restarts a quiesced group's clock: its host found the leader or a quorum silent. */
  wake(): void {
    if (!this.node.quiesced) return;
    this.node.unquiesce();
    this.schedule();
  }

  step(message: Message): void {
    try {
      this.node.step(message);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    this.schedule();
  }

  /** Queues a write command (leader only; the caller routes elsewhere when not leader). */
  submit(waiter: ReplyWaiter | null, db: number, argv: Buffer[], tag = 0): void {
    this.commands.push(tag === 0 ? { db, argv } : { db, argv, tag });
    this.waiters.push(waiter);
    this.schedule();
  }

  /**
   * A retry of a write whose first attempt got "outcome unknown" (retry-table.ts): answered
   * with the first attempt's reply if it was applied, proposed if it certainly was not,
   * refused if this node cannot tell. Leader only (otherwise a definite "not applied").
   * `recheck`: when the retry is to be proposed, called in the same turn as the proposal;
   * a reply it returns is answered instead (a transaction's WATCH check, which must see
   * every write that precedes the transaction in log order).
   */
  submitRetry(
    waiter: ReplyWaiter,
    db: number,
    argv: Buffer[],
    id: WriteIdentity,
    recheck?: () => Reply | null,
  ): void {
    if (!this.isLeader) {
      waiter.onWriteReply(ERR_NOT_APPLIED);
      this.touched.add(waiter);
      this.schedule();
      return;
    }
    this.retries.push({
      waiter,
      db,
      argv,
      id,
      barrier: this.node.lastIndex(),
      deadlineMs: this.o.clock.monotonicMs() + this.timeoutMs,
      recheck,
    });
    this.schedule();
  }

  /** Decides the retries whose barrier is applied (or fails them all on a lost leadership). */
  private resolveRetries(): void {
    if (this.retries.length === 0) return;
    const applied = this.o.sm.appliedIndex;
    let kept = 0;
    for (const r of this.retries) {
      if (!this.isLeader) {
        this.answer([r.waiter], ERR_NOT_APPLIED);
        continue;
      }
      if (r.barrier > applied) {
        this.retries[kept++] = r;
        continue;
      }
      const outcome = this.recentWrites.resolve(r.id);
      if (outcome === 'undecidable') this.answer([r.waiter], ERR_RETRY_UNDECIDABLE);
      else if (outcome !== 'propose') this.answer([r.waiter], outcome);
      else {
        const refused = r.recheck?.() ?? null;
        if (refused !== null) this.answer([r.waiter], refused);
        else this.submit(r.waiter, r.db, r.argv, r.id.tag);
      }
    }
    this.retries.length = kept;
  }

  /** Queues a linearizable read: `read.run()` is called once a ReadIndex round confirms it
   * and the state machine has applied up to the read index. */
  read(read: PendingRead): void {
    this.readsQueued.push(read);
    this.schedule();
  }

  /**
   * RAFT INIT (cluster-node.ts): `write` stores a new group's bootstrap state under a core
   * that started on empty storage and has done nothing since; the core then restarts from
   * it. False, without calling `write`, while a Ready is being handled.
   */
  reinitialize(write: () => void): boolean {
    if (this.running || this.deferred !== null || this.applying !== null) return false;
    if (this.node.hasReady()) this.run();
    if (this.running || this.deferred !== null || this.node.hasReady()) return false;
    write();
    this.node = new RawNode(
      { ...this.o.raft, id: this.nodeId, groupId: this.groupId, applied: this.o.sm.appliedIndex },
      this.o.logStorage,
      this.o.random,
    );
    this.schedule();
    return true;
  }

  /**
   * The commands that will apply before anything submitted from now on: this node's log
   * after the applied index (proposed or received, not yet applied) and the queue. Null when
   * this node cannot list them (its log starts past the applied index: a snapshot is being
   * installed). EXEC uses it for WATCH: a watched key written by one of these is modified
   * between WATCH and EXEC in log order, though not applied yet.
   */
  unappliedCommands(): LogCommand[] | null {
    return this.commandsAfter(this.o.sm.appliedIndex);
  }

  /**
   * The commands of this node's log after `index` (applied or not) and the queue, in log
   * order; null when the log no longer holds them all (compacted past `index`). A follower's
   * EXEC with WATCH is checked against the commands after its WATCH (watch-pending.ts).
   */
  commandsAfter(index: number): LogCommand[] | null {
    const node = this.node;
    let lo = index + 1;
    const hi = node.lastIndex() + 1;
    if (lo < hi && lo < node.firstIndex()) return null;
    const out: LogCommand[] = [];
    while (lo < hi) {
      const entries = node.entries(lo, hi, UNAPPLIED_SLICE_BYTES);
      for (const e of entries) {
        if (e.type === EntryType.ConfChange || e.data.length === 0) continue;
        const data = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
        for (const c of this.o.sm.commandsOf(data)) out.push(c);
      }
      lo += entries.length;
    }
    for (const c of this.commands) out.push(c);
    return out;
  }

  /** Reads waiting here: queued for a ReadIndex request, requested, confirmed but not applied. */
  get readsWaiting(): { queued: number; requested: number; confirmed: number } {
    let queued = this.readsQueued.length;
    for (const b of this.readsUnasked) queued += b.reads.length;
    let requested = 0;
    for (const b of this.readBatches.values()) requested += b.reads.length;
    let confirmed = 0;
    for (const b of this.readsReady) confirmed += b.reads.length;
    return { queued, requested, confirmed };
  }

  get pendingWrites(): number {
    return this.commands.length + this.proposals.size;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.scheduler.defer(this.runBound);
  }

  private readonly runBound = (): void => {
    this.scheduled = false;
    this.run();
  };

  /**
   * One turn: propose what was queued, then process every Ready.
   *
   * Replies are delivered synchronously while a Ready is handled (between ready() and
   * advance()), and a connection then runs its next queued commands at once; one of them
   * may call back in here (EXEC with WATCH flushes the write path). Re-entered, it only asks
   * for another turn: handling a second Ready before advance() breaks the core's contract.
   */
  run(): void {
    // Stopped (shutdown, a destroyed group): nothing more is applied or written.
    if (this.stopped) return;
    // A deferred Ready resumes the turn itself once it is finished; reads confirmed and
    // applied meanwhile need not wait for it.
    if (this.deferred !== null) {
      if (!this.running) {
        this.resumeApplying();
        this.serveReads();
      }
      this.flushTouched();
      return;
    }
    if (this.running) {
      this.schedule();
      return;
    }
    this.running = true;
    try {
      this.runTurn();
    } finally {
      this.running = false;
    }
  }

  private runTurn(): void {
    this.resumeApplying();
    this.proposeQueued();
    this.retryOrphanedReads();
    this.requestReadIndex();
    // A Ready waiting for its fsync (drainReadies false) does not hold back the reads and
    // retries that applied entries already allow: under steady load nearly every Ready
    // waits for one, and reads would starve.
    const drained = this.drainReadies();
    this.resolveRetries();
    if (drained && this.commands.length > 0) {
      // Retries found not applied: propose them now (same turn).
      this.proposeQueued();
      this.drainReadies();
    }
    this.serveReads();
    this.flushTouched();
    if (this.applying !== null) this.scheduleResume();
  }

  /** Another turn for the suspended entry: at once if it can progress, later while it waits
   * for later entries to commit (they come with Raft traffic). */
  private scheduleResume(): void {
    const after = this.scheduler.after;
    if (this.o.sm.waitingForCommit === true && after !== undefined) after(SUSPENDED_POLL_MS, this.runBound);
    else this.schedule();
  }

  /** Continues the suspended entry; once it completes, applies the entries queued behind it. */
  private resumeApplying(): void {
    const e = this.applying;
    if (e !== null) {
      this.noteQueued();
      const replies = this.o.sm.resumeApply!();
      if (replies === APPLY_SUSPENDED) return;
      this.applying = null;
      this.applied(e, replies);
    }
    if (this.applyQueue.length === 0) return;
    this.drainApplyQueue();
    this.flushTouched();
  }

  /** Applies queued entries in order, until one's apply is suspended (or while the state
   * machine is quiesced: a suspended read must see one state). */
  private drainApplyQueue(): void {
    while (this.applying === null && this.o.sm.quiesced !== true) {
      const e = this.applyQueue.peek();
      if (e === undefined) return;
      this.applyQueue.shift();
      if (!this.applyEntry(e)) {
        this.applying = e;
        this.noteQueued();
      }
    }
  }

  /** Shows the state machine the committed entries queued behind the suspended one. */
  private noteQueued(): void {
    const note = this.o.sm.noteCommitted;
    if (note === undefined) return;
    for (const e of this.applyQueue.takeUnnoted()) {
      if (e.type !== EntryType.Normal || e.data.length === 0) continue;
      note.call(this.o.sm, e.index, Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength));
    }
  }

  /**
   * Handles Readies until none is left or the turn has used its time budget (then it asks
   * for another turn, so sockets and timers get their turn in between: a node catching up
   * on thousands of committed entries must still answer heartbeats). False when a Ready was
   * deferred (finishDeferred resumes the turn).
   */
  private drainReadies(): boolean {
    const startMs = this.scheduler.nowMs();
    while (this.node.hasReady()) {
      if (!this.handleReady()) return false;
      if (this.scheduler.nowMs() - startMs >= this.turnBudgetMs && this.node.hasReady()) {
        this.counters.turnsYielded++;
        this.schedule();
        return true;
      }
    }
    return true;
  }

  private flushTouched(): void {
    if (this.touched.size === 0) return;
    for (const w of this.touched) w.flushOutput();
    this.touched.clear();
  }

  private proposeQueued(): void {
    while (this.commands.length > 0) {
      const n = Math.min(this.commands.length, ENTRY_COMMANDS_MAX);
      const commands = this.commands.splice(0, n);
      const waiters = this.waiters.splice(0, n);
      const stamp = Math.max(this.o.clock.nowMs(), this.o.sm.lastStampMs);
      const data = this.o.sm.encodeEntry(stamp, this.o.random.nextU32(), commands);
      try {
        const id = this.node.propose(data);
        this.counters.entriesProposed++;
        this.counters.commandsProposed += commands.length;
        this.proposals.add(id.index, {
          term: id.term,
          waiters,
          deadlineMs: this.o.clock.monotonicMs() + this.timeoutMs,
        });
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
        // Never appended: a definite "not applied".
        this.answer(waiters, ERR_NOT_APPLIED);
      }
    }
  }

  /**
   * Asks the core for a read index for the new reads and for the batches waiting to be
   * asked (again); those that find no leader wait for one (until their deadline).
   *
   * One round at a time: while one is asked and not confirmed, new reads wait and share the
   * next round, asked once it is confirmed (readConfirmed). A round per turn instead costs
   * every follower a message and an answer per turn, which under load was most of their work.
   */
  private requestReadIndex(): void {
    if (this.readBatches.size > 0) return;
    if (this.readsQueued.length > 0) {
      this.readsUnasked.push({
        reads: this.readsQueued.splice(0),
        index: -1,
        deadlineMs: this.o.clock.monotonicMs() + this.timeoutMs,
        term: 0,
        lead: 0,
        askedAtMs: 0,
      });
    }
    let kept = 0;
    for (const b of this.readsUnasked) if (!this.askReadIndex(b)) this.readsUnasked[kept++] = b;
    this.readsUnasked.length = kept;
  }

  /** One ReadIndex request for `batch`; false if no leader is known to confirm it. */
  private askReadIndex(batch: ReadBatch): boolean {
    const id = this.nextReadId++;
    const ctx = Buffer.allocUnsafe(8);
    ctx.writeDoubleBE(id, 0);
    try {
      this.node.readIndex(ctx);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      if (e.reason === 'not_leader') return false;
      for (const r of batch.reads) r.fail(ERR_READ_TIMEOUT); // back-pressure (read_limit)
      return true;
    }
    batch.term = this.node.term;
    batch.lead = this.node.lead;
    batch.askedAtMs = this.o.clock.monotonicMs();
    this.readBatches.set(id, batch);
    return true;
  }

  /**
   * Batches asked for under another term or leader than the core's now: the core dropped
   * them on its role change, or the leader asked is gone. And a follower's batches not
   * answered within READ_RETRY_MS: the request or its answer was lost on the way (a
   * leader's own requests stay in its core, whose heartbeats repeat the round). They are
   * asked for again; a late answer to the old request id is ignored (readConfirmed).
   */
  private retryOrphanedReads(): void {
    if (this.readBatches.size === 0) return;
    const { term, lead } = this.node;
    const self = this.nodeId;
    const staleBeforeMs = lead !== self ? this.o.clock.monotonicMs() - READ_RETRY_MS : -Infinity;
    for (const [id, b] of this.readBatches) {
      if (b.term === term && b.lead === lead && b.askedAtMs > staleBeforeMs) continue;
      this.readBatches.delete(id);
      this.readsUnasked.push(b);
    }
  }

  /**
   * Steps 1 and (early) 4 of a Ready, then the rest now or, when the Ready must be fsynced,
   * once its WAL fsync (in the thread pool, Storage.syncWrites) is done (see `deferred`).
   * False when deferred.
   */
  private handleReady(): boolean {
    const rd = this.node.ready();
    this.counters.readyRounds++;
    if (rd.softState !== null) {
      this.role = rd.softState.role;
      this.leader = rd.softState.lead;
      this.onRoleChange(this.role, this.leader);
    }
    this.send(rd.messages);
    const appliedEarly = this.applyDurable(rd);
    if (this.syncsOffLoop(rd)) {
      this.persist(false, rd.entries, rd.hardState, false, null);
      this.deferred = { rd, appliedEarly };
      this.counters.readiesDeferred++;
      this.counters.logSyncs++;
      const t0 = this.scheduler.nowMs();
      this.o.storage.syncWrites().then(() => {
        this.counters.logSyncMs += this.scheduler.nowMs() - t0;
        this.finishDeferred();
      }, failStop);
      return false;
    }
    this.persist(rd.snapshot !== null, rd.entries, rd.hardState, rd.mustSync, rd.snapshot);
    this.finishReady(rd, appliedEarly);
    return true;
  }

  /** After the Ready is persisted: send what waits for it, apply the rest, advance. */
  private finishReady(rd: Ready, appliedEarly: number): void {
    this.send(rd.messagesAfterPersist);
    if (rd.snapshot !== null) this.installSnapshot();
    const ce = rd.committedEntries;
    for (let i = appliedEarly; i < ce.length; i++) this.applyQueue.push(ce[i]!);
    this.drainApplyQueue();
    for (const rs of rd.readStates) this.readConfirmed(rs);
    this.node.advance();
    this.maybeSnapshot();
  }

  /**
   * Applies the Ready's committed entries that are already durable in this node's log
   * (persisted by an earlier Ready) BEFORE this Ready's fsync, and sends their replies: a
   * leader under load commits old entries and appends new ones in the same Ready, and those
   * replies need not wait for the new entries' fsync. Returns how many were applied. (A crash
   * in between can leave the applied index above the persisted commit index; the
   * constructor raises the commit index again on restart: applied entries were committed.)
   */
  private applyDurable(rd: Ready): number {
    if (rd.snapshot !== null) return 0;
    const stable = this.node.lastStableIndex();
    const ce = rd.committedEntries;
    let i = 0;
    while (i < ce.length && ce[i]!.index <= stable) this.applyQueue.push(ce[i++]!);
    this.drainApplyQueue();
    if (i > 0) this.flushTouched();
    return i;
  }

  /**
   * A Ready whose entries or hard state must be fsynced (not a snapshot's, which installs
   * with a blocking synced write): it is written unsynced at once and finished when the WAL
   * fsync in the thread pool is done. The binding's synced write would block the event loop
   * for the whole fsync (0.1-0.7 ms here, more with other processes syncing): heartbeats,
   * reads, other connections and the gRPC sends of this very Ready (Raft lets the leader
   * send its appends before its own fsync) all waited for it. Proposals, messages and ticks
   * that arrive meanwhile are stepped into the core and go out with the next Ready.
   */
  private syncsOffLoop(rd: Ready): boolean {
    if (this.o.fsync === false || !rd.mustSync || rd.snapshot !== null) return false;
    return rd.entries.length > 0 || rd.hardState !== null;
  }

  /** A Ready written and waiting for its fsync (see syncsOffLoop). Nothing calls ready()
   * again until it is finished; stepping, ticking and proposing in between are allowed by
   * the core, as in etcd's RawNode. */
  private deferred: { rd: Ready; appliedEarly: number } | null = null;
  /** A Ready is written and waits for its fsync. */
  get persisting(): boolean {
    return this.deferred !== null;
  }

  /** failAll ran: a deferred Ready is never finished. */
  private stopped = false;

  private finishDeferred(): void {
    const d = this.deferred;
    if (d === null || this.stopped) return;
    this.deferred = null;
    this.running = true;
    try {
      this.finishReady(d.rd, d.appliedEarly);
    } finally {
      this.running = false;
    }
    this.run();
  }

  private persist(
    hasSnapshot: boolean,
    entries: readonly Entry[],
    hardState: Parameters<RocksLogStorage['setHardState']>[0] | null,
    mustSync: boolean,
    snapshot: Parameters<RocksLogStorage['applySnapshot']>[0] | null,
  ): void {
    if (!hasSnapshot && entries.length === 0 && hardState === null) return;
    const batch = this.o.storage.batch();
    const log = this.o.logStorage;
    log.stage(batch);
    try {
      if (snapshot !== null) {
        log.applySnapshot(snapshot);
        assert(this.pendingInstall !== null, 'snapshot in Ready without a staged image');
        this.pendingInstall.stageInstall(batch);
      }
      if (entries.length > 0) log.append(entries);
      if (hardState !== null) log.setHardState(hardState);
    } finally {
      log.unstage();
    }
    const sync = (mustSync || hasSnapshot) && this.o.fsync !== false;
    this.counters.logWrites++;
    if (!sync) {
      this.o.storage.write(batch, { sync });
      return;
    }
    const t0 = this.scheduler.nowMs();
    this.o.storage.write(batch, { sync });
    this.counters.logSyncs++;
    this.counters.logSyncMs += this.scheduler.nowMs() - t0;
  }

  /** Sends messages; Snapshot messages go out as streamed images. */
  private send(messages: readonly Message[]): void {
    let plain = messages;
    for (const m of messages) {
      if (m.type !== MessageType.Snapshot) continue;
      plain = messages.filter((x) => x.type !== MessageType.Snapshot);
      this.sendSnapshot(m);
    }
    if (plain.length > 0) this.o.transport.send(plain);
  }

  private sendSnapshot(m: Message): void {
    const image = this.heldImage;
    const wanted = m.snapshot === null ? null : decodeDescriptor(Buffer.from(m.snapshot.data));
    if (
      image === null ||
      image.released ||
      wanted === null ||
      !image.descriptor.equals(Buffer.from(m.snapshot!.data))
    ) {
      this.node.reportSnapshot(m.to, false);
      return;
    }
    void this.o.transport
      .sendSnapshot(m.to, this.groupId, m.snapshot!.metadata, () => image.open(), m)
      .then((delivered) => {
        this.log('snapshot sent', { to: m.to, delivered });
        this.node.reportSnapshot(m.to, delivered);
        this.schedule();
      });
  }

  /** Transport handler: a verified inbound image; staged, then its message is stepped. */
  async receiveSnapshot(s: InboundSnapshot): Promise<void> {
    const inst = new SnapshotInstaller(this.o.storage, { groupId: this.groupId });
    try {
      // Chunks already buffered are consumed in microtasks, which never let timers and
      // sockets run: yield a turn once the budget is spent (the image may take seconds).
      let sliceStartMs = this.scheduler.nowMs();
      for await (const c of s.chunks()) {
        if (c.length === 0) continue;
        if (inst.complete) throw new Error('bytes after the end of the snapshot image');
        inst.push(c);
        if (this.scheduler.nowMs() - sliceStartMs >= this.turnBudgetMs) {
          await new Promise<void>((resolve) => this.scheduler.defer(resolve));
          sliceStartMs = this.scheduler.nowMs();
        }
      }
      inst.end();
      const msg = s.message;
      if (msg === null || msg.snapshot === null || !inst.matches(msg.snapshot))
        throw new Error('snapshot image does not match its message');
      this.stepSnapshot(inst, {
        ...msg,
        snapshot: { metadata: msg.snapshot.metadata, data: inst.descriptor! },
      });
      this.run();
    } catch (e) {
      this.log('inbound snapshot refused', { from: s.fromNode, error: (e as Error).message });
      throw e;
    } finally {
      // Installed (run handled its Ready), refused by the core, or superseded: discard. Still
      // held by the core (a Ready waiting for its fsync comes first): staged until its Ready.
      if (this.pendingInstall !== inst) inst.abort();
      else if (!this.coreHolds(inst)) {
        inst.abort();
        this.pendingInstall = null;
      }
    }
  }

  /**
   * Steps a Snapshot message whose image `inst` is staged. The image becomes the one the next
   * snapshot Ready installs only if the core took the snapshot; otherwise the image staged
   * before (if any) stays: the core may still hold ITS snapshot, when a Ready waiting for its
   * fsync keeps the snapshot's Ready back (found by the simulator, seed 17: the image was
   * discarded and the snapshot's Ready then had none to install).
   */
  private stepSnapshot(inst: SnapshotInstaller, message: Message): void {
    const previous = this.pendingInstall;
    this.step(message);
    if (!this.coreHolds(inst)) return;
    if (previous !== null && previous !== inst) previous.abort();
    this.pendingInstall = inst;
  }

  /** Whether the core holds, not yet persisted, the snapshot whose image `inst` staged. */
  private coreHolds(inst: SnapshotInstaller): boolean {
    const held = this.node.pendingSnapshot();
    const h = inst.header;
    return held !== null && h !== null && held.index === h.index && held.term === h.term;
  }

  private installSnapshot(): void {
    const inst = this.pendingInstall;
    assert(inst !== null, 'no staged image to install');
    this.pendingInstall = null;
    // The image replaces whatever the queued (or suspended) entries would have changed.
    if (this.applying !== null) {
      this.o.sm.abandonApply!();
      this.applying = null;
    }
    this.applyQueue.clear();
    inst.finishInstall();
    this.o.sm.reload();
    this.recentWrites.resetTo(this.o.sm.appliedIndex);
    this.snapshotsInstalled++;
    this.onSnapshotInstalled(inst.header!);
  }

  /** Log compaction: snapshot at the applied index when the log grew long enough. */
  private maybeSnapshot(): void {
    const log = this.o.logStorage;
    const applied = this.o.sm.appliedIndex;
    const max = this.o.logEntriesMax ?? LOG_ENTRIES_MAX;
    // Kept below max: compacting to `applied - kept` must bring the log under the limit, or
    // the next Ready would snapshot again at the same index.
    const kept = Math.min(this.o.logEntriesKept ?? LOG_ENTRIES_KEPT, Math.max(0, max - 1));
    if (applied - (log.firstIndex() - 1) > max) this.snapshotNow(applied - kept);
    else if (log.storedBytes > (this.o.logBytesMax ?? LOG_BYTES_MAX)) this.snapshotByBytes(applied, kept);
    else if (log.wantsSnapshot) this.snapshotNow(null);
  }

  /**
   * The log is over its byte budget: compact so that behind the applied index at most
   * `kept` entries AND at most half the budget remain (the other half is room before the
   * next compaction, so large entries do not trigger a snapshot per Ready). Unapplied
   * entries cannot go; when nothing can be dropped, no snapshot is taken.
   */
  private snapshotByBytes(applied: number, kept: number): void {
    const log = this.o.logStorage;
    const upTo = Math.min(applied, log.lastIndex());
    const bytesKept = (this.o.logBytesMax ?? LOG_BYTES_MAX) / 2;
    const to = Math.max(upTo - kept, log.indexKeepingBytes(bytesKept, upTo));
    if (to <= log.firstIndex() - 1) {
      if (log.wantsSnapshot) this.snapshotNow(null);
      return;
    }
    // A snapshot held at the applied index already covers `to`: only compact.
    if (applied > log.storedSnapshot().metadata.index || this.heldImage === null) {
      this.snapshotNow(to);
      return;
    }
    const batch = this.o.storage.batch();
    log.stage(batch);
    try {
      log.compact(to);
    } finally {
      log.unstage();
    }
    this.o.storage.write(batch, { sync: false });
  }

  /**
   * Admin (RAFT SNAPSHOT): snapshot at the applied index now and compact the log up to it.
   * Returns the snapshot index. A snapshot already held at that index is reused.
   */
  forceSnapshot(): number {
    const log = this.o.logStorage;
    const applied = this.o.sm.appliedIndex;
    if (applied > log.storedSnapshot().metadata.index || this.heldImage === null) {
      this.snapshotNow(applied);
      return applied;
    }
    if (applied > log.firstIndex() - 1) {
      const batch = this.o.storage.batch();
      log.stage(batch);
      try {
        log.compact(applied);
      } finally {
        log.unstage();
      }
      this.o.storage.write(batch, { sync: false });
    }
    return applied;
  }

  /** Admin (RAFT TRANSFER-LEADER): asks the core to hand leadership to `target`. Throws
   * RaftError when this node is not the leader; the transfer completes asynchronously. */
  transferLeadership(target: number): void {
    this.node.transferLeadership(target);
    this.schedule();
  }

  private snapshotNow(compactTo: number | null): void {
    const log = this.o.logStorage;
    const index = this.o.sm.appliedIndex;
    const confState = log.initialState().confState;
    const image = SnapshotImage.capture(this.o.storage, {
      groupId: this.groupId,
      index,
      term: log.term(index),
      confState,
      slotRanges: this.o.sm.slotRanges ?? ALL_SLOTS,
    });
    const batch = this.o.storage.batch();
    log.stage(batch);
    try {
      log.createSnapshot(index, confState, image.descriptor);
      if (compactTo !== null && compactTo > log.firstIndex() - 1) log.compact(compactTo);
    } finally {
      log.unstage();
    }
    this.o.storage.write(batch, { sync: false });
    this.heldImage?.release();
    this.heldImage = image;
    this.snapshotsTaken++;
  }

  /** Applies one committed entry; false when its apply is suspended (resumeApplying). */
  private applyEntry(e: Entry): boolean {
    const sm = this.o.sm;
    if (e.index <= sm.appliedIndex) return true;
    if (e.type === EntryType.ConfChange) {
      const change = decodeConfChange(e.data);
      const cs = this.node.applyConfChange(change);
      sm.applyNoop(e.index, {
        addToBatch: (b) => {
          this.o.logStorage.stage(b);
          try {
            this.o.logStorage.setConfState(cs);
          } finally {
            this.o.logStorage.unstage();
          }
          this.stageConfChange(change, b);
        },
      });
      this.onConfChange(change);
      this.settle(e.index, e.term, null);
      this.settleConfChange(e.index, e.term, true);
      return true;
    }
    this.settleConfChange(e.index, e.term, false);
    if (e.data.length === 0) {
      sm.applyNoop(e.index);
      this.settle(e.index, e.term, null);
      return true;
    }
    const data = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const options = {
      onTagged: (tag: number, reply: Reply) => this.recentWrites.record(tag, e.index, reply),
    };
    const replies = sm.applyYielding
      ? sm.applyYielding(e.index, data, options)
      : sm.apply(e.index, data, options);
    if (replies === APPLY_SUSPENDED) return false;
    this.applied(e, replies);
    return true;
  }

  private applied(e: Entry, replies: Reply[] | null): void {
    this.settle(e.index, e.term, replies);
    this.o.sm.reportTouched();
  }

  /**
   * Admin (RAFT ADD-LEARNER / PROMOTE / REMOVE): proposes a membership change; `done` gets
   * +OK once it is applied here, or an error (not leader, another change pending, invalid,
   * lost to a leader change, timeout).
   */
  proposeConfChange(change: ConfChange, done: (reply: Reply) => void): void {
    try {
      const id = this.node.proposeConfChange(change);
      this.confProposals.add(id.index, {
        term: id.term,
        done,
        deadlineMs: this.o.clock.monotonicMs() + this.timeoutMs,
      });
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      done(new ErrorReply(`ERR raft: ${e.message}`));
      return;
    }
    this.schedule();
  }

  private settleConfChange(index: number, term: number, isConfChange: boolean): void {
    for (const p of this.confProposals.take(index))
      p.done(p.term === term && isConfChange ? OK_REPLY : ERR_NOT_APPLIED);
  }

  /** Answers the proposals made at `index` (see PendingByIndex), if this node made any. */
  private settle(index: number, term: number, replies: Reply[] | null): void {
    for (const p of this.proposals.take(index)) {
      if (p.term !== term || replies === null) {
        this.answer(p.waiters, ERR_NOT_APPLIED);
        continue;
      }
      assert(replies.length === p.waiters.length, 'reply count does not match the proposal');
      for (let i = 0; i < replies.length; i++) {
        const w = p.waiters[i];
        if (w) {
          w.onWriteReply(replies[i]!);
          this.touched.add(w);
        }
      }
    }
  }

  private answer(waiters: (ReplyWaiter | null)[], reply: Reply): void {
    for (const w of waiters) {
      if (w) {
        w.onWriteReply(reply);
        this.touched.add(w);
      }
    }
  }

  private readConfirmed(rs: ReadState): void {
    const id = Buffer.from(rs.context).readDoubleBE(0);
    const batch = this.readBatches.get(id);
    if (batch === undefined) return;
    this.readBatches.delete(id);
    batch.index = rs.index;
    this.readsReady.push(batch);
    // The reads that waited for this round get the next one.
    if (this.readsQueued.length > 0 || this.readsUnasked.length > 0) this.schedule();
  }

  private serveReads(): void {
    // Nothing reads while a command waits between turns (a suspended apply or read).
    if (this.readsReady.length === 0 || this.applying !== null || this.o.sm.quiesced === true) return;
    const applied = this.o.sm.appliedIndex;
    let kept = 0;
    for (const b of this.readsReady) {
      if (b.index <= applied) for (const r of b.reads) r.run();
      else this.readsReady[kept++] = b;
    }
    this.readsReady.length = kept;
  }

  /** Answers proposals and reads that waited too long (lost leader, partition). */
  private expireRequests(): void {
    const now = this.o.clock.monotonicMs();
    // Committed proposals behind a suspended entry will be applied: not "unknown".
    const applyingUpTo = this.applyQueue.length > 0 || this.applying !== null ? this.node.committed : 0;
    for (const p of this.proposals.takeExpired(now, applyingUpTo))
      this.answer(p.waiters, ERR_OUTCOME_UNKNOWN);
    for (const p of this.confProposals.takeExpired(now)) p.done(ERR_OUTCOME_UNKNOWN);
    let kept = 0;
    for (const r of this.retries) {
      if (r.deadlineMs > now) this.retries[kept++] = r;
      else this.answer([r.waiter], ERR_NOT_APPLIED); // never proposed
    }
    this.retries.length = kept;
    for (const [id, b] of this.readBatches) {
      if (b.deadlineMs > now) continue;
      this.readBatches.delete(id);
      for (const r of b.reads) r.fail(ERR_READ_TIMEOUT);
    }
    expireReadBatches(this.readsUnasked, now);
    expireReadBatches(this.readsReady, now);
    if (this.touched.size > 0) {
      for (const w of this.touched) w.flushOutput();
      this.touched.clear();
    }
  }

  /** Fails everything still waiting and releases the held image (shutdown). A Ready waiting
   * for its fsync is abandoned (its entries are written; a restart goes on from the log). */
  failAll(): void {
    this.stopped = true;
    this.heldImage?.release();
    this.heldImage = null;
    for (const p of this.proposals.takeAll()) this.answer(p.waiters, ERR_OUTCOME_UNKNOWN);
    for (const p of this.confProposals.takeAll()) p.done(ERR_OUTCOME_UNKNOWN);
    this.answer(this.waiters.splice(0), ERR_NOT_APPLIED);
    this.commands.length = 0;
    this.answer(
      this.retries.splice(0).map((r) => r.waiter),
      ERR_NOT_APPLIED,
    );
    for (const b of this.readBatches.values()) for (const r of b.reads) r.fail(ERR_READ_TIMEOUT);
    this.readBatches.clear();
    for (const b of [...this.readsUnasked.splice(0), ...this.readsReady.splice(0)])
      for (const r of b.reads) r.fail(ERR_READ_TIMEOUT);
    for (const r of this.readsQueued.splice(0)) r.fail(ERR_READ_TIMEOUT);
    for (const w of this.touched) w.flushOutput();
    this.touched.clear();
  }
}

/** Fails (and removes) the batches whose deadline passed. */
function expireReadBatches(batches: ReadBatch[], nowMs: number): void {
  let kept = 0;
  for (const b of batches) {
    if (b.deadlineMs > nowMs) batches[kept++] = b;
    else for (const r of b.reads) r.fail(ERR_READ_TIMEOUT);
  }
  batches.length = kept;
}
