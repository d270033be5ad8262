// Snapshot images between simulated nodes. The sender's driver calls
// GroupTransport.sendSnapshot with its Raft Snapshot message and a function opening the held
// image; the image is read at once (the production transport streams it from the same held
// view) and cut into 1-4 pieces at seeded points, and the Snapshot message travels through
// the simulated network like any other (loss, delay, partitions). Delivered, the receiving
// node's NodeHost.receiveSnapshot gets an InboundSnapshot whose chunks arrive one per turn
// of that node, so receiving interleaves with everything else (a crash can fall in the
// middle). The sender's promise resolves true once the receiver's handler resolved (the
// image is staged and its message stepped), false if the message was lost, the receiver
// refused the image or crashed while receiving (as a failed gRPC stream).
import { AssertionError, type Random } from '@seshat/common';
import type { Message, SnapshotMetadata } from '@seshat/raft';
import type { InboundSnapshot } from '../../src/index.js';
import type { SimNode } from './node.js';

interface Transfer {
  readonly from: number;
  readonly to: number;
  readonly groupId: number;
  readonly metadata: SnapshotMetadata;
  readonly message: Message;
  readonly pieces: Buffer[];
  readonly resolve: (delivered: boolean) => void;
  state: 'queued' | 'receiving' | 'settled';
}

export class SnapshotTransfers {
  private readonly byMessage = new Map<Message, Transfer>();
  sent = 0;
  installed = 0;
  refused = 0;
  /** An assertion failed inside a receive (a programmer error in production code). */
  failure: AssertionError | null = null;
  /** Set when a promise was settled or a receive started: microtasks must run. */
  touched = false;

  constructor(private readonly random: Random) {}

  /** GroupTransport.sendSnapshot of node `from`; `enqueue` puts the message on the network. */
  send(
    from: number,
    to: number,
    groupId: number,
    metadata: SnapshotMetadata,
    image: () => Iterable<Buffer>,
    message: Message,
    enqueue: (m: Message) => void,
  ): Promise<boolean> {
    const pieces = this.cut(Buffer.concat([...image()]));
    this.sent++;
    return new Promise((resolve) => {
      this.byMessage.set(message, { from, to, groupId, metadata, message, pieces, resolve, state: 'queued' });
      enqueue(message);
    });
  }

  private cut(image: Buffer): Buffer[] {
    const pieces: Buffer[] = [];
    let rest = image;
    for (let n = this.random.nextInt(4); n > 0 && rest.length > 1; n--) {
      const at = 1 + this.random.nextInt(rest.length - 1);
      pieces.push(rest.subarray(0, at));
      rest = rest.subarray(at);
    }
    pieces.push(rest);
    return pieces;
  }

  /** The network took a Snapshot message: lost, or delivered to `node` (null: down or gone). */
  deliver(message: Message, node: SimNode | null, lost: boolean): void {
    const t = this.byMessage.get(message);
    if (t === undefined || t.state !== 'queued') return; // a duplicate: streams are not duplicated
    if (lost || node === null || !node.alive || node.host === null) {
      this.settle(t, false);
      return;
    }
    t.state = 'receiving';
    this.touched = true;
    const inbound: InboundSnapshot = {
      groupId: t.groupId,
      fromNode: t.from,
      metadata: t.metadata,
      message: t.message,
      sizeBytes: t.pieces.reduce((n, p) => n + p.length, 0),
      spoolPath: null,
      chunks: () => this.chunks(node, t.pieces),
    };
    node.host.receiveSnapshot(inbound).then(
      () => {
        this.installed++;
        this.settle(t, true);
      },
      (e: unknown) => {
        if (e instanceof AssertionError) this.failure ??= e;
        this.refused++;
        this.settle(t, false);
      },
    );
  }

  private async *chunks(node: SimNode, pieces: Buffer[]): AsyncIterable<Buffer> {
    for (const p of pieces) {
      await node.nextTurn();
      this.touched = true;
      yield p;
    }
  }

  /** Node `id` crashed: what it was receiving fails for the senders, what it was sending is gone. */
  nodeCrashed(id: number): void {
    for (const t of [...this.byMessage.values()]) {
      if ((t.to === id && t.state === 'receiving') || (t.from === id && t.state === 'queued'))
        this.settle(t, false);
    }
  }

  /** The network is empty: a transfer still queued lost its message (a full switch buffer). */
  dropQueued(): void {
    for (const t of [...this.byMessage.values()]) if (t.state === 'queued') this.settle(t, false);
  }

  /** Images being received. */
  get receiving(): number {
    let n = 0;
    for (const t of this.byMessage.values()) if (t.state === 'receiving') n++;
    return n;
  }

  private settle(t: Transfer, delivered: boolean): void {
    if (t.state === 'settled') return;
    t.state = 'settled';
    this.byMessage.delete(t.message);
    this.touched = true;
    t.resolve(delivered);
  }
}
