/**
 * The sending side of the Raft stream to ONE peer: a bounded queue of outgoing messages,
 * one long-lived bidirectional gRPC stream, an in-flight window driven by the receiver's
 * acknowledgements, and reconnection with exponential backoff.
 *
 * States: idle -> connecting (call started, peer has not answered) -> open (peer sent
 * its headers; frames flow) -> backoff (stream failed; timer pending) -> connecting ...
 * `closed` is final. Messages are queued in connecting and open, and dropped (counted,
 * peer reported unreachable) in backoff: after a failure the link is presumed down and
 * anything queued would be stale by the time it reconnects; Raft retransmits.
 */
import { performance } from 'node:perf_hooks';
import { type ClientDuplexStream, credentials, Metadata, type StatusObject } from '@grpc/grpc-js';
import { RaftTransportClient, type StreamRequest, type StreamResponse } from './gen/cluster.js';
import type * as pb from './gen/raft.js';
import {
  channelOptions,
  METADATA_FROM_NODE,
  METADATA_TO_NODE,
  type ResolvedLimits,
  type TransportLogger,
} from './transport-config.js';
import { type Password, withPassword } from './transport-auth.js';
import { FRAME_OVERHEAD_MAX_BYTES, messageSizeBoundBytes } from './transport-convert.js';
import { RingQueue } from './transport-queue.js';

export type PeerState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

/** Counters of one peer link (monotonic since the peer was added, except the gauges). */
export interface PeerStats {
  readonly peerId: number;
  readonly address: string;
  readonly state: PeerState;
  /** Gauges: messages/bytes waiting in the queue, frames awaiting acknowledgement. */
  readonly queuedMessages: number;
  readonly queuedBytes: number;
  readonly inflightFrames: number;
  readonly inflightBytes: number;
  readonly messagesSent: number;
  readonly framesSent: number;
  readonly framesAcked: number;
  /** Oldest queued messages dropped because the queue was full. */
  readonly droppedQueueFull: number;
  /** Messages dropped because the link was down (backoff) or being closed. */
  readonly droppedDown: number;
  /** Messages larger than maxMessageBytes, which can never be sent. */
  readonly droppedOversize: number;
  /** Frames written but not acknowledged when their stream failed (possibly lost). */
  readonly framesLost: number;
  readonly streamsOpened: number;
  readonly streamFailures: number;
}

/** What a PeerSender needs from its Transport. */
export interface PeerContext {
  readonly nodeId: number;
  readonly limits: ResolvedLimits;
  readonly logger: TransportLogger;
  /** Report that messages to `peerId` were (or may have been) lost. */
  unreachable(peerId: number): void;
  /** The password this node presents to the peer's Raft port (transport-auth.ts). */
  readonly password?: Password;
}

type RaftCall = ClientDuplexStream<StreamRequest, StreamResponse>;

export class PeerSender {
  private client: RaftTransportClient | null = null;
  private snapshotClientInstance: RaftTransportClient | null = null;
  private call: RaftCall | null = null;
  private callClosed: Promise<void> = Promise.resolve();
  private state: PeerState = 'idle';
  private readonly queue: RingQueue<pb.Message>;
  // Per stream: frames written and acknowledged since the stream opened.
  private streamFramesWritten = 0;
  private streamFramesAcked = 0;
  /** Size bound of each frame in flight, by frame number modulo the window, and their sum. */
  private readonly inflightSizes: Float64Array;
  private inflightBytes = 0;
  private waitingDrain = false;
  private flushScheduled = false;
  private backoffMs: number;
  private timer: NodeJS.Timeout | null = null;
  private callStartedAtMs = 0;
  private lastProgressAtMs = 0;
  private closing: Promise<void> | null = null;
  private readonly counters = {
    messagesSent: 0,
    framesSent: 0,
    framesAcked: 0,
    droppedQueueFull: 0,
    droppedDown: 0,
    droppedOversize: 0,
    framesLost: 0,
    streamsOpened: 0,
    streamFailures: 0,
  };
  private readonly flushBound = (): void => this.flush();

  constructor(
    readonly peerId: number,
    readonly address: string,
    private readonly ctx: PeerContext,
  ) {
    this.queue = new RingQueue(ctx.limits.queueMaxMessages);
    this.inflightSizes = new Float64Array(ctx.limits.inflightMaxFrames);
    this.backoffMs = ctx.limits.backoffMinMs;
  }

