import { assert } from '@seshat/common';

/**
 * The Append messages sent to one follower and not yet acknowledged, as a fixed ring of
 * (last index, bytes). The window is full when it holds `capacity` messages or
 * `maxBytes` bytes (0 = no byte limit); then the leader stops sending until acks free it.
 */
export class Inflights {
  readonly capacity: number;
  readonly maxBytes: number;
  private readonly indexes: Float64Array;
  private readonly sizes: Float64Array;
  private start = 0;
  count = 0;
  bytes = 0;

  constructor(capacity: number, maxBytes: number) {
    assert(capacity >= 1, 'inflights: capacity must be >= 1');
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.indexes = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  full(): boolean {
    return this.count === this.capacity || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  add(index: number, bytes: number): void {
    assert(!this.full(), 'inflights: add to a full window');
    const slot = (this.start + this.count) % this.capacity;
    if (this.count > 0) {
      const last = this.indexes[(slot + this.capacity - 1) % this.capacity]!;
      assert(index > last, `inflights: index ${index} not after ${last}`);
    }
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Acknowledge every message whose last index is <= `index`. */
  freeLE(index: number): void {
    while (this.count > 0 && this.indexes[this.start]! <= index) {
      this.bytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    if (this.count === 0) {
      this.start = 0;
      this.bytes = 0;
    }
  }

  /** Free the oldest message (a heartbeat response proves the follower is alive). */
  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.indexes[this.start]!);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
