/**
 * One statement's execution context: the applied state it reads (storage and catalog as of
 * the statement's start, read in one synchronous section), its parameters and clock, and
 * the write set it builds. Writes are staged here, visible to the statement's own later
 * point reads (unique checks see rows inserted earlier by the same statement), and every
 * key written records the value it held when first read as an expectation, so the write set
 * fails at apply if anything else changed that key meanwhile.
 */
import type { StorageReader } from '@seshat/storage';
import {
  type Catalog,
  CATALOG_VERSION_KEY,
  decodeSequenceState,
  encodeSequenceState,
  encodeVersion,
  type SequenceDef,
  sequenceKey,
} from '../catalog.js';
import { SqlError, SqlState } from '../errors.js';
import type { SqlCf, WriteOp, WriteSet } from '../write-set.js';

export class ExecContext {
  private readonly staged = new Map<string, { cf: SqlCf; key: Buffer; value: Buffer | null }>();
  private readonly expected = new Map<string, WriteOp>();
  private readonly ranges: WriteOp[] = [];
  /** Set by DDL: the catalog record to write (version bumped). */
  private catalogBump: { nextId: number } | null = null;
  /** Sequence records advanced by nextval (kept even if the statement fails, as PG's). */
  private readonly sequenceIds = new Set<string>();
  private nextId: number;

  constructor(
    readonly reader: StorageReader,
    readonly catalog: Catalog,
    /** Statement start time in microseconds since the epoch (now(), current_timestamp). */
    readonly nowMicros: bigint,
  ) {
    this.nextId = catalog.nextId;
  }

  private static id(cf: SqlCf, key: Buffer): string {
    return cf + ':' + key.toString('hex');
  }

  /** A point read that sees this statement's staged writes. */
  get(cf: SqlCf, key: Buffer): Buffer | undefined {
    const s = this.staged.get(ExecContext.id(cf, key));
    if (s !== undefined) return s.value ?? undefined;
    return this.reader.get(cf, key);
  }

  private expectOriginal(cf: SqlCf, key: Buffer): void {
    const id = ExecContext.id(cf, key);
    if (this.expected.has(id) || this.staged.has(id)) return;
    this.expected.set(id, { op: 'expect', cf, key, value: this.reader.get(cf, key) ?? null });
  }

  put(cf: SqlCf, key: Buffer, value: Buffer): void {
    this.expectOriginal(cf, key);
    this.staged.set(ExecContext.id(cf, key), { cf, key, value });
  }

  del(cf: SqlCf, key: Buffer): void {
    this.expectOriginal(cf, key);
    this.staged.set(ExecContext.id(cf, key), { cf, key, value: null });
  }

  /** Deletes a whole key range at apply (DROP TABLE). Only DDL uses it, under the catalog version check. */
  delRange(cf: SqlCf, start: Buffer, end: Buffer): void {
    this.ranges.push({ op: 'delRange', cf, key: start, end });
  }

  /** A new catalog object id; the statement becomes DDL (bumps the catalog version). */
  allocateId(): number {
    this.markDdl();
    return this.nextId++;
  }

  markDdl(): void {
    this.catalogBump = { nextId: this.nextId };
  }

  get hasWrites(): boolean {
    return this.staged.size > 0 || this.ranges.length > 0 || this.catalogBump !== null;
  }

  /** nextval: the sequence's next value, staged. */
  nextval(seq: SequenceDef): bigint {
    const key = sequenceKey(seq.id);
    const raw = this.get('sql_catalog', key);
    const state = raw === undefined ? { last: seq.start, called: false } : decodeSequenceState(raw);
    let next = state.called ? state.last + seq.increment : state.last;
    if (next > seq.max || next < seq.min) {
      if (!seq.cycle) {
        const which = next > seq.max ? 'maximum' : 'minimum';
        const limit = next > seq.max ? seq.max : seq.min;
        throw new SqlError(
          SqlState.ObjectNotInPrerequisiteState,
          `nextval: reached ${which} value of sequence "${seq.name}" (${limit})`,
        );
      }
      next = seq.increment > 0n ? seq.min : seq.max;
    }
    this.put('sql_catalog', key, encodeSequenceState({ last: next, called: true }));
    this.sequenceIds.add(ExecContext.id('sql_catalog', key));
    return next;
  }

  /**
   * After the statement failed: the write set of its sequence advances alone (nextval is
   * not rolled back in PG), or null if it called none.
   */
  sequenceWriteSet(): WriteSet | null {
    if (this.sequenceIds.size === 0) return null;
    const ops: WriteOp[] = [];
    for (const id of this.sequenceIds) {
      const s = this.staged.get(id)!;
      const e = this.expected.get(id);
      if (e !== undefined) ops.push(e);
      ops.push({ op: 'put', cf: s.cf, key: s.key, value: s.value! });
    }
    return { ops };
  }

  /** The statement's write set: the catalog version it was planned at, expectations, then writes. */
  writeSet(): WriteSet {
    const ops: WriteOp[] = [
      {
        op: 'expect',
        cf: 'sql_catalog',
        key: CATALOG_VERSION_KEY,
        value: this.catalog.versionRecord ?? null,
      },
    ];
    for (const e of this.expected.values()) ops.push(e);
    if (this.catalogBump !== null) {
      const record = encodeVersion(this.catalog.version + 1n, this.nextId);
      ops.push({ op: 'put', cf: 'sql_catalog', key: CATALOG_VERSION_KEY, value: record });
    }
    ops.push(...this.ranges);
    for (const s of this.staged.values()) {
      ops.push(
        s.value === null
          ? { op: 'del', cf: s.cf, key: s.key }
          : { op: 'put', cf: s.cf, key: s.key, value: s.value },
      );
    }
    return { ops };
  }
}