  /**
   * The peer just sent us traffic, so it is up: if this link is waiting out a reconnect
   * backoff, reconnect now (a restarted node otherwise hears from us up to backoffMaxMs late).
   */
  peerIsAlive(): void {
    if (this.state !== 'backoff') return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.backoffMs = this.ctx.limits.backoffMinMs;
    // A fresh channel: the old one waits out grpc's own reconnect backoff (which follows
    // ours, up to backoffMaxMs) and would fail the new stream at once.
    this.client?.close();
    this.client = null;
    this.connect();
  }

  /** Open the stream now rather than on the first message, so it is ready when needed. */
  connectEagerly(): void {
    if (this.state === 'idle') this.connect();
  }

  /** Queue one message (already converted) for this peer; frames go out at the end of the turn. */
  enqueue(p: pb.Message): void {
    const { limits } = this.ctx;
    if (this.state === 'closed' || this.state === 'backoff') {
      this.counters.droppedDown++;
      this.ctx.unreachable(this.peerId);
      return;
    }
    const size = messageSizeBoundBytes(p);
    if (size + FRAME_OVERHEAD_MAX_BYTES > limits.maxMessageBytes) {
      this.counters.droppedOversize++;
      this.ctx.logger.error(
        {
          peer: this.peerId,
          group: p.groupId,
          type: p.type,
          sizeBytes: size,
          maxMessageBytes: limits.maxMessageBytes,
        },
        'raft message larger than maxMessageBytes dropped',
      );
      return;
    }
    let dropped = false;
    while (this.queue.isFull() || (this.queue.length > 0 && this.queue.bytes + size > limits.queueMaxBytes)) {
      this.queue.shift();
      this.counters.droppedQueueFull++;
      dropped = true;
    }
    if (dropped) this.ctx.unreachable(this.peerId);
    this.queue.push(p, size);
    if (this.state === 'idle') this.connect();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushBound);
    }
  }

  /** Called periodically: abandon a stream that never opened or stopped acknowledging. */
  watchdog(nowMs: number): void {
    const call = this.call;
    if (call === null) return;
    const { limits } = this.ctx;
    if (this.state === 'connecting' && nowMs - this.callStartedAtMs > limits.connectTimeoutMs) {
      this.ctx.logger.info({ peer: this.peerId, address: this.address }, 'raft stream connect timeout');
      call.cancel();
      return;
    }
    const inflight = this.streamFramesWritten - this.streamFramesAcked;
    if (inflight > 0 && nowMs - this.lastProgressAtMs > limits.ackTimeoutMs) {
      this.ctx.logger.warn(
        { peer: this.peerId, inflight },
        'raft stream acknowledgements stalled; reconnecting',
      );
      call.cancel();
    }
  }

  stats(): PeerStats {
    return {
      peerId: this.peerId,
      address: this.address,
      state: this.state,
      queuedMessages: this.queue.length,
      queuedBytes: this.queue.bytes,
      inflightFrames: this.streamFramesWritten - this.streamFramesAcked,
      inflightBytes: this.inflightBytes,
      ...this.counters,
    };
  }

  /** The client for snapshot calls: its own channel, hence its own TCP connection. */
  snapshotClient(): RaftTransportClient | null {
    if (this.state === 'closed') return null;
    this.snapshotClientInstance ??= this.newClient();
    return this.snapshotClientInstance;
  }

  /** End the stream cleanly (half-close, wait for the status; cancel after graceMs) and close channels. */
  close(graceMs: number): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    this.state = 'closed';
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.counters.droppedDown += this.queue.length;
    this.queue.clear();
    const call = this.call;
    if (call !== null) {
      call.end();
      let graceTimer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.callClosed.then(() => false),
        new Promise<boolean>((resolve) => {
          graceTimer = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(graceTimer);
      if (timedOut) {
        call.cancel();
        await this.callClosed;
      }
    }
    this.client?.close();
    this.snapshotClientInstance?.close();
  }

  private newClient(): RaftTransportClient {
    return new RaftTransportClient(
      this.address,
      credentials.createInsecure(),
      withPassword(channelOptions(this.ctx.limits), this.ctx.password),
    );
  }

  private connect(): void {
    this.timer = null;
    if (this.state === 'closed') return;
    this.client ??= this.newClient();
    const md = new Metadata();
    md.set(METADATA_FROM_NODE, String(this.ctx.nodeId));
    md.set(METADATA_TO_NODE, String(this.peerId));
    const call = this.client.stream(md);
    this.call = call;
    this.state = 'connecting';
    this.callStartedAtMs = performance.now();
    this.streamFramesWritten = 0;
    this.streamFramesAcked = 0;
    this.inflightBytes = 0;
    this.waitingDrain = false;
    this.counters.streamsOpened++;
    // Every stream gets an error handler (an unhandled CANCELLED error would crash the
    // process); the outcome is handled once, on 'status', which always follows.
    call.on('error', (err: Error) => {
      this.ctx.logger.debug({ peer: this.peerId, err: err.message }, 'raft stream error');
    });
    call.on('metadata', () => this.onOpen(call));
    call.on('data', (r: StreamResponse) => this.onAck(call, r));
    this.callClosed = new Promise((resolve) => {
      call.on('status', (status: StatusObject) => {
        this.onStatus(call, status);
        resolve();
      });
    });
  }

  private onOpen(call: RaftCall): void {
    if (call !== this.call || this.state !== 'connecting') return;
    this.state = 'open';
    this.backoffMs = this.ctx.limits.backoffMinMs;
    this.ctx.logger.debug({ peer: this.peerId, address: this.address }, 'raft stream open');
    this.flush();
  }

  private onAck(call: RaftCall, r: StreamResponse): void {
    if (call !== this.call) return;
    const n = r.deliveredFrames;
    if (n > this.streamFramesWritten || n < this.streamFramesAcked) {
      this.ctx.logger.error(
        { peer: this.peerId, acked: n, written: this.streamFramesWritten },
        'raft stream acknowledgement out of range; reconnecting',
      );
      call.cancel();
      return;
    }
    if (n > this.streamFramesAcked) {
      this.counters.framesAcked += n - this.streamFramesAcked;
      const window = this.inflightSizes.length;
      for (let f = this.streamFramesAcked + 1; f <= n; f++)
        this.inflightBytes -= this.inflightSizes[f % window]!;
      this.streamFramesAcked = n;
      this.lastProgressAtMs = performance.now();
    }
    if (this.queue.length > 0) this.flush();
  }

  private onStatus(call: RaftCall, status: StatusObject): void {
    if (call !== this.call) return;
    this.call = null;
    this.counters.framesLost += this.streamFramesWritten - this.streamFramesAcked;
    this.streamFramesWritten = 0;
    this.streamFramesAcked = 0;
    this.inflightBytes = 0;
    if (this.state === 'closed') return;
    this.counters.streamFailures++;
    this.counters.droppedDown += this.queue.length;
    this.queue.clear();
    this.ctx.logger.info(
      {
        peer: this.peerId,
        address: this.address,
        code: status.code,
        details: status.details,
        backoffMs: this.backoffMs,
      },
      'raft stream closed',
    );
    this.ctx.unreachable(this.peerId);
    this.state = 'backoff';
    // Jitter in [backoff/2, backoff): peers that failed together do not retry in lockstep.
    const delayMs = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, this.ctx.limits.backoffMaxMs);
    this.timer = setTimeout(() => this.connect(), delayMs);
    this.timer.unref();
  }

  /** Write queued messages as frames while the window and gRPC's buffer allow. */
  private flush(): void {
    this.flushScheduled = false;
    const call = this.call;
    if (call === null || this.state !== 'open' || this.waitingDrain) return;
    const { inflightMaxFrames, inflightMaxBytes } = this.ctx.limits;
    while (this.queue.length > 0) {
      const inflight = this.streamFramesWritten - this.streamFramesAcked;
      if (inflight >= inflightMaxFrames || (inflight > 0 && this.inflightBytes >= inflightMaxBytes)) return;
      const bytesBefore = this.queue.bytes;
      const messages = this.cutFrame();
      if (inflight === 0) this.lastProgressAtMs = performance.now();
      this.streamFramesWritten++;
      const frameBytes = bytesBefore - this.queue.bytes;
      this.inflightSizes[this.streamFramesWritten % this.inflightSizes.length] = frameBytes;
      this.inflightBytes += frameBytes;
      this.counters.framesSent++;
      this.counters.messagesSent += messages.length;
      const ok = call.write({ batch: { fromNode: this.ctx.nodeId, toNode: this.peerId, messages } });
      if (!ok) {
        this.waitingDrain = true;
        call.once('drain', () => {
          if (call !== this.call) return;
          this.waitingDrain = false;
          this.flush();
        });
        return;
      }
    }
  }

  /** The oldest queued messages that fit in one frame (at least one: each fits alone). */
  private cutFrame(): pb.Message[] {
    const { maxMessageBytes, frameMaxMessages } = this.ctx.limits;
    const budget = maxMessageBytes - FRAME_OVERHEAD_MAX_BYTES;
    const out: pb.Message[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && out.length < frameMaxMessages) {
      const size = this.queue.peekSize();
      if (out.length > 0 && bytes + size > budget) break;
      bytes += size;
      out.push(this.queue.shift());
    }
    return out;
  }
}
