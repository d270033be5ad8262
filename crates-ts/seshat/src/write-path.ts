/**
 * The write path (group commit). Write commands arriving within one event-loop turn become
 * one log entry, stamped with the leader's time and a seed; the entry is appended to the log
 * with one fsync, then applied by the state machine, then every waiting client gets its
 * reply. This is the shape Raft plugs into: append -> commit -> apply -> reply.
 */
import { EntryKind, entryKind, type WriteIdentity } from '@seshat/cluster';
import { assert, type Clock, failStop, type Reply } from '@seshat/common';
import {
  APPLY_SUSPENDED,
  busyScript,
  encodeEntry,
  type EntryCommand,
  type EntryTouches,
  isBlockReply,
  type KvStateMachine,
} from '@seshat/kv';
import type { SqlStateMachine, WriteSet } from '@seshat/sql';
import type { Storage } from '@seshat/storage';
import type { LogStore } from './log-store.js';

/** Whoever waits for a write's reply (a client connection, or the server itself). */
export interface WriteWaiter {
  onWriteReply(reply: Reply): void;
  /** Called once after a batch of replies was delivered, to send them in one socket write. */
  flushOutput(): void;
}

/** What the server submits writes to: the standalone WritePath or a Raft group driver. */
export interface Proposer {
  /** `writeId`: cluster mode's identity of a client write (retry detection); standalone ignores it. */
  submit(waiter: WriteWaiter | null, db: number, argv: Buffer[], writeId?: WriteIdentity): void;
  /** Processes everything queued now, as far as it can go synchronously. */
  flush(): void;
  readonly pending: number;
  /** Commands that will apply before anything submitted now (null: cannot tell). */
  unappliedCommands(): readonly EntryCommand[] | null;
}

/** Most commands in one entry; bounds entry size and apply latency. */
export const ENTRY_COMMANDS_MAX = 4096;
/** Most argument bytes in one entry (a larger single command still forms its own entry). */
export const ENTRY_BYTES_MAX = 8 * 1024 * 1024;
/**
 * Entries kept in the log behind the state machine's durable index (replay starts after it; it
 * equals the applied index unless writes are deferred, see KvStateMachine.deferPlainWrites).
 * The short tail is only there to look at. A long tail cost CPU: entries that outlive their memtable are copied into
 * SST files by the background flush, about 6% of a SET's CPU at pipeline 16 with 10,000 kept.
 * With a tail of 64, dropped every 64 entries, the range tombstone reaches nearly every entry
 * while it is still in the memtable, and the flush drops it instead of writing it.
 */
export const LOG_RETAIN_ENTRIES = 64;
/** How often (in entries) the log is compacted down to LOG_RETAIN_ENTRIES. */
export const LOG_COMPACT_EVERY_ENTRIES = 64;

/** An applied entry whose replies wait (replyWhenDurable). */
interface AwaitingEntry {
  seq: number;
  waiters: (WriteWaiter | null)[];
  replies: Reply[];
  /** False: answerable once the entries before it are (no fsync of its own to wait for). */
  needsSync: boolean;
  /** What it changed, told to the listeners when its replies go out (see finishEntry). */
  touches: EntryTouches | null;
  /** Told after the replies rather than before: the entry parks blocked clients. */
  touchesLast: boolean;
}

export type FsyncPolicy = 'always' | 'everysec' | 'no';

export class WritePath implements Proposer {
  private readonly commands: EntryCommand[] = [];
  private readonly waiters: (WriteWaiter | null)[] = [];
  private bytes = 0;
  /** Argument bytes of the commands the last nextEntryLength counted. */
  private nextEntryBytes = 0;
  private scheduled = false;
  private readonly touched = new Set<WriteWaiter>();
  fsync: FsyncPolicy = 'always';
  private unsynced = false;
  /** Entries applied and written, answered once durable, in entry order. */
  private readonly awaiting: AwaitingEntry[] = [];
  private awaitSeq = 0;
  /** syncWrites calls not resolved yet. */
  private syncsInFlight = 0;
  /** A scheduled flush waits for them (flushBound). */
  private flushAfterSync = false;
  /** Counters for INFO. */
  entriesWritten = 0;
  commandsWritten = 0;
  /** Blocking fsyncs (appendfsync everysec's syncNow); see `fsyncs`. */
  private blockingFsyncs = 0;

