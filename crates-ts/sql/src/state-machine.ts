/**
 * SqlStateMachine: applies SQL log entries (EntryKind.Sql) to the `sql_*` column families.
 *
 * Why a state machine of its own rather than a handler inside kv's: isolated storage mode
 * puts the SQL families in a second RocksDB with its own WAL, and one write batch cannot span
 * two databases, so the SQL side must record its own applied index beside its own data
 * (here under `group(4) "sql-applied"` in raft_state). A group carrying both kinds gives
 * each entry to the state machine of its kind and the other records it as a no-op; after a
 * crash each one skips the entries at or below its own applied index. The same class serves
 * shared mode unchanged, and kv stays free of SQL.
 *
 * Apply is deterministic: an entry carries finished write sets (write-set.ts); each is
 * checked against the state at apply time (its expectations) and then written, or rejected
 * whole with a serialization failure. All of an entry's accepted writes and the applied index
 * go in one batch.
 */
import { assert, ErrorReply, OK, type Reply } from '@seshat/common';
import { EntryKind, entryKind, type StateMachine, type StateMachineApplyOptions } from '@seshat/cluster';
import type { Storage, WriteBatch } from '@seshat/storage';
import { Catalog } from './catalog.js';
import { decodeSqlEntry, encodeSqlEntry, type SqlCf, type WriteSet } from './write-set.js';

const APPLIED_SUFFIX = Buffer.from('sql-applied');
/** Applied index (8 bytes) and last stamp ms (float64). */
const APPLIED_RECORD_BYTES = 16;
/** The reply of a write set whose expectations failed (the session maps it to SQLSTATE 40001). */
export const CONFLICT_REPLY_TEXT = 'SQLCONFLICT write set expectation failed';
const ITERATE_ROWS = 1024;

export interface SqlStateMachineOptions {
  groupId?: number;
}

/** Reads of one entry's apply: storage plus the writes of the entry's earlier write sets. */
class EntryOverlay {
  private readonly writes = new Map<string, Buffer | null>();
  constructor(private readonly storage: Storage) {}

  private static id(cf: SqlCf, key: Buffer): string {
    return cf + ':' + key.toString('hex');
  }

  get(cf: SqlCf, key: Buffer): Buffer | undefined {
    const w = this.writes.get(EntryOverlay.id(cf, key));
    if (w !== undefined) return w ?? undefined;
    return this.storage.get(cf, key);
  }

  set(cf: SqlCf, key: Buffer, value: Buffer | null): void {
    this.writes.set(EntryOverlay.id(cf, key), value);
  }

  /** Keys in [start, end) that exist now (storage and earlier write sets). */
  keysIn(cf: SqlCf, start: Buffer, end: Buffer): Buffer[] {
    const keys = new Map<string, Buffer>();
    const it = this.storage.iterator(cf, { gte: start, lt: end });
    try {
      for (let rows = it.nextBatch(ITERATE_ROWS); rows.length > 0; rows = it.nextBatch(ITERATE_ROWS)) {
        for (let i = 0; i < rows.length; i += 2) keys.set(rows[i]!.toString('hex'), rows[i]!);
      }
    } finally {
      it.close();
    }
    const prefix = cf + ':';
    for (const [id, v] of this.writes) {
      if (!id.startsWith(prefix)) continue;
      const key = Buffer.from(id.slice(prefix.length), 'hex');
      if (Buffer.compare(key, start) < 0 || Buffer.compare(key, end) >= 0) continue;
      if (v === null) keys.delete(key.toString('hex'));
      else keys.set(key.toString('hex'), key);
    }
    return [...keys.values()];
  }
}

export class SqlStateMachine implements StateMachine<WriteSet> {
  appliedIndex = 0;
  lastStampMs = 0;
  /** The catalog as of the applied index (reloaded after an entry that changed it). */
  catalog: Catalog;
  private readonly appliedKey: Buffer;

  constructor(
    readonly storage: Storage,
    options: SqlStateMachineOptions = {},
  ) {
    const group = Buffer.allocUnsafe(4);
    group.writeUInt32BE(options.groupId ?? 0, 0);
    this.appliedKey = Buffer.concat([group, APPLIED_SUFFIX]);
    this.catalog = Catalog.load(storage);
    this.load();
  }

