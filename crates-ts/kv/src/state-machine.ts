/**
 * The replicated state machine. `apply` executes one log entry (a stamped batch of write
 * commands) against RocksDB in a single write batch that also records the applied index, so
 * state and applied index never diverge. `read` executes a read command against applied state.
 * Every replica applying the same entries reaches the same bytes: time comes from the stamp,
 * randomness from the stamp's seed.
 */
import { createHash } from 'node:crypto';
import {
  assert,
  AssertionError,
  ErrorReply,
  type Reply,
  SeededRandom,
  SeshatError,
  SLOT_COUNT,
  ALL_SLOTS,
  coversAllSlots,
  type SlotRange,
  slotInRanges,
  slotRangesProblem,
} from '@seshat/common';
import type { Storage, WriteBatch } from '@seshat/storage';
import type { CommandSpec, Handler } from './command-table.js';
import { AccessClock } from './access-clock.js';
import { Ctx, KeyCounts, type KvLimits, type KvStats } from './ctx.js';
import { DbMap } from './db-map.js';
import { decodeEntry, type Entry, type EntryCommand, encodeEntry } from './entry.js';
import { metaKey, metaKeyDb } from './keys.js';
import { MetaCache } from './meta-cache.js';
import { commandKeys } from './command-table.js';
import { KeyType, META_HEADER_BYTES, metaExpireAt, metaExpireAtAt, metaTypeAt } from './meta.js';
import { resolveCommand } from './resolve.js';
import { ReadView, Txn } from './txn.js';
import './commands/index.js';
import { INTERNAL_EXEC, INTERNAL_EXPIRE, internalCommand } from './commands/internal.js';
import { internalSweepHandler, StaleElementSweeper } from './sweeper.js';
import { ENCODING_LIMITS_DEFAULT } from './encoding-limits.js';
import { HLL_SPARSE_MAX_BYTES_DEFAULT } from './hll/hll-layout.js';
import { internalStreamHandler } from './commands/stream-readgroup.js';
import { decodeEntry as decodeCommands } from './entry.js';
import { FunctionRegistry } from './scripting/function-registry.js';
import type { ScriptObserver } from './scripting/script-observer.js';
import { isReservedMetaKey } from './scripting/library-store.js';
import { CommittedDecisions } from './scripting/script-decision.js';
import {
  abandonScript,
  busyScript,
  resumeScript,
  SCRIPT_SUSPENDED,
  scriptHolding,
  withoutYields,
} from './scripting/script-runner.js';
import { registryFromStorage } from './scripting/function-lua.js';
import { LIBRARY_SLOT, scopedIterator, slotRefusal } from './slot-scope.js';
import {
  decodeLoans,
  encodeLoans,
  giveBack,
  INTERNAL_SLOTS_LEND,
  INTERNAL_SLOTS_RETURN,
  lend,
  NO_LOANS,
  type SlotLoans,
  servedRanges,
} from './slot-loans.js';

const APPLIED_KEY_SUFFIX = Buffer.from('applied');
/** Applied index (8) and last stamp (8); the db map's 16 bytes follow once SWAPDB was used,
 * then the slot loans (slot-loans.ts) once a slot was lent (the db map is then always there). */
const APPLIED_RECORD_BYTES = 16;
const DB_MAP_BYTES = 16;

/** Reverts the SWAPDBs of a failed entry, last first. */
function undoSwaps(dbs: DbMap, ctx: Ctx): void {
  const swaps = ctx.swaps;
  if (swaps === null) return;
  for (let i = swaps.length - 2; i >= 0; i -= 2) dbs.swap(swaps[i]!, swaps[i + 1]!);
  ctx.swaps = null;
}

/** Execution time and error count of one write command (KvStateMachine.commandTimes). */
export interface CommandTime {
  usec: number;
  failed: number;
}

export interface KvStateMachineOptions {
  groupId?: number;
  limits?: Partial<KvLimits>;
  /** Byte budget of the in-memory meta record cache (0 disables it). */
  metaCacheBytes?: number;
  /** Slots of the OBJECT IDLETIME/FREQ table (default ACCESS_SLOTS, 7 MB; see AccessClock). */
  accessSlots?: number;
  /**
   * The slots this state machine serves (its Raft group's; default every slot): it loads,
   * scans, flushes, expires and sweeps only these, and refuses commands on keys elsewhere.
   * Several state machines with disjoint ranges share one RocksDB.
   */
  slotRanges?: readonly SlotRange[];
  /**
   * OBJECT IDLETIME/FREQ's table, shared by the state machines of one node (node-local,
   * not replicated, keyed by key: groups' keys never collide). Default: a table of its own.
   */
  access?: AccessClock;
}

export const META_CACHE_BYTES_DEFAULT = 256 * 1024 * 1024;
/** Redis's defaults of stream-node-max-entries and stream-node-max-bytes. */
export const STREAM_NODE_MAX_ENTRIES_DEFAULT = 100;
export const STREAM_NODE_MAX_BYTES_DEFAULT = 4096;

/** Deferred records not rewritten for this long (by entry stamps) are written to RocksDB. */
export const DEFERRED_COLD_MS = 2000;
/** Past this many dirty records, deferred records are written whatever their age. */
export const DEFERRED_DIRTY_RECORDS_MAX = 262_144;
/** Most deferred records written with one entry, beyond twice the keys it sets. */
const DEFERRED_FLUSH_EXTRA = 1024;
/** Most deferred records one `flushIfIdle` call writes: small steps, no long pause. */
export const DEFERRED_IDLE_CHUNK = 2048;
/** Deferred records written per event-loop turn before an entry that writes them all (drainBefore):
 * about 20 ms of work, so the node answers reads between chunks. */
export const DEFERRED_DRAIN_CHUNK = 4096;

export interface ApplyOptions {
  /** Adds more writes to the entry's batch (the standalone write path puts the log entry
   * itself there, so appending and applying cost one write and one fsync). */
  addToBatch?: (batch: WriteBatch) => void;
  /** fsync the batch (default false: the log was made durable before apply). */
  sync?: boolean;
  /** Called after the batch is written for each command that carries a write tag. */
  onTagged?: (tag: number, reply: Reply) => void;
  /** The entry already decoded, by whoever just encoded it (the standalone write path): the
   * same commands, so apply skips decoding them again. */
  decoded?: Entry;
}