  constructor(
    private readonly storage: Storage,
    private readonly log: LogStore,
    private readonly sm: KvStateMachine,
    private readonly clock: Clock,
    private readonly seed: () => number,
  ) {}

  /**
   * The SQL state machine sharing this log (EntryKind.Sql entries), or null. Set before
   * `recover`. kv's applied index is the log's: a SQL entry is applied by `sql` and recorded
   * by kv as a no-op; kv's entries only move SQL's applied index in memory (skipTo), so the
   * kv write path writes nothing more than before.
   */
  sql: SqlStateMachine | null = null;
  private readonly sqlWriteSets: WriteSet[] = [];
  private readonly sqlWaiters: WriteWaiter[] = [];

  /** Replays entries written but not applied before the last stop. */
  recover(): number {
    let n = 0;
    for (const [index, entry] of this.log.entriesAfter(this.sm.appliedIndex)) {
      if (entryKind(entry) === EntryKind.Sql) {
        assert(this.sql !== null, `log entry ${index} is SQL and no SQL state machine is attached`);
        this.sql.apply(index, entry);
        this.sm.applyNoop(index);
      } else this.sm.apply(index, entry);
      n++;
    }
    this.sql?.skipTo(this.sm.appliedIndex);
    assert(this.sm.appliedIndex === this.log.lastIndex || this.log.lastIndex === 0, 'log replay incomplete');
    if (this.log.lastIndex < this.sm.appliedIndex) this.log.lastIndex = this.sm.appliedIndex;
    return n;
  }

