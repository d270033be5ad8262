/**
 * The receiving side of the transport: the gRPC service implementation. Raft streams
 * deliver each frame's messages to the driver synchronously, in order, and acknowledge
 * the cumulative frame count at most once per event-loop turn. Snapshot calls are
 * checked chunk by chunk, spooled, verified against their checksum and only then handed
 * to the driver's snapshot handler; the reply waits for the handler.
 */
import { createHash } from 'node:crypto';
import {
  Metadata,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  status,
} from '@grpc/grpc-js';
import type { Message } from '@seshat/raft';
import {
  ChecksumAlgorithm,
  type RaftTransportServer,
  type SnapshotHeader,
  type SnapshotRequest,
  type SnapshotResponse,
  type StreamRequest,
  type StreamResponse,
} from './gen/cluster.js';
import {
  METADATA_FROM_NODE,
  METADATA_TO_NODE,
  type ResolvedLimits,
  type TransportLogger,
} from './transport-config.js';
import { messageFromProto, metadataFromProto } from './transport-convert.js';
import {
  ImageSpool,
  type InboundSnapshot,
  type SnapshotHandler,
  SnapshotTransferError,
} from './transport-snapshot.js';

/** Called with each inbound frame's messages, in order per sending node. */
export type MessagesHandler = (messages: Message[], fromNode: number) => void;

/** What the service needs from its Transport. */
export interface InboundContext {
  readonly nodeId: number;
  readonly limits: ResolvedLimits;
  readonly logger: TransportLogger;
  deliver: MessagesHandler;
  /** A node opened its stream to us: it is up (it may have nothing to send yet). */
  peerStreamOpened(from: number): void;
  snapshotHandler(): SnapshotHandler | null;
}

export interface InboundStats {
  readonly streamsAccepted: number;
  readonly streamsRejected: number;
  readonly framesReceived: number;
  readonly messagesReceived: number;
  /** Messages of a type this node does not know, dropped. */
  readonly messagesInvalid: number;
  readonly snapshotsReceived: number;
  readonly snapshotsRejected: number;
}

type RaftServerCall = ServerDuplexStream<StreamRequest, StreamResponse>;
type SnapshotServerCall = ServerReadableStream<SnapshotRequest, SnapshotResponse>;