const NO_OPTIONS: ApplyOptions = {};

/** applyYielding / resumeApply: the entry waits in a suspended script (script-runner.ts); the
 * same value as the Raft driver's (cluster state-machine.ts), which kv does not import. */
export const APPLY_SUSPENDED = 'suspended' as const;

/** An entry being applied: what its apply has done so far, kept while a script is suspended. */
interface ApplyFrame {
  readonly index: number;
  readonly entry: Entry;
  readonly options: ApplyOptions;
  readonly txn: Txn;
  ctx: Ctx | null;
  /** Keys the entry replaces when it is made of plain replacements (deferred writes), else 0. */
  readonly replaced: number;
  /** The last stamp before this entry (restored if it is rolled back). */
  readonly lastStampMs: number;
  readonly replies: Reply[];
  /** The next command to run, or the one whose script is suspended. */
  at: number;
  /** The transaction (INTERNAL_EXEC) at `at` while it is under way. */
  tx: { readonly commands: EntryCommand[]; readonly replies: Reply[]; at: number } | null;
  /** Deferred records written with this entry. */
  readonly taken: { keys: Buffer[]; values: (Buffer | null)[]; indexes: number[] };
  durable: number;
}

/** Stale element keys proposed for deletion per server cron cycle (sweeper.ts). */
export const SWEEP_KEYS_PER_CYCLE = 1024;

/** Column families holding the state machine's data (the digest covers them). */
const DATA_COLUMN_FAMILIES = ['meta', 'sub', 'zscore', 'expire', 'stream'] as const;

/** What an applied entry changed, for the listeners of reportTouched (takeTouches). */
export interface EntryTouches {
  readonly tracking: TrackingReport | null;
  readonly events: (string | number | Buffer)[] | null;
  readonly touched: Buffer[] | null;
}

