/**
 * The write-batch bookkeeping both implementations share: argument checks, counters,
 * the "written once" rule and the emulated deleteRange (the binding exposes no range
 * delete inside a batch, so a range becomes one `del` per key found by a scan).
 */
import { assert } from '@seshat/common';
import { assertColumnFamily, assertKey, assertValue } from './range.js';
import type { ColumnFamily, WriteBatch } from './types.js';

/** Keys fetched per native call while scanning a deleteRange. */
const DELETE_RANGE_SCAN_ROWS = 1024;

/** Keys of the live store in [start, end), in chunks; `onKeys` gets each chunk. */
export type RangeKeyScanner = (
  cf: ColumnFamily,
  start: Buffer,
  end: Buffer,
  chunkRows: number,
  onKeys: (keys: Buffer[]) => void,
) => void;

export abstract class BatchBase implements WriteBatch {
  private opCount = 0;
  private bytes = 0;
  private spent = false;
  /** Keys put by this batch, per op (cf and key at the same index): deleteRange must see them. */
  private readonly putCfs: ColumnFamily[] = [];
  private readonly putKeys: Buffer[] = [];

  constructor(private readonly scanKeys: RangeKeyScanner) {}

  protected abstract addPut(cf: ColumnFamily, key: Buffer, value: Buffer): void;
  protected abstract addDel(cf: ColumnFamily, key: Buffer): void;

  get count(): number {
    return this.opCount;
  }

  get byteLength(): number {
    return this.bytes;
  }

  get written(): boolean {
    return this.spent;
  }

  put(cf: ColumnFamily, key: Buffer, value: Buffer): void {
    this.assertWritable();
    assertColumnFamily(cf);
    assertKey(key, 'key');
    assertValue(value);
    this.addPut(cf, key, value);
    this.putCfs.push(cf);
    this.putKeys.push(key);
    this.opCount++;
    this.bytes += key.length + value.length;
  }

  del(cf: ColumnFamily, key: Buffer): void {
    this.assertWritable();
    assertColumnFamily(cf);
    assertKey(key, 'key');
    this.addDel(cf, key);
    this.opCount++;
    this.bytes += key.length;
  }

  deleteRange(cf: ColumnFamily, start: Buffer, end: Buffer): void {
    this.assertWritable();
    assertColumnFamily(cf);
    assertKey(start, 'deleteRange start');
    assertKey(end, 'deleteRange end');
    assert(Buffer.compare(start, end) <= 0, 'deleteRange start must not be above end');
    if (Buffer.compare(start, end) === 0) return;
    // Earlier puts of this batch first: their del must follow them in the batch.
    const putCount = this.putKeys.length;
    for (let i = 0; i < putCount; i++) {
      const key = this.putKeys[i]!;
      if (this.putCfs[i] === cf && Buffer.compare(key, start) >= 0 && Buffer.compare(key, end) < 0) {
        this.del(cf, key);
      }
    }
    this.scanKeys(cf, start, end, DELETE_RANGE_SCAN_ROWS, (keys) => {
      for (const key of keys) this.del(cf, key);
    });
  }

  /** Called by the owning storage when it writes the batch. */
  markWritten(): void {
    this.assertWritable();
    this.spent = true;
    this.putCfs.length = 0;
    this.putKeys.length = 0;
  }

  private assertWritable(): void {
    assert(!this.spent, 'write batch was already written; create a new one');
  }
}
