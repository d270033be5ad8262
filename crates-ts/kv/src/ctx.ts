/**
 * Execution context of one command: which database, what time it is (the entry's stamp for
 * writes, the leader's wall clock for reads), the store to use, and the keyspace bookkeeping
 * (key counts, expiry index) that must change together with every meta record.
 */
import {
  ALL_SLOTS,
  DATABASE_COUNT,
  type Random,
  SLOT_COUNT,
  SeshatError,
  type SlotRange,
  ERR_WRONGTYPE,
} from '@seshat/common';
import type { AccessClock } from './access-clock.js';
import type { EncodingLimits } from './encoding-limits.js';
import { DbMap } from './db-map.js';
import { expireKey, metaKeyDb, metaKeySlot, metaKeyUserKey } from './keys.js';
import { type KeyType, metaExpireAt, metaType } from './meta.js';
import type { KvStore } from './txn.js';
import { FunctionRegistry } from './scripting/function-registry.js';
import type { ScriptObserver } from './scripting/script-observer.js';

export interface KvStats {
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  /** Keys changed by applied entries (one per key a write changed; INFO's
   * rdb_changes_since_last_save counts from it). */
  keyChanges: number;
}

/** Limits the state machine applies deterministically (same configuration on every replica). */
export interface KvLimits extends EncodingLimits {
  /** proto-max-bulk-len: largest string APPEND/SETRANGE may build. */
  stringMaxBytes: number;
  /** hll-sparse-max-bytes: a sparse HyperLogLog growing past this becomes dense. */
  hllSparseMaxBytes: number;
  /** stream-node-max-entries: entries per stream node (0: no limit); where `~` trims. */
  streamNodeMaxEntries: number;
  /** stream-node-max-bytes: listpack bytes per stream node (0: no limit). */
  streamNodeMaxBytes: number;
}

/** In-memory counters derived from the meta and expire column families (rebuilt on open). */
export class KeyCounts {
  readonly keys = new Array<number>(DATABASE_COUNT).fill(0);
  readonly expires = new Array<number>(DATABASE_COUNT).fill(0);
  /** Volatile keys per hash slot, so the expiry cycle only visits slots that have some. */
  readonly volatileBySlot = new Int32Array(SLOT_COUNT);
  volatileTotal = 0;

  addVolatile(mk: Buffer, delta: number): void {
    this.expires[metaKeyDb(mk)]! += delta;
    this.volatileBySlot[metaKeySlot(mk)]! += delta;
    this.volatileTotal += delta;
  }

  reset(): void {
    this.keys.fill(0);
    this.expires.fill(0);
    this.volatileBySlot.fill(0);
    this.volatileTotal = 0;
  }
}

export class Ctx {
  db = 0;
  nowMs = 0;
  writing = false;
  /** Read mode: expire-index keys of expired keys this command saw (their deletion is
   * proposed through the log by the server, like Redis's lazy expiry). */
  expiredSeen: Buffer[] | null = null;
  /** Read mode: writes this command asks for after its reply (a PFCOUNT refreshing the cached
   * cardinality, as Redis's does in place), proposed through the log like `expiredSeen`. */
  followUps: Buffer[][] | null = null;
  /**
   * Keyspace notifications produced by this entry, when enabled (`notifyClasses` non-empty):
   * flat [class char, event, db, key]. The server publishes them after the entry's replies.
   */
  events: (string | number | Buffer)[] | null = null;
  notifyClasses = '';

  /** Records a keyspace event of class `cls` (Redis's notify-keyspace-events letters: g $ l
   * s h z x e ...) if that class is enabled. */
  notify(cls: string, event: string, key: Buffer, db = this.db): void {
    if (this.events === null || !this.notifyClasses.includes(cls)) return;
    // Events name the database clients SELECT (db is physical here: see db-map.ts).
    this.events.push(cls, event, this.dbs.logical(db), Buffer.from(key));
  }

  /** The slots the state machine serves now (slot-scope.ts): scans and flushes stay inside. */
  slotRanges: readonly SlotRange[] = ALL_SLOTS;

  /** Logical -> physical databases (SWAPDB); the state machine shares its own. */
  dbs = new DbMap();
  /** SWAPDBs applied by the current entry, in order (undone if the entry fails). */
  swaps: number[] | null = null;

  /** Records that meta key `mk` changed (WATCH, blocked clients), with its logical database. */
  touch(mk: Buffer): void {
    if (this.touched !== null) {
      this.touched.push(this.dbs.logicalKey(mk));
      this.touchedBy?.push(this.commandIndex);
    }
  }

  /**
   * Client tracking (the server's CLIENT TRACKING), collected only while some client tracks:
   * the entry command that changed each key of `touched` (parallel to it), whether a flush ran
   * (Redis invalidates everything then, not key by key), and the entry commands whose script
   * ran a read-only command (Redis then remembers the script's declared keys for its caller).
   */
  touchedBy: number[] | null = null;
  flushed = false;
  scriptReads: number[] | null = null;

  /** A script's redis.call ran a read-only command (see `scriptReads`). */
  noteScriptRead(): void {
    const reads = this.scriptReads;
    if (reads !== null && reads[reads.length - 1] !== this.commandIndex) reads.push(this.commandIndex);
  }

  /** True while applying the commands of a MULTI/EXEC: blocking commands must not block. */
  inTransaction = false;
  /** True while a script's redis.call runs a command (Redis: CLIENT_SCRIPT). */
  inScript = false;
  /** MONITOR lines and PUBLISH deliveries of scripts' commands (scripting/script-observer.ts). */
  scriptObserver: ScriptObserver | null = null;
  /** When non-null, every meta key written or deleted is appended (WATCH support). */
  touched: Buffer[] | null = null;
  /** This node's access times and frequencies (OBJECT IDLETIME / FREQ), when kept. */
  access: AccessClock | null = null;
  /** Meta keys whose blocked clients must be retried though WATCH sees no change (Redis's
   * signalKeyAsReady without signalModifiedKey: XGROUP DESTROY wakes XREADGROUP). */
  ready: Buffer[] | null = null;