export class KvStateMachine {
  readonly groupId: number;
  readonly counts = new KeyCounts();
  readonly stats: KvStats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0, keyChanges: 0 };
  /**
   * Time spent executing each write command at apply, and how many answered an error, by
   * command name (INFO commandstats' usec and failed_calls of writes). Null: not measured (the
   * server turns it on; the measuring costs two clock reads per command).
   */
  commandTimes: Map<string, CommandTime> | null = null;
  /** While commandTimes is on: told each applied command's duration (LATENCY, the server's). */
  onCommandTime: ((spec: CommandSpec, usec: number) => void) | null = null;
  /**
   * While commandTimes is on: how long each command of the last applied entry took (by its
   * position), and for a transaction (INTERNAL_EXEC) its queued commands' times, by position
   * in the entry. SLOWLOG reads them as the entry's replies are delivered.
   */
  readonly entryUsec: number[] = [];
  readonly transactionUsec = new Map<number, number[]>();
  readonly limits: KvLimits;
  appliedIndex = 0;
  /**
   * The applied index recorded in RocksDB: the state there, plus replaying the log from the
   * next entry, gives the applied state. Equal to appliedIndex unless writes are deferred.
   */
  durableIndex = 0;
  /**
   * Deferred writes (the standalone server; never in a Raft group, whose snapshots read
   * RocksDB). An entry made only of plain `SET key value` and `MSET key value ...` commands
   * (plainReplacements) writes the log entry but
   * not its meta records: those stay dirty in the meta cache, and are written later, once not
   * rewritten for DEFERRED_COLD_MS, so a key set many times in that window is written once.
   *
   * Why replay stays exact: such a command replaces its keys whatever they held (one that met
   * a key with a deadline, or an expired one, writes the `expire` family: that entry then
   * writes everything, like any other entry). Any other entry first writes every dirty record
   * and the applied index. So RocksDB always holds the exact state at `durableIndex`, except
   * for keys whose newer records were already written; every one of those is set again by an
   * entry after `durableIndex`, which replay re-applies in order, ending at the same value.
   * `durableIndex` stays below the oldest last write of any dirty record, so a dirty key is
   * always among the keys replay sets.
   */
  deferPlainWrites = false;
  /** Stamp of the last applied entry; the next leader stamp must not go below it. */
  lastStampMs = 0;
  /** Function libraries as of the applied index (FUNCTION LOAD ...; scripting/). */
  functions: FunctionRegistry = FunctionRegistry.EMPTY;
  private readonly appliedKey: Buffer;
  private readonly readCtx: Ctx;
  /** Logical -> physical databases (SWAPDB, db-map.ts): replicated, in the applied record. */
  readonly dbs = new DbMap();
  /** Called as soon as an entry that swapped databases is applied (like onApplied): the
   * server re-checks WATCHed keys and blocked clients of both databases (logical numbers). */
  onDbsSwapped: ((a: number, b: number) => void) | null = null;
  readonly cache: MetaCache;
  /** This node's access times / frequencies (OBJECT IDLETIME, FREQ); not replicated state. */
  readonly access: AccessClock;
  /** The slots of the group (options.slotRanges), before loans. */
  readonly baseRanges: readonly SlotRange[];
  /** Slots lent to other groups (replicated, in the applied record: slot-loans.ts). */
  loans: SlotLoans = NO_LOANS;
  /** The slots served now: baseRanges less the loans. */
  slotRanges: readonly SlotRange[] = ALL_SLOTS;
  /** slotRanges covers every slot: no command needs a slot check (the hot path's case). */
  private allSlots = true;
  /** Loans as changed by the entry being applied (adopted when its batch is written). */
  private entryLoans: SlotLoans | null = null;

  constructor(
    private readonly storage: Storage,
    options: KvStateMachineOptions = {},
  ) {
    this.groupId = options.groupId ?? 0;
    this.limits = {
      stringMaxBytes: 512 * 1024 * 1024,
      hllSparseMaxBytes: HLL_SPARSE_MAX_BYTES_DEFAULT,
      streamNodeMaxEntries: STREAM_NODE_MAX_ENTRIES_DEFAULT,
      streamNodeMaxBytes: STREAM_NODE_MAX_BYTES_DEFAULT,
      ...ENCODING_LIMITS_DEFAULT,
      ...options.limits,
    };
    this.appliedKey = Buffer.concat([groupPrefix(this.groupId), APPLIED_KEY_SUFFIX]);
    this.cache = new MetaCache(options.metaCacheBytes ?? META_CACHE_BYTES_DEFAULT);
    this.access = options.access ?? new AccessClock(Date.now(), options.accessSlots);
    const base = options.slotRanges ?? ALL_SLOTS;
    const problem = slotRangesProblem(base);
    assert(problem === null, `state machine of group ${this.groupId}: ${problem}`);
    this.baseRanges = coversAllSlots(base) ? ALL_SLOTS : base;
    this.readCtx = new Ctx(
      new ReadView(storage, this.cache, () => this.flushDeferred()),
      new SeededRandom(Date.now()),
      this.counts,
      this.stats,
      this.limits,
    );
    this.readCtx.access = this.access;
    this.readCtx.dbs = this.dbs;
    this.load();
  }

  /** Reads the applied index and rebuilds the in-memory key counts from the column families. */
  private load(): void {
    const raw = this.storage.get('raft_state', this.appliedKey);
    if (raw !== undefined) {
      this.appliedIndex = Number(raw.readBigUInt64BE(0));
      this.lastStampMs = raw.readDoubleBE(8);
    }
    this.dbs.load(
      raw !== undefined && raw.length > APPLIED_RECORD_BYTES
        ? raw.subarray(APPLIED_RECORD_BYTES, APPLIED_RECORD_BYTES + DB_MAP_BYTES)
        : undefined,
    );
    this.setLoans(this.loadLoans(raw));
    this.durableIndex = this.appliedIndex;
    this.counts.reset();
    // The meta cache takes every record while they fit its budget: then it is complete, and a
    // key it does not hold is known absent without reading RocksDB.
    this.cache.clear();
    let fits = true;
    const it = scopedIterator(this.storage, 'meta', this.slotRanges);
    try {
      for (let rows = it.nextBatch(1024); rows.length > 0; rows = it.nextBatch(1024)) {
        for (let i = 0; i < rows.length; i += 2) {
          const mk = rows[i]!;
          if (isReservedMetaKey(mk)) continue;
          this.counts.keys[metaKeyDb(mk)]!++;
          if (metaExpireAt(rows[i + 1]!) !== 0) this.counts.addVolatile(mk, 1);
          if (fits) fits = this.cache.load(mk, rows[i + 1]!);
        }
      }
    } finally {
      it.close();
    }
    if (fits) this.cache.loaded();
    // The libraries' records are at slot 0: a group without it has none (FUNCTION is refused).
    const functions = slotInRanges(LIBRARY_SLOT, this.slotRanges)
      ? registryFromStorage(this.storage)
      : FunctionRegistry.EMPTY;
    this.functions.releaseNotIn(functions);
    this.functions = functions;
  }

  /**
   * SHA-1 over every record of the data column families (meta, sub, zscore, expire, stream) in key
   * order, with the applied index it describes: two replicas at the same applied index must
   * give the same digest (the chaos harness's convergence check). O(data); diagnostics only.
   */
  digest(): { appliedIndex: number; digest: string } {
    this.flushDeferred();
    const h = createHash('sha1');
    const len = Buffer.allocUnsafe(4);
    for (const cf of DATA_COLUMN_FAMILIES) {
      h.update(cf);
      const it = scopedIterator(this.storage, cf, this.slotRanges);
      try {
        for (let rows = it.nextBatch(1024); rows.length > 0; rows = it.nextBatch(1024)) {
          for (const part of rows) {
            len.writeUInt32BE(part.length, 0);
            h.update(len);
            h.update(part);
          }
        }
      } finally {
        it.close();
      }
    }
    h.update(this.dbs.encode());
    return { appliedIndex: this.appliedIndex, digest: h.digest('hex') };
  }

  /** The loans in an applied record (none before any slot was lent). */
  private loadLoans(raw: Buffer | undefined): SlotLoans {
    const at = APPLIED_RECORD_BYTES + DB_MAP_BYTES;
    if (raw === undefined || raw.length <= at) return NO_LOANS;
    const loans = decodeLoans(raw.subarray(at));
    if (loans === null)
      throw new SeshatError('STORAGE', `group ${this.groupId}: applied record's slot loans do not decode`);
    return loans;
  }

  /** Adopts a loan table: the slots served, and every context's view of them. */
  private setLoans(loans: SlotLoans): void {
    this.loans = loans;
    const served = servedRanges(this.baseRanges, loans);
    this.slotRanges = loans.size === 0 ? this.baseRanges : served;
    this.allSlots = coversAllSlots(this.slotRanges);
    this.readCtx.slotRanges = this.slotRanges;
  }

  /** The slot loan commands (slot-loans.ts): applied here, they change this state machine's
   * ranges from the next command on, and for good once the entry's batch is written. */
  private execLoan(ctx: Ctx, argv: Buffer[]): Reply {
    const current = this.entryLoans ?? this.loans;
    const out = argv[0]!.equals(INTERNAL_SLOTS_LEND)
      ? lend(ctx.store, current, ctx.slotRanges, argv)
      : giveBack(current, argv);
    if (out.loans !== null) {
      this.entryLoans = out.loans;
      ctx.slotRanges = servedRanges(this.baseRanges, out.loans);
    }
    return out.reply;
  }

  /**
   * Re-reads everything after the group's data was replaced underneath (a snapshot install):
   * applied index and stamp, key counts, the meta cache (reloaded whole if it fits); drops the
   * sweeper's cursor.
   */
  /** StateMachine: the data of one entry (kv/entry.ts). */
  encodeEntry(stampMs: number, seed: number, commands: readonly EntryCommand[]): Buffer {
    return encodeEntry(stampMs, seed, commands);
  }

  /** StateMachine: the commands of an entry's data. */
  commandsOf(data: Buffer): readonly EntryCommand[] {
    return decodeEntry(data).commands;
  }

  reload(): void {
    this.sweeper = null;
    this.appliedIndex = 0;
    this.lastStampMs = 0;
    this.load();
  }

  /**
   * Applies entry `index` and returns one reply per command. Entries must come in order;
   * an index at or below the applied index is ignored (replay after restart). Scripts run to
   * their end without returning to the event loop (replay, tests: see applyYielding).
   */
  apply(index: number, entryBytes: Buffer, options: ApplyOptions = NO_OPTIONS): Reply[] | null {
    const r = withoutYields(() => this.applyYielding(index, entryBytes, options));
    assert(
      r !== APPLY_SUSPENDED,
      `entry ${index}: a script waited for a kill decision in a synchronous apply`,
    );
    return r;
  }

  /**
   * `apply`, except that a script running longer than a time slice yields
   * (script-runner.ts): APPLY_SUSPENDED is returned, nothing of the entry is written yet,
   * `resumeApply` continues it on a later event-loop turn, and no other entry may apply (nor
   * any read run) meanwhile.
   */
  applyYielding(
    index: number,
    entryBytes: Buffer,
    options: ApplyOptions = NO_OPTIONS,
  ): Reply[] | null | typeof APPLY_SUSPENDED {
    if (index <= this.appliedIndex) return null;
    assert(this.suspended === null, `apply of ${index} while entry ${this.suspended?.index} is suspended`);
    assert(index === this.appliedIndex + 1, `apply gap: applied ${this.appliedIndex}, got ${index}`);
    const entry = options.decoded ?? decodeEntry(entryBytes);
    const replaced = this.deferPlainWrites && this.cache.maxBytes > 0 ? plainReplacements(entry.commands) : 0;
    const defer = replaced > 0;
    // Anything but plain replacements may read the meta family in RocksDB directly (iterators): it
    // must be up to date first.
    if (!defer && this.cache.dirty > 0) this.flushDeferred();
    const txn = defer
      ? new Txn(this.storage, this.cache, index, entry.timeMs)
      : new Txn(this.storage, this.cache);
    const frame: ApplyFrame = {
      index,
      entry,
      options,
      txn,
      ctx: null,
      replaced,
      lastStampMs: this.lastStampMs,
      replies: new Array(entry.commands.length),
      at: 0,
      tx: null,
      taken: { keys: [], values: [], indexes: [] },
      durable: this.durableIndex,
    };
    try {
      this.prefetch(entry.commands);
      frame.ctx = this.entryCtx(txn, entry, index);
    } catch (e) {
      this.rollbackEntry(frame);
      throw e;
    }
    this.entryUsec.length = entry.commands.length;
    this.entryUsec.fill(0);
    if (this.transactionUsec.size > 0) this.transactionUsec.clear();
    return this.runEntry(frame);
  }

  /** The entry whose script is suspended (apply returned APPLY_SUSPENDED), if any. */
  private suspended: ApplyFrame | null = null;

  /** Whether an entry waits in a suspended script: nothing else may apply or read meanwhile. */
  get applySuspended(): boolean {
    return this.suspended !== null;
  }

  /** Continues the suspended entry: its replies, or APPLY_SUSPENDED again. */
  resumeApply(): Reply[] | typeof APPLY_SUSPENDED {
    const f = this.suspended;
    assert(f !== null, 'resumeApply without a suspended entry');
    this.suspended = null;
    let r: Reply;
    try {
      r = resumeScript();
    } catch (e) {
      this.rollbackEntry(f);
      throw e;
    }
    if (r === SCRIPT_SUSPENDED) {
      this.suspended = f;
      return APPLY_SUSPENDED;
    }
    if (f.tx !== null) f.tx.replies[f.tx.at++] = r;
    else f.replies[f.at++] = r;
    return this.runEntry(f);
  }

  /** Kill decisions committed behind a suspended entry (the Raft driver shows them). */
  readonly decisions = new CommittedDecisions();

  /** An entry committed behind the suspended one (Raft group): its kill decisions are kept. */
  noteCommitted(_index: number, data: Buffer): void {
    this.decisions.note(data);
  }

  /** No entry may apply and no read may run: a script (of an entry or an *_RO read) waits
   * between time slices, and must see one state. */
  get quiesced(): boolean {
    return this.suspended !== null || busyScript() !== null;
  }

  /** The suspended script waits for a kill decision to be committed: nothing to run until then. */
  get waitingForCommit(): boolean {
    return scriptHolding();
  }

  /** Drops the suspended entry unapplied (shutdown; its script never runs again). */
  abandonApply(): void {
    const f = this.suspended;
    if (f === null) return;
    this.suspended = null;
    abandonScript();
    this.rollbackEntry(f);
  }

  private entryCtx(txn: Txn, entry: Entry, index: number): Ctx {
    const ctx = new Ctx(txn, new SeededRandom(entry.seed), this.counts, this.stats, this.limits);
    ctx.dbs = this.dbs;
    ctx.writing = true;
    ctx.access = this.access;
    ctx.functions = this.functions;
    ctx.scriptObserver = this.scriptObserver;
    ctx.slotRanges = this.slotRanges;
    ctx.nowMs = entry.timeMs;
    ctx.beginEntry(index);
    // Always collected (one array push per changed key): a client parked by this very entry's
    // replies must still hear about its later changes (blocking), even if nobody listened before.
    ctx.touched = [];
    ctx.ready = [];
    ctx.flushed = false;
    ctx.touchedBy = this.onTracking !== null ? [] : null;
    ctx.scriptReads = this.onTracking !== null ? [] : null;
    if (this.notifyClasses !== '') {
      ctx.events = [];
      ctx.notifyClasses = this.notifyClasses;
    }
    return ctx;
  }

  /** Runs the frame's remaining commands, writes and publishes the entry (or suspends it). */
  private runEntry(f: ApplyFrame): Reply[] | typeof APPLY_SUSPENDED {
    try {
      if (!this.runCommands(f)) {
        this.suspended = f;
        return APPLY_SUSPENDED;
      }
      this.writeEntry(f);
      // Decisions seen while it waited belong to its scripts (or to ones already decided).
      this.decisions.clear();
    } catch (e) {
      if (this.suspended === f) this.suspended = null;
      this.rollbackEntry(f);
      throw e;
    }
    return this.publishEntry(f);
  }

  /** Executes commands from `f.at`; false when one's script suspended (f.at stays on it). */
  private runCommands(f: ApplyFrame): boolean {
    const ctx = f.ctx!;
    const commands = f.entry.commands;
    if (f.tx !== null) {
      if (!this.runTransaction(f)) return false;
      f.at++;
    }
    for (; f.at < commands.length; f.at++) {
      const c = commands[f.at]!;
      ctx.db = this.dbs.physical(c.db);
      ctx.commandIndex = f.at;
      if (c.argv[0]!.equals(INTERNAL_EXEC)) {
        f.tx = { commands: decodeCommands(c.argv[1]!).commands, replies: [], at: 0 };
        if (this.commandTimes !== null) this.transactionUsec.set(f.at, []);
        if (!this.runTransaction(f)) return false;
        continue;
      }
      const r = this.execWrite(ctx, c.argv);
      if (r === SCRIPT_SUSPENDED) return false;
      f.replies[f.at] = r;
    }
    return true;
  }

  /** MULTI/EXEC: the queued commands run back to back inside this entry; errors stay inline. */
  private runTransaction(f: ApplyFrame): boolean {
    const tx = f.tx!;
    const ctx = f.ctx!;
    ctx.inTransaction = true;
    try {
      for (; tx.at < tx.commands.length; tx.at++) {
        const c = tx.commands[tx.at]!;
        assert(!c.argv[0]!.equals(INTERNAL_EXEC), 'nested transaction');
        ctx.db = this.dbs.physical(c.db);
        const r = this.execWrite(ctx, c.argv);
        if (r === SCRIPT_SUSPENDED) return false;
        tx.replies[tx.at] = r;
      }
    } finally {
      ctx.inTransaction = false;
    }
    f.replies[f.at] = tx.replies;
    f.tx = null;
    return true;
  }

  /** Writes the applied entry's batch, with the applied (and durable) index. */
  private writeEntry(f: ApplyFrame): void {
    const { index, entry, txn, taken } = f;
    const defer = f.replaced > 0;
    this.appliedIndex = index;
    this.lastStampMs = Math.max(f.lastStampMs, entry.timeMs);
    if (!defer) f.durable = index;
    else if (txn.wroteOther) {
      // Not a pure replacement after all: write every dirty record now, this entry's too.
      this.cache.takeDirty(
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        taken.keys,
        taken.values,
        taken.indexes,
      );
      f.durable = index;
    } else {
      const pressed =
        this.cache.dirty > DEFERRED_DIRTY_RECORDS_MAX || this.cache.usedBytes > this.cache.maxBytes;
      const maxStamp = pressed ? Number.POSITIVE_INFINITY : entry.timeMs - DEFERRED_COLD_MS;
      const max = 2 * f.replaced + DEFERRED_FLUSH_EXTRA;
      this.cache.takeDirty(maxStamp, max, taken.keys, taken.values, taken.indexes);
      f.durable = Math.max(this.durableIndex, Math.min(this.cache.oldestLeftIndex(), index) - 1);
    }
    for (let i = 0; i < taken.keys.length; i++) addMeta(txn.batch, taken.keys[i]!, taken.values[i]!);
    if (f.durable !== this.durableIndex || !defer) {
      txn.batch.put('raft_state', this.appliedKey, this.appliedRecord(f.durable));
    }
    f.options.addToBatch?.(txn.batch);
    this.storage.write(txn.batch, { sync: f.options.sync === true });
  }

  /** The entry is not applied: the meta cache must not keep its writes, nor the db map its swaps. */
  private rollbackEntry(f: ApplyFrame): void {
    f.txn.rollback();
    this.entryLoans = null;
    if (f.ctx !== null) {
      undoSwaps(this.dbs, f.ctx);
      f.ctx.functions.releaseNotIn(this.functions);
    }
    this.appliedIndex = f.index - 1;
    this.lastStampMs = f.lastStampMs;
  }

  /** After the batch is written: what the entry changed becomes visible; its replies. */
  private publishEntry(f: ApplyFrame): Reply[] {
    const ctx = f.ctx!;
    this.durableIndex = f.durable;
    if (ctx.functions !== this.functions) {
      this.functions.releaseNotIn(ctx.functions);
      this.functions = ctx.functions;
    }
    this.cache.confirmTaken(f.taken.keys, f.taken.indexes);
    f.txn.publish();
    if (this.entryLoans !== null) {
      this.setLoans(this.entryLoans);
      this.entryLoans = null;
    }
    this.stats.keyChanges += ctx.touched?.length ?? 0;
    if (ctx.touched !== null && ctx.touched.length > 0) {
      this.onApplied?.(ctx.touched);
      this.touchedPending = ctx.touched;
    }
    if (ctx.ready !== null && ctx.ready.length > 0) {
      this.touchedPending = this.touchedPending === null ? ctx.ready : [...this.touchedPending, ...ctx.ready];
    }
    if (ctx.events !== null && ctx.events.length > 0) this.eventsPending = ctx.events;
    if (this.onTracking !== null && ctx.touchedBy !== null)
      this.trackingPending = trackingReport(ctx, f.entry);
    if (ctx.swaps !== null && this.onDbsSwapped !== null)
      for (let i = 0; i < ctx.swaps.length; i += 2) this.onDbsSwapped(ctx.swaps[i]!, ctx.swaps[i + 1]!);
    this.publishTagged(f);
    return f.replies;
  }

  private publishTagged(f: ApplyFrame): void {
    const onTagged = f.options.onTagged;
    if (onTagged === undefined) return;
    for (let i = 0; i < f.entry.commands.length; i++) {
      const tag = f.entry.commands[i]!.tag;
      if (tag !== undefined) onTagged(tag, f.replies[i]!);
    }
  }

  /**
   * Advances the applied index over an entry that carries no commands (a Raft leader's no-op,
   * a membership change), in one batch with whatever `options.addToBatch` adds (e.g. the new
   * membership, which must move together with the applied index).
   */
  applyNoop(index: number, options: ApplyOptions = NO_OPTIONS): void {
    if (index <= this.appliedIndex) return;
    assert(index === this.appliedIndex + 1, `apply gap: applied ${this.appliedIndex}, got ${index}`);
    if (this.cache.dirty > 0) this.flushDeferred();
    const batch = this.storage.batch();
    this.appliedIndex = index;
    batch.put('raft_state', this.appliedKey, this.appliedRecord());
    options.addToBatch?.(batch);
    this.storage.write(batch, { sync: options.sync === true });
    this.durableIndex = index;
  }

  /**
   * Writes up to DEFERRED_IDLE_CHUNK deferred records when no entry was applied for
   * DEFERRED_COLD_MS (by stamps against `nowMs`): they would otherwise wait for the next entry.
   * The server calls it a few times a second, so a backlog drains in small steps.
   */
  flushIfIdle(nowMs: number): void {
    if (this.suspended !== null) return;
    if (this.cache.dirty > 0 && nowMs - this.lastStampMs >= DEFERRED_COLD_MS) {
      this.writeDirty(DEFERRED_IDLE_CHUNK);
    }
  }

  /**
   * Whether an entry of `commands[0..n)` must wait for the deferred backlog: it is not made of
   * plain replacements, so it would first write every dirty record, and there are more than
   * DEFERRED_DRAIN_CHUNK. If so, writes the oldest DEFERRED_DRAIN_CHUNK of them now (the write
   * path calls again on its next turn) and returns true.
   */
  drainBefore(commands: readonly EntryCommand[], n: number): boolean {
    if (this.suspended !== null) return false;
    if (this.cache.dirty <= DEFERRED_DRAIN_CHUNK) return false;
    if (plainReplacements(commands, n) > 0) return false;
    this.writeDirty(DEFERRED_DRAIN_CHUNK);
    return true;
  }

  /**
   * Writes every deferred record, with the applied index: RocksDB then holds the applied state
   * exactly. Before anything reads the meta family in RocksDB directly, before an entry that is
   * not plain replacements, and at shutdown. Its cost grows with the dirty records (up to
   * DEFERRED_DIRTY_RECORDS_MAX).
   */
  flushDeferred(): void {
    if (this.cache.dirty === 0 && this.durableIndex === this.appliedIndex) return;
    this.writeDirty(Number.POSITIVE_INFINITY);
  }

  /** Writes the `max` oldest dirty records between entries, and the durable index they allow. */
  private writeDirty(max: number): void {
    const keys: Buffer[] = [];
    const values: (Buffer | null)[] = [];
    const indexes: number[] = [];
    this.cache.takeDirty(Number.POSITIVE_INFINITY, max, keys, values, indexes);
    const durable = Math.min(this.cache.oldestLeftIndex() - 1, this.appliedIndex);
    const batch = this.storage.batch();
    for (let i = 0; i < keys.length; i++) addMeta(batch, keys[i]!, values[i]!);
    batch.put('raft_state', this.appliedKey, this.appliedRecord(durable));
    this.storage.write(batch, { sync: false });
    this.cache.confirmTaken(keys, indexes);
    this.durableIndex = durable;
  }

  /**
   * Sets the applied index without applying anything: only when the state is known to be
   * exactly that of `index` (a freshly bootstrapped empty group at the bootstrap snapshot).
   */
  markApplied(index: number, batch: WriteBatch): void {
    assert(this.cache.dirty === 0, 'markApplied with deferred writes');
    this.appliedIndex = index;
    this.durableIndex = index;
    batch.put('raft_state', this.appliedKey, this.appliedRecord());
  }

  /** The record of applied index `index` (default: the applied index) and the last stamp. */
  private appliedRecord(index = this.appliedIndex): Buffer {
    // The db map follows only once a SWAPDB took effect, the loans once a slot was lent:
    // until then records stay as they were.
    const loans = this.entryLoans ?? this.loans;
    const loansBytes = loans.size === 0 ? null : encodeLoans(loans);
    const withMap = !this.dbs.identity || loansBytes !== null;
    const size = APPLIED_RECORD_BYTES + (withMap ? DB_MAP_BYTES : 0) + (loansBytes?.length ?? 0);
    const applied = Buffer.allocUnsafe(size);
    applied.writeBigUInt64BE(BigInt(index), 0);
    applied.writeDoubleBE(this.lastStampMs, 8);
    if (withMap) this.dbs.encode().copy(applied, APPLIED_RECORD_BYTES);
    loansBytes?.copy(applied, APPLIED_RECORD_BYTES + DB_MAP_BYTES);
    return applied;
  }

  /** Loads the meta records of the keys `commands` name into the cache, one native call. */
  prefetch(commands: readonly { db: number; argv: Buffer[] }[], from = 0): void {
    if (this.cache.maxBytes === 0 || this.cache.isComplete || commands.length - from < 2) return;
    const mks: Buffer[] = [];
    for (let i = from; i < commands.length; i++) {
      const c = commands[i]!;
      const spec = resolveCommand(c.argv);
      if (spec instanceof ErrorReply || !spec.hasKeys) continue;
      const db = this.dbs.physical(c.db);
      for (const key of commandKeys(spec, c.argv)) mks.push(metaKey(db, key));
    }
    if (mks.length > 0) this.cache.prefetch(this.storage, mks);
  }

  private execWrite(ctx: Ctx, argv: Buffer[]): Reply {
    if (argv[0]!.equals(INTERNAL_SLOTS_LEND) || argv[0]!.equals(INTERNAL_SLOTS_RETURN))
      return this.execLoan(ctx, argv);
    const internal =
      internalCommand(argv[0]!) ?? internalSweepHandler(argv[0]!) ?? internalStreamHandler(argv[0]!);
    if (internal !== undefined) return guard(ctx, internal, argv);
    const spec = resolveCommand(argv);
    if (spec instanceof ErrorReply) return spec;
    // Read commands may be logged too (inside MULTI/EXEC); server commands never are.
    assert(spec.exec !== 'server' && spec.handler !== null, `not a data command: ${spec.name}`);
    if (!coversAllSlots(ctx.slotRanges)) {
      const refused = slotRefusal(spec, argv, ctx.slotRanges);
      if (refused !== null) return refused;
    }
    const times = this.commandTimes;
    if (times === null) return guard(ctx, spec.handler, argv);
    const t0 = performance.now();
    const reply = guard(ctx, spec.handler, argv);
    let time = times.get(spec.name);
    if (time === undefined) {
      time = { usec: 0, failed: 0 };
      times.set(spec.name, time);
    }
    const usec = (performance.now() - t0) * 1000;
    time.usec += usec;
    if (reply instanceof ErrorReply) time.failed++;
    if (ctx.inTransaction) this.transactionUsec.get(ctx.commandIndex)?.push(usec);
    else this.entryUsec[ctx.commandIndex] = usec;
    this.onCommandTime?.(spec, usec);
    return reply;
  }

  /** Set by the server while clients WATCH keys or block: receives the meta keys each entry
   * changed, when the server calls `reportTouched` (after it has delivered the entry's replies,
   * so a client parked by this entry's replies still hears about this entry's changes). */
  onTouched: ((metaKeys: Buffer[]) => void) | null = null;
  /** Set by the server while clients WATCH keys: receives the meta keys an entry changed as soon
   * as it is applied, BEFORE its replies are delivered. A WATCH that those replies let run comes
   * after the entry (must not see it as a change), an EXEC they let run must see it. */
  onApplied: ((metaKeys: Buffer[]) => void) | null = null;
  private touchedPending: Buffer[] | null = null;

  /** Enabled notification classes (the server derives them from notify-keyspace-events). */
  notifyClasses = '';
  /** Receives the entry's keyspace events (flat [class, event, db, key]) on reportTouched. */
  onEvents: ((events: (string | number | Buffer)[]) => void) | null = null;
  private eventsPending: (string | number | Buffer)[] | null = null;

  /**
   * Set by the server while clients use CLIENT TRACKING: receives what each applied entry
   * changed (TrackingReport) when the driver calls `reportTouched`, i.e. from applied writes
   * only, so a follower's tracking clients hear about writes made through the leader.
   */
  onTracking: ((report: TrackingReport) => void) | null = null;
  /** Sees scripts' commands: MONITOR lines, PUBLISH deliveries (scripting/script-observer.ts). */
  scriptObserver: ScriptObserver | null = null;
  private trackingPending: TrackingReport | null = null;

  /** Whether the last `read` was a script that ran a read-only command (CLIENT TRACKING
   * remembers such a script's declared keys, as Redis does). */
  lastReadScriptRead(): boolean {
    const reads = this.readCtx.scriptReads;
    return reads !== null && reads.length > 0;
  }

  reportTouched(): void {
    const t = this.takeTouches();
    if (t !== null) this.reportTouches(t);
  }

  /**
   * What the last applied entry changed, taken out for a later `reportTouches` (the standalone
   * write path holds it until the entry's replies go out, after its fsync); null if nothing.
   */
  takeTouches(): EntryTouches | null {
    const t: EntryTouches = {
      tracking: this.trackingPending,
      events: this.eventsPending,
      touched: this.touchedPending,
    };
    this.trackingPending = null;
    this.eventsPending = null;
    this.touchedPending = null;
    return t.tracking === null && t.events === null && t.touched === null ? null : t;
  }

  /** Tells the listeners what an entry changed (see `reportTouched`). */
  reportTouches(t: EntryTouches): void {
    if (t.tracking !== null) this.onTracking?.(t.tracking);
    if (t.events !== null) this.onEvents?.(t.events);
    if (t.touched !== null) this.onTouched?.(t.touched);
  }

  /**
   * The writes the last read asks for, to propose in its connection's order; null if none.
   * Expired keys it found, as internal expire commands (lazy expiry: the read treated them as
   * absent; deleting them goes through the log), then its follow-up writes (Ctx.followUps).
   */
  takeExpiredSeen(): Buffer[][] | null {
    const seen = this.readCtx.expiredSeen;
    const followUps = this.readCtx.followUps;
    if (seen === null && followUps === null) return null;
    this.readCtx.expiredSeen = null;
    this.readCtx.followUps = null;
    const out = seen === null ? [] : seen.map((ek) => [INTERNAL_EXPIRE, ek]);
    if (followUps !== null) out.push(...followUps);
    return out;
  }

  /**
   * GET's fast path, for the common case of a cached record: the meta cache's arena page
   * holding the value of the live string `key`, from `cachedStart` to `cachedEnd` (valid until
   * the next write), or null when the key is known absent. Undefined when the generic path must
   * answer: not cached, expired (the lazy expiry), or not a string (WRONGTYPE). Counts keyspace
   * hits and misses like `read` does.
   */
  cachedString(db: number, key: Buffer, nowMs: number): Buffer | null | undefined {
    if (!this.allSlots) return undefined;
    const slot = this.cache.peekRecord(this.dbs.physical(db), key);
    if (slot === -2) return undefined;
    if (slot === -1) {
      this.stats.keyspaceMisses++;
      return null;
    }
    const page = this.cache.recordPage(slot);
    const meta = this.cache.recordStart(slot) + 1 + key.length;
    if (metaTypeAt(page, meta) !== KeyType.String) return undefined;
    const exp = metaExpireAtAt(page, meta);
    if (exp !== 0 && exp <= nowMs) return undefined;
    this.stats.keyspaceHits++;
    this.access.touch(db, key, nowMs, this.readCtx.random);
    this.cachedStart = meta + META_HEADER_BYTES;
    this.cachedEnd = this.cache.recordEnd(slot);
    return page;
  }

  /** Where `cachedString`'s value lies in the page it returned. */
  cachedStart = 0;
  cachedEnd = 0;

  /** Executes a read command (spec.exec === 'read') against applied state at `nowMs`. */
  read(spec: CommandSpec, db: number, argv: Buffer[], nowMs: number): Reply {
    assert(spec.handler !== null, `no handler for ${spec.name}`);
    assert(this.suspended === null && busyScript() === null, `read ${spec.name} while a script runs`);
    const ctx = this.readCtx;
    if (!this.allSlots) {
      const refused = slotRefusal(spec, argv, this.slotRanges);
      if (refused !== null) return refused;
    }
    ctx.scriptReads = this.onTracking !== null ? [] : null;
    ctx.db = this.dbs.physical(db);
    ctx.nowMs = nowMs;
    ctx.functions = this.functions;
    ctx.scriptObserver = this.scriptObserver;
    return guard(ctx, spec.handler, argv);
  }

  /** Executes a read handler no command name reaches (a parked XREAD's retry) at `nowMs`. */
  readWith(run: Handler, db: number, argv: Buffer[], nowMs: number): Reply {
    const ctx = this.readCtx;
    ctx.db = db;
    ctx.nowMs = nowMs;
    return guard(ctx, run, argv);
  }

  /** Continues the *_RO script `read` left suspended: its reply, or SCRIPT_SUSPENDED again. */
  resumeRead(): Reply {
    return resumeScript();
  }

  /**
   * Up to `max` keys whose deadline has passed at `nowMs`, as internal expire commands for the
   * write path (the active expiry cycle). Visits slots with volatile keys round-robin.
   */
  expiredCommands(nowMs: number, max: number): Buffer[][] {
    const out: Buffer[][] = [];
    if (this.counts.volatileTotal === 0) return out;
    const slots = this.counts.volatileBySlot;
    for (let visited = 0; visited < SLOT_COUNT && out.length < max; visited++) {
      const slot = this.expireCursor;
      this.expireCursor = (this.expireCursor + 1) % SLOT_COUNT;
      if (slots[slot] === 0) continue;
      this.collectExpired(slot, nowMs, max, out);
    }
    return out;
  }

  private expireCursor = 0;

  private collectExpired(slot: number, nowMs: number, max: number, out: Buffer[][]): void {
    const lo = Buffer.from([slot >>> 8, slot & 0xff]);
    const hi = Buffer.from([slot >>> 8, slot & 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const it = this.storage.iterator('expire', { gte: lo, lt: hi, limit: max - out.length });
    try {
      const rows = it.nextBatch(max - out.length);
      for (let i = 0; i < rows.length; i += 2) {
        const ek = rows[i]!;
        if (Number(ek.readBigUInt64BE(2)) > nowMs) break;
        out.push([INTERNAL_EXPIRE, ek]);
      }
    } finally {
      it.close();
    }
  }

  /** The applied meta record at `mk` (expired or not), through the cache. */
  peekMeta(mk: Buffer): Buffer | undefined {
    return this.cache.read(this.storage, mk);
  }

  /** The meta record of `key` in logical database `db`. */
  peekKey(db: number, key: Buffer): Buffer | undefined {
    return this.peekMeta(metaKey(this.dbs.physical(db), key));
  }

  private sweeper: StaleElementSweeper | null = null;

  /**
   * Up to `max` element keys of deleted or overwritten collections, as internal sweep commands
   * for the write path (background reclamation, see sweeper.ts). Each call does bounded work
   * and resumes where the previous one stopped; nothing is proposed while a full pass has
   * found nothing and no entry was applied since.
   */
  staleElementCommands(max = SWEEP_KEYS_PER_CYCLE): Buffer[][] {
    this.sweeper ??= new StaleElementSweeper(
      this.storage,
      (mk) => this.cache.read(this.storage, mk),
      () => this.slotRanges,
    );
    return this.sweeper.commands(max, this.appliedIndex);
  }

  /** Keys in logical database `db`. */
  dbSize(db: number): number {
    return this.counts.keys[this.dbs.physical(db)]!;
  }

  /** Keys with a deadline in logical database `db`. */
  dbExpires(db: number): number {
    return this.counts.expires[this.dbs.physical(db)]!;
  }
}

/** Runs a handler, turning operating errors into error replies; programmer errors propagate. */
function guard(ctx: Ctx, handler: (ctx: Ctx, argv: Buffer[]) => Reply, argv: Buffer[]): Reply {
  try {
    return handler(ctx, argv);
  } catch (e) {
    if (e instanceof SeshatError) return new ErrorReply(`${e.code} ${e.message}`);
    if (e instanceof AssertionError) throw e;
    throw e;
  }
}

function addMeta(batch: WriteBatch, mk: Buffer, value: Buffer | null): void {
  if (value === null) batch.del('meta', mk);
  else batch.put('meta', mk, value);
}

/**
 * The number of keys the entry replaces when every command is a plain replacement: `SET key
 * value` with no options, or `MSET key value [key value ...]` (any letter case); 0 otherwise.
 * Such a command sets its keys whatever they held, so replaying it over a newer state ends at
 * the same state (see `deferPlainWrites`).
 */
function plainReplacements(commands: readonly { argv: Buffer[] }[], n = commands.length): number {
  let keys = 0;
  for (let i = 0; i < n; i++) {
    const argv = commands[i]!.argv;
    const name = argv[0]!;
    if (argv.length === 3 && name.length === 3 && nameIs(name, 'set')) keys++;
    else if (argv.length >= 3 && (argv.length & 1) === 1 && name.length === 4 && nameIs(name, 'mset')) {
      keys += (argv.length - 1) >>> 1;
    } else return 0;
  }
  return keys;
}

/** Whether `name` is the lower-case ASCII `lower` in any letter case (same length assumed). */
function nameIs(name: Buffer, lower: string): boolean {
  for (let j = 0; j < lower.length; j++) if ((name[j]! | 0x20) !== lower.charCodeAt(j)) return false;
  return true;
}

function groupPrefix(groupId: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(groupId, 0);
  return b;
}

/**
 * What one applied entry changed, for CLIENT TRACKING: the (logical) meta keys it changed in
 * order, the entry command that changed each, whether a flush ran, and the commands whose
 * script ran a read-only command. `commands` are the entry's own (their argv and tag tell the
 * server which client sent each).
 */
export interface TrackingReport {
  keys: Buffer[];
  by: number[];
  flushed: boolean;
  scriptReads: number[];
  commands: readonly EntryCommand[];
}

function trackingReport(ctx: Ctx, entry: Entry): TrackingReport {
  assert(ctx.touchedBy!.length === ctx.touched!.length, 'tracking attribution out of step');
  return {
    keys: ctx.touched!,
    by: ctx.touchedBy!,
    flushed: ctx.flushed,
    scriptReads: ctx.scriptReads ?? [],
    commands: entry.commands,
  };
}