  /** Queues a write command; `waiter` receives its reply in submission order. */
  submit(waiter: WriteWaiter | null, db: number, argv: Buffer[]): void {
    this.commands.push({ db, argv });
    this.waiters.push(waiter);
    for (let i = 0; i < argv.length; i++) this.bytes += argv[i]!.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  get pending(): number {
    return this.commands.length;
  }

  /** Queues a SQL write set; `waiter` gets +OK once applied (and durable), or the conflict error. */
  submitSql(waiter: WriteWaiter, ws: WriteSet): void {
    assert(this.sql !== null, 'submitSql without a SQL state machine');
    this.sqlWriteSets.push(ws);
    this.sqlWaiters.push(waiter);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /** Standalone: only the queue (an entry is applied as soon as it is written). */
  /** SLOWLOG: commands that took at least this long to apply are reported (-1: none). */
  slowThresholdUsec = -1;
  /** Told about each such command of an applied entry, with its waiter (slowlog.ts). */
  onSlowCommand: ((waiter: WriteWaiter, command: EntryCommand, index: number) => void) | null = null;

  private reportSlow(
    commands: readonly EntryCommand[],
    waiters: readonly (WriteWaiter | null)[],
    replies: readonly Reply[],
  ): void {
    const usec = this.sm.entryUsec;
    for (let i = 0; i < commands.length; i++) {
      const w = waiters[i];
      // A blocking command that blocked did not run yet (Redis logs it once served).
      if (!w || isBlockReply(replies[i])) continue;
      if (usec[i]! >= this.slowThresholdUsec || this.sm.transactionUsec.has(i))
        this.onSlowCommand!(w, commands[i]!, i);
    }
  }

  unappliedCommands(): readonly EntryCommand[] | null {
    // Null while an entry waits in a suspended script: its commands are neither queued nor applied.
    return this.suspended === null ? this.commands : null;
  }

  private readonly flushBound = (): void => {
    this.scheduled = false;
    // One fsync in flight at a time (as Raft has one Ready in flight): writes that arrive
    // meanwhile wait for it and then form one larger entry, instead of an entry per
    // event-loop turn whose fixed costs (encoding, RocksDB write, reply turn) add up under
    // load. The event loop still parses and serves reads during the fsync. A full entry's
    // worth goes at once.
    if (this.syncsInFlight > 0 && this.commands.length < ENTRY_COMMANDS_MAX) {
      this.flushAfterSync = true;
      return;
    }
    this.flush(true);
  };

  /**
   * Writes everything queued, one entry per bounded batch. With `yieldToDrain` (the scheduled
   * flush), an entry that would first write a large backlog of deferred records waits: the
   * backlog is written a chunk per event-loop turn (KvStateMachine.drainBefore), so reads and
   * other connections are served meanwhile instead of the node stopping for the whole backlog
   * (about half a second per 100,000 records).
   */
  flush(yieldToDrain = false): void {
    // Nothing applies while a script waits between time slices (the entry's own, or an
    // *_RO script's: it must see one state); the script's end flushes again.
    while (this.commands.length > 0 && this.suspended === null && busyScript() === null) {
      const n = this.nextEntryLength();
      if (yieldToDrain && this.sm.drainBefore(this.commands, n)) {
        this.scheduled = true;
        setImmediate(this.flushBound);
        break;
      }
      this.flushOne(n);
    }
    if (this.sqlWriteSets.length > 0 && this.suspended === null && busyScript() === null) this.flushSql();
    for (const w of this.touched) w.flushOutput();
    this.touched.clear();
  }

  /** Commands in the next entry: up to ENTRY_COMMANDS_MAX and about ENTRY_BYTES_MAX. Their
   * argument bytes are left in `nextEntryBytes`. */
  private nextEntryLength(): number {
    let n = 0;
    let bytes = 0;
    while (n < this.commands.length && n < ENTRY_COMMANDS_MAX && (n === 0 || bytes < ENTRY_BYTES_MAX)) {
      for (const a of this.commands[n]!.argv) bytes += a.length;
      n++;
    }
    this.nextEntryBytes = bytes;
    return n;
  }

  /** Writes the next `n` commands (as counted by nextEntryLength) as one entry. */
  private flushOne(n: number): void {
    const bytes = this.nextEntryBytes;
    const commands = this.commands.splice(0, n);
    const waiters = this.waiters.splice(0, n);
    this.bytes -= bytes;
    const stamp = Math.max(this.clock.nowMs(), this.sm.lastStampMs);
    const seed = this.seed();
    const entry = encodeEntry(stamp, seed, commands);
    // Standalone: the entry is committed once durable, so the log record and its effects go
    // in one atomic batch (replay on restart then finds nothing to redo). The batch is
    // written unsynced; with appendfsync always its replies wait for a WAL fsync in the
    // thread pool (Storage.syncWrites), so the event loop goes on parsing, applying and
    // answering reads meanwhile, and the entries of the turns that pass during one fsync
    // share the next one (group commit).
    const index = this.log.lastIndex + 1;
    const replies = this.sm.applyYielding(index, entry, {
      addToBatch: (b) => this.log.append(b, entry),
      sync: false,
      decoded: { timeMs: stamp, seed: seed >>> 0, commands },
    });
    if (replies === APPLY_SUSPENDED) {
      this.suspended = { index, commands, waiters };
      setImmediate(this.resumeBound);
      return;
    }
    this.finishEntry(index, commands, waiters, replies);
  }

  /**
   * Writes every queued SQL write set as one EntryKind.Sql entry: SqlStateMachine applies it
   * in one batch with its log record (as kv's entries), then kv records the index as a no-op.
   * A crash between the two batches is replayed by `recover` (SQL skips what it applied).
   */
  private flushSql(): void {
    const sql = this.sql!;
    const writeSets = this.sqlWriteSets.splice(0);
    const waiters = this.sqlWaiters.splice(0);
    const stamp = Math.max(this.clock.nowMs(), this.sm.lastStampMs, sql.lastStampMs);
    const entry = sql.encodeEntry(stamp, this.seed(), writeSets);
    const index = this.log.lastIndex + 1;
    const replies = sql.apply(index, entry, { addToBatch: (b) => this.log.append(b, entry) });
    assert(replies !== null && replies.length === waiters.length, 'sql apply returned wrong reply count');
    this.sm.applyNoop(index);
    this.entriesWritten++;
    if (this.fsync === 'always') {
      this.replyWhenDurable(waiters, replies, null);
    } else {
      this.unsynced = true;
      // Replies keep entry order behind entries still waiting for an fsync.
      if (this.awaiting.length > 0) {
        const seq = ++this.awaitSeq;
        this.awaiting.push({ seq, waiters, replies, needsSync: false, touches: null, touchesLast: false });
      } else this.deliver(waiters, replies);
    }
    const replayFrom = Math.min(index, this.sm.durableIndex);
    if (index % LOG_COMPACT_EVERY_ENTRIES === 0 && replayFrom > LOG_RETAIN_ENTRIES) {
      this.log.compact(replayFrom - LOG_RETAIN_ENTRIES);
    }
  }

  /**
   * The entry whose script yielded (kv script-runner.ts): nothing after it is applied until
   * it completes; a later event-loop turn continues it (resumeBound).
   */
  private suspended: {
    index: number;
    commands: EntryCommand[];
    waiters: (WriteWaiter | null)[];
  } | null = null;

  /** Whether an entry waits in a suspended script. */
  get applySuspended(): boolean {
    return this.suspended !== null;
  }

  private readonly resumeBound = (): void => {
    const s = this.suspended;
    if (s === null) return;
    const replies = this.sm.resumeApply();
    if (replies === APPLY_SUSPENDED) {
      setImmediate(this.resumeBound);
      return;
    }
    this.suspended = null;
    this.finishEntry(s.index, s.commands, s.waiters, replies);
    this.flush(true);
  };

  /** Drops an entry left in a suspended script (SHUTDOWN NOSAVE): neither it nor its log
   * record is written; its clients get no reply. */
  abandonSuspended(): void {
    if (this.suspended === null) return;
    this.suspended = null;
    this.sm.abandonApply();
  }

  /** After an entry is applied and written: counters, replies (now or once durable), compaction. */
  private finishEntry(
    index: number,
    commands: EntryCommand[],
    waiters: (WriteWaiter | null)[],
    replies: Reply[] | null,
  ): void {
    const n = waiters.length;
    assert(replies !== null && replies.length === n, 'apply returned wrong reply count');
    const sync = this.fsync === 'always';
    this.entriesWritten++;
    this.commandsWritten += n;
    // SLOWLOG: the state machine's times of this entry's commands are read before the next entry.
    if (this.slowThresholdUsec >= 0 && this.onSlowCommand !== null)
      this.reportSlow(commands, waiters, replies);
    if (!sync) this.unsynced = true;
    // What the entry changed (keyspace notifications, wakeups of blocked clients, tracking
    // invalidations) is told when its replies go out, not before: with appendfsync always
    // that is after its fsync, so no other client sees a write that is not durable yet (Redis
    // too writes every reply of an event-loop turn after its AOF fsync). It goes just before
    // the replies: Redis queues a subscriber's notification ahead of the command's reply.
    const touches = this.sm.takeTouches();
    const blocked = replies.some(isBlockReply);
    if (sync && !blocked) this.replyWhenDurable(waiters, replies, touches);
    else if (sync) {
      // A blocking command that found nothing is parked when its reply is delivered, and it
      // must be parked before any later entry applies (that entry's push would otherwise
      // not wake it). Such an entry is made durable with a blocking fsync, which covers the
      // entries still waiting for theirs: all of them are answered at once, in order. Its
      // changes are told after its replies, so that the clients they park hear of them.
      this.syncNow(true);
      this.awaiting.push({
        seq: ++this.awaitSeq,
        waiters,
        replies,
        needsSync: false,
        touches,
        touchesLast: true,
      });
      this.release(this.awaitSeq);
    } else if (this.awaiting.length > 0) {
      // Replies keep entry order (appendfsync changed while entries wait for their fsync).
      this.awaiting.push({
        seq: ++this.awaitSeq,
        waiters,
        replies,
        needsSync: false,
        touches,
        touchesLast: blocked,
      });
    } else this.answer(waiters, replies, touches, blocked);
    // Entries after the state machine's durable index are still needed by replay (deferred
    // writes, see KvStateMachine.deferPlainWrites).
    const replayFrom = Math.min(index, this.sm.durableIndex);
    if (index % LOG_COMPACT_EVERY_ENTRIES === 0 && replayFrom > LOG_RETAIN_ENTRIES) {
      this.log.compact(replayFrom - LOG_RETAIN_ENTRIES);
    }
  }

  /** WAL fsyncs: thread-pool rounds (shared by the entries they cover) and blocking ones. */
  get fsyncs(): number {
    return this.storage.syncRounds + this.blockingFsyncs;
  }

  /** Entries written but not answered yet (waiting for their fsync, or behind one that is). */
  get awaitingSync(): number {
    return this.awaiting.length;
  }

  private replyWhenDurable(
    waiters: (WriteWaiter | null)[],
    replies: Reply[],
    touches: EntryTouches | null,
  ): void {
    const seq = ++this.awaitSeq;
    this.awaiting.push({ seq, waiters, replies, needsSync: true, touches, touchesLast: false });
    this.syncsInFlight++;
    this.storage.syncWrites().then(
      () => {
        this.syncsInFlight--;
        this.release(seq);
        for (const w of this.touched) w.flushOutput();
        this.touched.clear();
        if (this.flushAfterSync && this.syncsInFlight === 0) {
          this.flushAfterSync = false;
          this.flush(true);
        }
      },
      (e: unknown) => failStop(e),
    );
  }

  /** Answers the waiting entries, in order, up to the first one after `durableSeq` that
   * still needs its fsync. */
  private release(durableSeq: number): void {
    let i = 0;
    const q = this.awaiting;
    while (i < q.length && (q[i]!.seq <= durableSeq || !q[i]!.needsSync)) {
      const e = q[i]!;
      this.answer(e.waiters, e.replies, e.touches, e.touchesLast);
      i++;
    }
    if (i > 0) q.splice(0, i);
  }

  /** Delivers an entry's replies with its changes told just before them, or just after. */
  private answer(
    waiters: (WriteWaiter | null)[],
    replies: Reply[],
    touches: EntryTouches | null,
    touchesLast: boolean,
  ): void {
    if (touches !== null && !touchesLast) this.sm.reportTouches(touches);
    this.deliver(waiters, replies);
    if (touches !== null && touchesLast) this.sm.reportTouches(touches);
  }

  private deliver(waiters: (WriteWaiter | null)[], replies: Reply[]): void {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i];
      if (w) {
        w.onWriteReply(replies[i]!);
        this.touched.add(w);
      }
    }
  }

  /** For appendfsync everysec: makes earlier unsynced writes durable. */
  syncNow(force = false): void {
    if (!this.unsynced && !force) return;
    const batch = this.storage.batch();
    batch.put('default', SYNC_MARKER, SYNC_MARKER);
    this.storage.write(batch, { sync: true });
    this.blockingFsyncs++;
    this.unsynced = false;
  }
}

const SYNC_MARKER = Buffer.from('seshat:sync');