function nodeIdFrom(md: Metadata, key: string): number | null {
  const values = md.get(key);
  if (values.length !== 1) return null;
  const n = Number(values[0]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** One accepted inbound Raft stream. */
class InboundStream {
  private delivered = 0;
  private ackScheduled = false;
  private ackBlocked = false;
  private ackPending = false;
  done = false;
  private readonly sendAckBound = (): void => this.sendAck();

  constructor(
    readonly call: RaftServerCall,
    readonly fromNode: number,
  ) {}

  onFrame(): void {
    this.delivered++;
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      setImmediate(this.sendAckBound);
    }
  }

  /** End our side with OK (the peer half-closed, or this node is stopping). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.call.end();
  }

  /** Fail the stream (superseded by a newer one from the same node). */
  abort(code: status, details: string): void {
    if (this.done) return;
    this.done = true;
    this.call.emit('error', { code, details });
  }

  private sendAck(): void {
    this.ackScheduled = false;
    if (this.done) return;
    if (this.ackBlocked) {
      this.ackPending = true;
      return;
    }
    // Cumulative: a skipped or coalesced acknowledgement loses nothing.
    if (!this.call.write({ deliveredFrames: this.delivered })) {
      this.ackBlocked = true;
      this.call.once('drain', () => {
        this.ackBlocked = false;
        if (this.ackPending) {
          this.ackPending = false;
          this.sendAck();
        }
      });
    }
  }
}

export class InboundService {
  private readonly streams = new Map<number, InboundStream>();
  /** Snapshot calls in progress: how to abort each, and its completion. */
  private readonly snapshotTasks = new Map<() => void, Promise<void>>();
  private readonly snapshotGroups = new Set<number>();
  private closing = false;
  private readonly counters = {
    streamsAccepted: 0,
    streamsRejected: 0,
    framesReceived: 0,
    messagesReceived: 0,
    messagesInvalid: 0,
    snapshotsReceived: 0,
    snapshotsRejected: 0,
  };

  constructor(private readonly ctx: InboundContext) {}

  /** The implementation registered with the gRPC server. */
  implementation(): RaftTransportServer {
    return {
      stream: (call: RaftServerCall) => this.handleStream(call),
      snapshot: (call: SnapshotServerCall, callback: sendUnaryData<SnapshotResponse>) =>
        this.handleSnapshot(call, callback),
    };
  }

  stats(): InboundStats {
    return { ...this.counters };
  }

  /**
   * Stop accepting; end every open stream with OK and fail snapshots in progress. Waits
   * up to graceMs for snapshot handlers still running (their spool files are deleted
   * when they settle).
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    for (const s of this.streams.values()) s.finish();
    this.streams.clear();
    for (const abort of this.snapshotTasks.keys()) abort();
    if (this.snapshotTasks.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.snapshotTasks.values()),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Identity check shared by both RPCs; returns the sender's node id or null (call refused). */
  private checkIdentity(md: Metadata, refuse: (code: status, details: string) => void): number | null {
    const from = nodeIdFrom(md, METADATA_FROM_NODE);
    const to = nodeIdFrom(md, METADATA_TO_NODE);
    if (this.closing) refuse(status.UNAVAILABLE, `node ${this.ctx.nodeId} is stopping`);
    else if (from === null || to === null) refuse(status.INVALID_ARGUMENT, 'missing node id metadata');
    else if (to !== this.ctx.nodeId)
      refuse(status.FAILED_PRECONDITION, `this is node ${this.ctx.nodeId}, not ${to}`);
    else return from;
    this.counters.streamsRejected++;
    return null;
  }

  private handleStream(call: RaftServerCall): void {
    call.on('error', (err: Error) =>
      this.ctx.logger.debug({ err: err.message }, 'inbound raft stream error'),
    );
    const from = this.checkIdentity(call.metadata, (code, details) => call.emit('error', { code, details }));
    if (from === null) return;
    // One inbound stream per sending node: a newer one means the old one is dead.
    this.streams.get(from)?.abort(status.ABORTED, 'superseded by a newer stream from the same node');
    const s = new InboundStream(call, from);
    this.streams.set(from, s);
    this.counters.streamsAccepted++;
    const forget = (): void => {
      s.done = true;
      if (this.streams.get(from) === s) this.streams.delete(from);
    };
    call.on('data', (req: StreamRequest) => this.onFrame(s, req));
    call.on('end', () => {
      s.finish();
      forget();
    });
    call.on('cancelled', forget);
    call.on('close', forget);
    // Headers now: the sender counts the stream open (and resets its backoff) on them.
    call.sendMetadata(new Metadata());
    this.ctx.peerStreamOpened(from);
  }

  private onFrame(s: InboundStream, req: StreamRequest): void {
    if (s.done) return;
    const batch = req.batch;
    this.counters.framesReceived++;
    if (batch !== undefined && batch.messages.length > 0) {
      if (batch.toNode !== this.ctx.nodeId) {
        s.abort(status.FAILED_PRECONDITION, `frame for node ${batch.toNode} reached node ${this.ctx.nodeId}`);
        return;
      }
      const out: Message[] = [];
      for (const p of batch.messages) {
        const m = messageFromProto(p);
        if (m === null) this.counters.messagesInvalid++;
        else out.push(m);
      }
      this.counters.messagesReceived += out.length;
      if (out.length > 0) this.ctx.deliver(out, s.fromNode);
    }
    s.onFrame();
  }

  private handleSnapshot(call: SnapshotServerCall, callback: sendUnaryData<SnapshotResponse>): void {
    let responded = false;
    const respond = (err: SnapshotTransferError | null, response?: SnapshotResponse): void => {
      if (responded) return;
      responded = true;
      if (err !== null) {
        this.counters.snapshotsRejected++;
        this.ctx.logger.warn({ code: err.code, details: err.message }, 'inbound snapshot refused');
        callback({ code: err.code, details: err.message });
      } else callback(null, response);
    };
    call.on('error', (err: Error) =>
      this.ctx.logger.debug({ err: err.message }, 'inbound snapshot stream error'),
    );
    const from = this.checkIdentity(call.metadata, (code, details) =>
      respond(new SnapshotTransferError(code, details)),
    );
    if (from === null) return;
    if (this.snapshotTasks.size >= this.ctx.limits.snapshotInboundMax) {
      respond(new SnapshotTransferError(status.RESOURCE_EXHAUSTED, 'too many inbound snapshots'));
      return;
    }
    const abort = (): void => {
      respond(new SnapshotTransferError(status.UNAVAILABLE, `node ${this.ctx.nodeId} is stopping`));
      call.destroy();
    };
    const task = this.receiveSnapshot(call, from)
      .then(
        (response) => {
          this.counters.snapshotsReceived++;
          respond(null, response);
        },
        (err: unknown) => {
          if (err instanceof SnapshotTransferError) respond(err);
          else respond(new SnapshotTransferError(status.ABORTED, (err as Error)?.message ?? String(err)));
        },
      )
      .finally(() => this.snapshotTasks.delete(abort));
    this.snapshotTasks.set(abort, task);
  }

  /** Receive, verify and install one image; throws SnapshotTransferError on refusal. */
  private async receiveSnapshot(call: SnapshotServerCall, from: number): Promise<SnapshotResponse> {
    const { limits, nodeId } = this.ctx;
    const spool = new ImageSpool(
      limits.snapshotMemoryMaxBytes,
      limits.snapshotSpoolDir,
      `seshat-snapshot-n${nodeId}-from${from}`,
      limits.snapshotChunkBytes,
    );
    let groupId: number | null = null;
    try {
      const rx = new ChunkChecker(limits.snapshotMaxBytes);
      for await (const chunk of call as AsyncIterable<SnapshotRequest>) {
        const first = groupId === null;
        rx.check(chunk);
        if (first) {
          groupId = chunk.groupId;
          if (this.snapshotGroups.has(groupId)) {
            groupId = null;
            throw new SnapshotTransferError(
              status.ABORTED,
              `a snapshot for group ${chunk.groupId} is in progress`,
            );
          }
          this.snapshotGroups.add(groupId);
        }
        await spool.write(chunk.data);
      }
      rx.verify();
      await spool.finish();
      await this.install(rx.header!, rx.groupId, from, spool);
      return { groupId: rx.groupId, receivedBytes: spool.sizeBytes };
    } finally {
      if (groupId !== null) this.snapshotGroups.delete(groupId);
      await spool.dispose();
    }
  }

  private async install(
    header: SnapshotHeader,
    groupId: number,
    from: number,
    spool: ImageSpool,
  ): Promise<void> {
    const handler = this.ctx.snapshotHandler();
    if (handler === null) throw new SnapshotTransferError(status.UNIMPLEMENTED, 'no snapshot handler');
    let message: Message | null = null;
    if (header.message !== undefined) {
      message = messageFromProto(header.message);
      if (message === null) throw new SnapshotTransferError(status.INVALID_ARGUMENT, 'unknown message type');
    }
    const inbound: InboundSnapshot = {
      groupId,
      fromNode: from,
      metadata: metadataFromProto(header.metadata),
      message,
      sizeBytes: spool.sizeBytes,
      spoolPath: spool.path,
      chunks: () => spool.chunks(),
    };
    await handler(inbound);
  }
}

/** Validates the chunk sequence of one image and computes its checksum as it goes. */
class ChunkChecker {
  header: SnapshotHeader | null = null;
  groupId = 0;
  private offset = 0;
  private finalChunk: SnapshotRequest | null = null;
  private readonly hash = createHash('sha256');

  constructor(private readonly maxBytes: number) {}

  check(chunk: SnapshotRequest): void {
    if (this.finalChunk !== null) throw dataLoss('chunk after the final chunk');
    if (this.header === null) {
      const h = chunk.header;
      if (h === undefined)
        throw new SnapshotTransferError(status.INVALID_ARGUMENT, 'first chunk has no header');
      if (h.checksumAlgorithm !== ChecksumAlgorithm.CHECKSUM_ALGORITHM_SHA256) {
        throw new SnapshotTransferError(
          status.INVALID_ARGUMENT,
          `unsupported checksum ${h.checksumAlgorithm}`,
        );
      }
      if (h.expectedBytes > this.maxBytes) throw tooLarge(h.expectedBytes, this.maxBytes);
      this.header = h;
      this.groupId = chunk.groupId;
    } else if (chunk.groupId !== this.groupId) {
      throw new SnapshotTransferError(status.INVALID_ARGUMENT, 'group id changed within a snapshot');
    }
    if (chunk.offset !== this.offset)
      throw dataLoss(`chunk at offset ${chunk.offset}, expected ${this.offset}`);
    if (this.offset + chunk.data.length > this.maxBytes)
      throw tooLarge(this.offset + chunk.data.length, this.maxBytes);
    this.hash.update(chunk.data);
    this.offset += chunk.data.length;
    if (chunk.final) this.finalChunk = chunk;
  }

  /** The whole image arrived: its size and checksum match what the sender computed. */
  verify(): void {
    const f = this.finalChunk;
    if (f === null) throw dataLoss('stream ended before the final chunk');
    if (f.totalBytes !== this.offset)
      throw dataLoss(`image is ${this.offset} bytes, sender says ${f.totalBytes}`);
    if (!this.hash.digest().equals(f.checksum)) throw dataLoss('image checksum mismatch');
  }
}

function dataLoss(details: string): SnapshotTransferError {
  return new SnapshotTransferError(status.DATA_LOSS, details);
}

function tooLarge(bytes: number, maxBytes: number): SnapshotTransferError {
  return new SnapshotTransferError(status.RESOURCE_EXHAUSTED, `image of ${bytes} bytes exceeds ${maxBytes}`);
}