  private load(): void {
    const raw = this.storage.get('raft_state', this.appliedKey);
    if (raw !== undefined) {
      assert(raw.length === APPLIED_RECORD_BYTES, 'sql applied record has a bad length');
      this.appliedIndex = Number(raw.readBigUInt64BE(0));
      this.lastStampMs = raw.readDoubleBE(8);
    }
    this.catalog = Catalog.load(this.storage);
  }

  encodeEntry(stampMs: number, seed: number, commands: readonly WriteSet[]): Buffer {
    return encodeSqlEntry(EntryKind.Sql, { stampMs, seed, writeSets: [...commands] });
  }

  commandsOf(data: Buffer): readonly WriteSet[] {
    return entryKind(data) === EntryKind.Sql ? decodeSqlEntry(data).writeSets : [];
  }

  apply(index: number, data: Buffer, options?: StateMachineApplyOptions): Reply[] | null {
    if (entryKind(data) !== EntryKind.Sql) {
      this.applyNoop(index, options);
      return null;
    }
    // Replay after a crash between this entry's batch and the other state machine's no-op.
    if (index <= this.appliedIndex) return null;
    // A gap above appliedIndex holds only entries of other kinds (see skipTo).
    const entry = decodeSqlEntry(data);
    const batch = this.storage.batch();
    const overlay = new EntryOverlay(this.storage);
    let catalogChanged = false;
    const replies: Reply[] = [];
    for (const ws of entry.writeSets) {
      const ok = this.applyWriteSet(ws, overlay, batch);
      replies.push(ok ? OK : new ErrorReply(CONFLICT_REPLY_TEXT));
      if (ok && ws.ops.some((op) => op.cf === 'sql_catalog' && op.op !== 'expect')) catalogChanged = true;
    }
    this.finish(index, Math.max(this.lastStampMs, entry.stampMs), batch, options);
    if (catalogChanged) this.catalog = Catalog.load(this.storage);
    return replies;
  }

  /**
   * Entries of other kinds up to `index` need nothing from SQL: the applied index moves in
   * memory only. A log shared with kv (seshat's SqlKvStateMachine) calls this instead of
   * applyNoop for every kv entry, so kv's entries cost SQL no storage write; the stored SQL
   * applied index then names the last SQL entry, and replay skips the SQL entries at or
   * below it and everything of other kinds.
   */
  skipTo(index: number): void {
    if (index > this.appliedIndex) this.appliedIndex = index;
  }

  applyNoop(index: number, options?: StateMachineApplyOptions): void {
    assert(index === this.appliedIndex + 1, `sql apply: index ${index} after ${this.appliedIndex}`);
    this.finish(index, this.lastStampMs, this.storage.batch(), options);
  }

  private finish(
    index: number,
    stampMs: number,
    batch: WriteBatch,
    options?: StateMachineApplyOptions,
  ): void {
    const rec = Buffer.allocUnsafe(APPLIED_RECORD_BYTES);
    rec.writeBigUInt64BE(BigInt(index), 0);
    rec.writeDoubleBE(stampMs, 8);
    batch.put('raft_state', this.appliedKey, rec);
    options?.addToBatch?.(batch);
    this.storage.write(batch, { sync: false });
    this.appliedIndex = index;
    this.lastStampMs = stampMs;
  }

  /** Checks the expectations, then stages the writes; false (nothing staged) on a conflict. */
  private applyWriteSet(ws: WriteSet, overlay: EntryOverlay, batch: WriteBatch): boolean {
    for (const op of ws.ops) {
      if (op.op !== 'expect') continue;
      const cur = overlay.get(op.cf, op.key);
      const same = op.value === null ? cur === undefined : cur?.equals(op.value) === true;
      if (!same) return false;
    }
    for (const op of ws.ops) {
      switch (op.op) {
        case 'put':
          batch.put(op.cf, op.key, op.value);
          overlay.set(op.cf, op.key, op.value);
          break;
        case 'del':
          batch.del(op.cf, op.key);
          overlay.set(op.cf, op.key, null);
          break;
        case 'delRange':
          for (const key of overlay.keysIn(op.cf, op.key, op.end)) {
            batch.del(op.cf, key);
            overlay.set(op.cf, key, null);
          }
          break;
        default:
          break;
      }
    }
    return true;
  }

  reportTouched(): void {}

  reload(): void {
    this.load();
  }
}
