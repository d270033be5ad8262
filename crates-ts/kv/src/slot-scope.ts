/**
 * A state machine serves a set of slot ranges (its Raft group's), and several state machines
 * share one RocksDB: everything that walks a column family "from the start" (load, digest,
 * SCAN, KEYS, RANDOMKEY, FLUSHDB/FLUSHALL, the sweeper) must walk only its ranges, and a
 * command naming a key of another slot must not run here. This module holds both checks.
 *
 * Every data key starts with its slot (keys.ts), so a slot range is one contiguous key range
 * in every family and the union of the ranges, in order, is the state machine's key order.
 */
import {
  ALL_SLOTS,
  assert,
  coversAllSlots,
  ErrorReply,
  keyHashSlot,
  type SlotRange,
  slotInRanges,
  slotRangeBounds,
} from '@seshat/common';
import type { ColumnFamily, RangeOptions, StorageIterator } from '@seshat/storage';
import { type CommandSpec, commandKeys } from './command-table.js';

/** Redis Cluster's reply for a slot nobody serves here (routing to other groups: issue 21). */
export const ERR_SLOT_NOT_SERVED = new ErrorReply('CLUSTERDOWN Hash slot not served');

/** Function libraries live at slot 0 (scripting/library-store.ts): only its owner has them. */
export const LIBRARY_SLOT = 0;

interface Iterable {
  iterator(cf: ColumnFamily, range: RangeOptions): StorageIterator;
}

/**
 * Iterates `cf` over the ranges in key order, from `from` (null: the start; inclusive when
 * `inclusive`, else strictly after), one native iterator per range at a time. With
 * ALL_SLOTS it is one plain iterator.
 */
export function scopedIterator(
  store: Iterable,
  cf: ColumnFamily,
  ranges: readonly SlotRange[],
  from: Buffer | null = null,
  inclusive = false,
): StorageIterator {
  if (coversAllSlots(ranges))
    return store.iterator(cf, from === null ? {} : inclusive ? { gte: from } : { gt: from });
  return new RangesIterator(store, cf, ranges, from, inclusive);
}

class RangesIterator implements StorageIterator {
  private at = 0;
  private it: StorageIterator | null = null;
  private done = false;

  constructor(
    private readonly store: Iterable,
    private readonly cf: ColumnFamily,
    private readonly ranges: readonly SlotRange[],
    private readonly from: Buffer | null,
    private readonly inclusive: boolean,
  ) {
    assert(ranges.length > 0, 'scoped iterator without ranges');
  }

  nextBatch(max: number): Buffer[] {
    while (!this.done) {
      if (this.it === null) {
        const range = this.open();
        if (range === null) break;
        this.it = this.store.iterator(this.cf, range);
      }
      const rows = this.it.nextBatch(max);
      if (rows.length > 0) return rows;
      this.it.close();
      this.it = null;
      this.at++;
    }
    this.done = true;
    return [];
  }

  /** Bounds of the next range that still has keys from `from` on, or null at the end. */
  private open(): RangeOptions | null {
    const from = this.from;
    for (; this.at < this.ranges.length; this.at++) {
      const { gte, lt } = slotRangeBounds(this.ranges[this.at]!);
      if (from === null || Buffer.compare(from, gte) < 0) return { gte, lt };
      if (Buffer.compare(from, lt) < 0) return this.inclusive ? { gte: from, lt } : { gt: from, lt };
    }
    return null;
  }

  close(): void {
    this.it?.close();
    this.it = null;
    this.done = true;
  }
}

/**
 * Null when `argv` may run on a state machine serving `ranges`, else the reply: a key in a
 * slot outside them, or FUNCTION without slot 0 (the libraries' records live there).
 */
export function slotRefusal(
  spec: CommandSpec,
  argv: Buffer[],
  ranges: readonly SlotRange[],
): ErrorReply | null {
  if (ranges === ALL_SLOTS || coversAllSlots(ranges)) return null;
  if (spec.name === 'function' && !slotInRanges(LIBRARY_SLOT, ranges)) return ERR_SLOT_NOT_SERVED;
  if (!spec.hasKeys) return null;
  for (const key of commandKeys(spec, argv))
    if (!slotInRanges(keyHashSlot(key), ranges)) return ERR_SLOT_NOT_SERVED;
  return null;
}

/** A slot chosen uniformly among the ranges' slots from `r` in [0, slotCount(ranges)). */
export function nthSlot(ranges: readonly SlotRange[], r: number): number {
  let left = r;
  for (const [s, e] of ranges) {
    if (left <= e - s) return s + left;
    left -= e - s + 1;
  }
  assert(false, `slot ${r} beyond the ranges`);
}
