/**
 * A FIFO ring buffer of items with a size each, bounded in count and total size by the
 * owner (the queue itself only grows its storage, in powers of two, up to `capacity`).
 * Used for a peer's outbound messages: push at the tail, frames are cut from the head,
 * overflow drops from the head (oldest first). No Array.shift().
 */
import { assert } from '@seshat/common';

export class RingQueue<T> {
  private items: (T | undefined)[];
  private sizes: Float64Array;
  private head = 0;
  private count = 0;
  private totalBytes = 0;

  constructor(private readonly capacity: number) {
    assert(capacity >= 1, 'RingQueue capacity');
    // Storage length is always a power of two (index masking); it grows on demand.
    this.items = new Array(16);
    this.sizes = new Float64Array(16);
  }

  get length(): number {
    return this.count;
  }

  /** Sum of the sizes of the queued items. */
  get bytes(): number {
    return this.totalBytes;
  }

  isFull(): boolean {
    return this.count === this.capacity;
  }

  push(item: T, sizeBytes: number): void {
    assert(this.count < this.capacity, 'RingQueue full');
    if (this.count === this.items.length) this.grow();
    const slot = (this.head + this.count) & (this.items.length - 1);
    this.items[slot] = item;
    this.sizes[slot] = sizeBytes;
    this.count++;
    this.totalBytes += sizeBytes;
  }

  /** Size of the oldest item; the queue must not be empty. */
  peekSize(): number {
    assert(this.count > 0, 'RingQueue empty');
    return this.sizes[this.head]!;
  }

  shift(): T {
    assert(this.count > 0, 'RingQueue empty');
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.totalBytes -= this.sizes[this.head]!;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.totalBytes = 0;
  }

  private grow(): void {
    const n = this.items.length;
    const items: (T | undefined)[] = new Array(n * 2);
    const sizes = new Float64Array(n * 2);
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) & (n - 1);
      items[i] = this.items[slot];
      sizes[i] = this.sizes[slot]!;
    }
    this.items = items;
    this.sizes = sizes;
    this.head = 0;
  }
}