  signalReady(mk: Buffer): void {
    this.ready?.push(mk);
  }
  /** Function libraries as this command sees them (FUNCTION LOAD/DELETE/FLUSH/RESTORE replace
   * it; the state machine adopts it when the entry's batch is written). */
  functions: FunctionRegistry = FunctionRegistry.EMPTY;

  /** Log index of the entry being applied and the command's position in it (key versions). */
  entryIndex = 0;
  commandIndex = 0;
  /** Scripts the entry ran so far (names a script in kill decisions, script-runner.ts). */
  scriptSeq = 0;

  constructor(
    public store: KvStore,
    public random: Random,
    readonly counts: KeyCounts,
    readonly stats: KvStats,
    readonly limits: KvLimits,
  ) {}

  /** Versions handed out while applying the current entry. */
  private versionsIssued = 0;

  /** Called when an entry starts applying. */
  beginEntry(index: number): void {
    this.entryIndex = index;
    this.versionsIssued = 0;
    this.scriptSeq = 0;
  }

  /**
   * A collection version never used before: the entry index in the high bits and a counter
   * within the entry below, so even a MULTI that deletes and re-creates a key gets a new one.
   */
  newVersion(): bigint {
    return (BigInt(this.entryIndex) << 20n) | BigInt(this.versionsIssued++);
  }

  /**
   * The raw meta record of a live key, or undefined. An expired key is absent; when writing,
   * it is also deleted in the same batch (deterministically: `nowMs` is the entry's stamp).
   */
  lookup(mk: Buffer): Buffer | undefined {
    return this.live(mk, this.store.get('meta', mk));
  }

  /**
   * Like lookup, but only the record's header (type, flags, deadline, version: what `putMeta`
   * and `deleteKey` need of the old record): for commands that replace or delete a key
   * whatever its value, so the value is not copied.
   */
  lookupHead(mk: Buffer): Buffer | undefined {
    return this.live(mk, this.store.getMetaHead(mk));
  }

  /** `raw` unless it has expired (then deleted when writing, as lookup describes). */
  private live(mk: Buffer, raw: Buffer | undefined): Buffer | undefined {
    if (raw === undefined) return undefined;
    const exp = metaExpireAt(raw);
    if (exp !== 0 && exp <= this.nowMs) {
      if (this.writing) {
        this.deleteKey(mk, raw);
        this.stats.expiredKeys++;
        this.notify('x', 'expired', metaKeyUserKey(mk), metaKeyDb(mk));
      } else {
        (this.expiredSeen ??= []).push(expireKey(exp, mk));
      }
      return undefined;
    }
    return raw;
  }

  /**
   * Like lookup, for read commands: counts keyspace hits and misses and, in a read, records the
   * access (unless `touch` is false: Redis's LOOKUP_NOTOUCH, as EXISTS reads). A write records
   * its access once, when it stores the key (putMeta).
   */
  lookupRead(mk: Buffer, touch = true): Buffer | undefined {
    const raw = this.lookup(mk);
    if (raw === undefined) this.stats.keyspaceMisses++;
    else {
      this.stats.keyspaceHits++;
      if (touch && !this.writing && this.access !== null) this.access.touchMeta(mk, this.nowMs, this.random);
    }
    return raw;
  }

  /** Looks up a key that must be of `type` if present; WRONGTYPE otherwise. */
  lookupTyped(mk: Buffer, type: KeyType, read = true): Buffer | undefined {
    const raw = read ? this.lookupRead(mk) : this.lookup(mk);
    if (raw !== undefined && metaType(raw) !== type) throw new SeshatError('WRONGTYPE', ERR_WRONGTYPE);
    return raw;
  }

  /** Writes a meta record, keeping key counts and the expiry index in step with `old`. */
  putMeta(mk: Buffer, raw: Buffer, old: Buffer | undefined): void {
    this.store.put('meta', mk, raw);
    this.touch(mk);
    if (this.access !== null) {
      if (old === undefined) this.access.createdMeta(mk, this.nowMs);
      else this.access.touchMeta(mk, this.nowMs, this.random);
    }
    if (old === undefined) {
      this.counts.keys[metaKeyDb(mk)]!++;
      // Redis's dbAdd: every key creation emits `new` (class n), before the command's event.
      if (this.events !== null) this.notify('n', 'new', metaKeyUserKey(mk), metaKeyDb(mk));
    }
    const oldExp = old === undefined ? 0 : metaExpireAt(old);
    const newExp = metaExpireAt(raw);
    if (oldExp === newExp) return;
    if (oldExp !== 0) {
      this.store.del('expire', expireKey(oldExp, mk));
      this.counts.addVolatile(mk, -1);
    }
    if (newExp !== 0) {
      this.store.put('expire', expireKey(newExp, mk), EMPTY);
      this.counts.addVolatile(mk, 1);
    }
  }

  /** Deletes a key (its meta record and expiry index entry). Collection elements are left
   * behind under the old version and reclaimed in the background. */
  deleteKey(mk: Buffer, old: Buffer): void {
    this.store.del('meta', mk);
    this.touch(mk);
    this.counts.keys[metaKeyDb(mk)]!--;
    const oldExp = metaExpireAt(old);
    if (oldExp !== 0) {
      this.store.del('expire', expireKey(oldExp, mk));
      this.counts.addVolatile(mk, -1);
    }
  }
}

const EMPTY = Buffer.alloc(0);
