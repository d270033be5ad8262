/**
 * Range validation and the byte-wise bound checks both implementations share, so that
 * the in-memory twin and RocksDB agree on every edge (empty ranges, exclusive bounds).
 */
import { assert } from '@seshat/common';
import {
  COLUMN_FAMILIES,
  type ColumnFamily,
  ITERATOR_LIMIT_MAX,
  NEXT_BATCH_ROWS_MAX,
  type RangeOptions,
} from './types.js';

const CF_SET: ReadonlySet<string> = new Set(COLUMN_FAMILIES);

export function assertColumnFamily(cf: ColumnFamily): void {
  assert(CF_SET.has(cf), `unknown column family ${String(cf)}`);
}

export function assertKey(key: Buffer, what: string): void {
  assert(Buffer.isBuffer(key), `${what} must be a Buffer`);
  assert(key.length > 0, `${what} must not be empty`);
}

export function assertValue(value: Buffer): void {
  assert(Buffer.isBuffer(value), 'value must be a Buffer');
}

export function assertBatchMax(max: number): void {
  assert(
    Number.isInteger(max) && max >= 1 && max <= NEXT_BATCH_ROWS_MAX,
    `nextBatch max must be an integer in 1..${NEXT_BATCH_ROWS_MAX}, got ${max}`,
  );
}

/** Validates a range and returns its limit (Infinity when absent). */
export function checkRange(range: RangeOptions): number {
  assert(range.gte === undefined || range.gt === undefined, 'range has both gte and gt');
  assert(range.lte === undefined || range.lt === undefined, 'range has both lte and lt');
  for (const bound of [range.gte, range.gt, range.lte, range.lt]) {
    assert(bound === undefined || Buffer.isBuffer(bound), 'range bounds must be Buffers');
  }
  const limit = range.limit;
  if (limit === undefined || limit === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  assert(
    Number.isInteger(limit) && limit >= 0 && limit <= ITERATOR_LIMIT_MAX,
    `range limit must be an integer in 0..${ITERATOR_LIMIT_MAX}, got ${limit}`,
  );
  return limit;
}

/** True when the key is at or above the range's lower bound. */
export function aboveLower(key: Buffer, range: RangeOptions): boolean {
  if (range.gte !== undefined) return Buffer.compare(key, range.gte) >= 0;
  if (range.gt !== undefined) return Buffer.compare(key, range.gt) > 0;
  return true;
}

/** True when the key is at or below the range's upper bound. */
export function belowUpper(key: Buffer, range: RangeOptions): boolean {
  if (range.lt !== undefined) return Buffer.compare(key, range.lt) < 0;
  if (range.lte !== undefined) return Buffer.compare(key, range.lte) <= 0;
  return true;
}

/**
 * True when no key can satisfy the range. Checked before creating a native iterator:
 * RocksDB leaves a lower bound above the upper bound undefined.
 */
export function rangeIsEmpty(range: RangeOptions, limit: number): boolean {
  if (limit === 0) return true;
  const lower = range.gte ?? range.gt;
  const upper = range.lt ?? range.lte;
  if (lower === undefined || upper === undefined) return false;
  const c = Buffer.compare(lower, upper);
  if (range.gte !== undefined && range.lte !== undefined) return c > 0;
  return c >= 0;
}

/** The iterator for an empty range, shared by both implementations. */
export class EmptyIterator {
  nextBatch(max: number): Buffer[] {
    assertBatchMax(max);
    return [];
  }
  close(): void {}
}

export const EMPTY_BUFFER = Buffer.alloc(0);
