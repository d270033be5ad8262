// The simulated network: a bag of in-flight messages delivered in random order after a
// random delay, with loss, duplication, and partitions (symmetric or one-way) applied at
// delivery time. All randomness comes from the simulator's seeded PRNG.
import type { Random } from '@seshat/common';
import type { Message } from '../../src/index.js';

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  delayStepsMax: number;
}

interface InFlight {
  readonly message: Message;
  readonly deliverAtStep: number;
}

/** Beyond this many queued messages the oldest are lost (a bounded switch buffer). */
export const NETWORK_QUEUE_MAX = 4000;

export class SimNetwork {
  faults: NetworkFaults;
  private queue: InFlight[] = [];
  private readonly blocked = new Set<number>();
  private readonly random: Random;
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(random: Random, faults: NetworkFaults) {
    this.random = random;
    this.faults = faults;
  }

  get size(): number {
    return this.queue.length;
  }

  send(message: Message, nowStep: number): void {
    this.sent++;
    const delay = this.faults.delayStepsMax > 0 ? this.random.nextInt(this.faults.delayStepsMax + 1) : 0;
    this.queue.push({ message, deliverAtStep: nowStep + delay });
    if (this.queue.length > NETWORK_QUEUE_MAX) {
      this.queue.splice(0, this.queue.length - NETWORK_QUEUE_MAX);
      this.dropped++;
    }
  }

  private static link(from: number, to: number): number {
    return from * 65536 + to;
  }

  block(from: number, to: number): void {
    this.blocked.add(SimNetwork.link(from, to));
  }

  isBlocked(from: number, to: number): boolean {
    return this.blocked.size > 0 && this.blocked.has(SimNetwork.link(from, to));
  }

  heal(): void {
    this.blocked.clear();
  }

  /**
   * Take one deliverable message at random. Returns it with `lost` set when the network
   * eats it (loss or partition); a duplicate stays queued.
   */
  take(nowStep: number): { message: Message; lost: boolean } | null {
    const n = this.queue.length;
    if (n === 0) return null;
    let i = this.random.nextInt(n);
    for (let tries = 0; tries < 4 && this.queue[i]!.deliverAtStep > nowStep; tries++)
      i = this.random.nextInt(n);
    const item = this.queue[i]!;
    if (item.deliverAtStep > nowStep) return null;
    this.queue[i] = this.queue[n - 1]!;
    this.queue.pop();
    const m = item.message;
    if (this.faults.duplicateRate > 0 && this.random.nextFloat() < this.faults.duplicateRate) {
      this.duplicated++;
      this.queue.push({ message: m, deliverAtStep: nowStep + this.random.nextInt(3) });
    }
    const lost =
      this.isBlocked(m.from, m.to) ||
      (this.faults.dropRate > 0 && this.random.nextFloat() < this.faults.dropRate);
    if (lost) this.dropped++;
    return { message: m, lost };
  }

  /** A node crashed: each message it sent that is still queued is lost with probability `rate`. */
  loseFrom(node: number, rate: number): void {
    const kept: InFlight[] = [];
    for (const item of this.queue) {
      if (item.message.from === node && this.random.nextFloat() < rate) this.dropped++;
      else kept.push(item);
    }
    this.queue = kept;
  }

  /** Everything queued, oldest first, emptying the queue (the healed network's FIFO). */
  drainAll(): Message[] {
    const out = this.queue.map((q) => q.message);
    this.queue = [];
    return out;
  }
}
