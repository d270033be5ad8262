/**
 * The local log of the single-node group: entries in column family `raft_log` under
 * `group(4) index(8)`. This is the write-ahead log of the state machine; the Raft log of the
 * cluster issue replaces it with the same key layout.
 */
import type { Storage, WriteBatch } from '@seshat/storage';

export class LogStore {
  private readonly prefix: Buffer;
  /** Index of the last entry written (0 = empty). */
  lastIndex = 0;
  /** Entries at or below this index have been compacted away. */
  compactedIndex = 0;

  constructor(
    private readonly storage: Storage,
    readonly groupId: number,
  ) {
    this.prefix = Buffer.allocUnsafe(4);
    this.prefix.writeUInt32BE(groupId, 0);
    const it = storage.iterator('raft_log', {
      gte: this.key(0),
      lte: this.key(Number.MAX_SAFE_INTEGER),
      reverse: true,
      limit: 1,
    });
    try {
      const rows = it.nextBatch(1);
      if (rows.length > 0) this.lastIndex = Number(rows[0]!.readBigUInt64BE(4));
    } finally {
      it.close();
    }
  }

  key(index: number): Buffer {
    const k = Buffer.allocUnsafe(12);
    this.prefix.copy(k, 0);
    k.writeBigUInt64BE(BigInt(index), 4);
    return k;
  }

  /** Adds the next entry to `batch`; returns its index. */
  append(batch: WriteBatch, entry: Buffer): number {
    const index = ++this.lastIndex;
    batch.put('raft_log', this.key(index), entry);
    return index;
  }

  /** Entries in (fromIndex, lastIndex], in order, for replay after a restart. */
  *entriesAfter(fromIndex: number): Generator<[number, Buffer]> {
    const it = this.storage.iterator('raft_log', { gt: this.key(fromIndex), lte: this.key(this.lastIndex) });
    try {
      for (let rows = it.nextBatch(256); rows.length > 0; rows = it.nextBatch(256)) {
        for (let i = 0; i < rows.length; i += 2) yield [Number(rows[i]!.readBigUInt64BE(4)), rows[i + 1]!];
      }
    } finally {
      it.close();
    }
  }

  /** Drops entries at or below `index` (already applied and durable in the state). */
  compact(index: number): void {
    if (index <= this.compactedIndex) return;
    this.storage.clearRange('raft_log', this.key(0), this.key(index + 1));
    this.compactedIndex = index;
  }
}
