/**
 * State-machine images over the Snapshot RPC: the sending side cuts the image into
 * bounded chunks and writes them with gRPC backpressure (awaits 'drain' whenever write()
 * returns false, so at most gRPC's small object buffer plus the HTTP/2 window is in
 * flight); the receiving side checks offsets, spools the image (memory up to a bound,
 * then a temporary file), verifies its SHA-256 and only then hands it to the driver.
 * The image bytes are opaque here (sm-snapshot.ts defines them).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type ClientWritableStream, Metadata, type ServiceError, type status } from '@grpc/grpc-js';
import type { Message, SnapshotMetadata } from '@seshat/raft';
import {
  ChecksumAlgorithm,
  type RaftTransportClient,
  SnapshotHeader,
  type SnapshotRequest,
} from './gen/cluster.js';
import {
  METADATA_FROM_NODE,
  METADATA_TO_NODE,
  type ResolvedLimits,
  type TransportLogger,
} from './transport-config.js';
import { asBuffer, messageToProto, metadataToProto } from './transport-convert.js';

/** Bytes of an image, in order: an iterable of chunks, or a function producing one (called once). */
export type ImageSource =
  | Uint8Array
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);

/** A received image, verified against the sender's checksum, handed to the driver. */
export interface InboundSnapshot {
  readonly groupId: number;
  readonly fromNode: number;
  readonly metadata: SnapshotMetadata;
  /**
   * The Raft Snapshot message the sender's driver attached (or null), as sent: its
   * snapshot.data is the sender's handle (e.g. the image descriptor), not the image,
   * which came as chunks. Step it once the image is staged.
   */
  readonly message: Message | null;
  readonly sizeBytes: number;
  /** Path of the spool file when the image exceeded snapshotMemoryMaxBytes, else null. */
  readonly spoolPath: string | null;
  /** The image bytes, in order. May be iterated more than once while the handler runs. */
  chunks(): AsyncIterable<Buffer>;
}

/**
 * Installs (or stages) an image. Resolve once it is safe for the sender to consider the
 * snapshot delivered; reject to refuse it (the sender's sendSnapshot resolves false).
 * Spool files are deleted when the returned promise settles: copy or consume before.
 */
export type SnapshotHandler = (snapshot: InboundSnapshot) => Promise<void>;

/** An operating error of the snapshot RPC, mapped to a gRPC status for the sender. */
export class SnapshotTransferError extends Error {
  override name = 'SnapshotTransferError';
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export interface SnapshotSendRequest {
  readonly client: RaftTransportClient;
  readonly nodeId: number;
  readonly to: number;
  readonly groupId: number;
  readonly metadata: SnapshotMetadata;
  readonly message: Message | null;
  readonly image: ImageSource;
  readonly limits: ResolvedLimits;
  readonly logger: TransportLogger;
  /** Called with a canceller while the call is open, and with null when it is over. */
  readonly track: (cancel: (() => void) | null) => void;
}

const EMPTY = Buffer.alloc(0);

async function* imageChunks(image: ImageSource): AsyncGenerator<Uint8Array> {
  if (image instanceof Uint8Array) {
    yield image;
    return;
  }
  const source = typeof image === 'function' ? image() : image;
  for await (const chunk of source) yield chunk;
}

/** Room for the chunk envelope around a header in the first request. */
const HEADER_ENVELOPE_MAX_BYTES = 64;

function snapshotHeader(req: SnapshotSendRequest): SnapshotHeader {
  return {
    fromNode: req.nodeId,
    toNode: req.to,
    metadata: metadataToProto(req.metadata),
    message: req.message === null ? undefined : messageToProto(req.message),
    checksumAlgorithm: ChecksumAlgorithm.CHECKSUM_ALGORITHM_SHA256,
    expectedBytes: 0,
  };
}

const SETTLED: unique symbol = Symbol('settled');

/**
 * The end of a snapshot call (its callback ran), observable while the sender waits for
 * something else: the image source's next chunk or gRPC's 'drain'. One waiter at a
 * time (the sender is sequential), so waiting allocates nothing that accumulates.
 */
class Settlement {
  settled = false;
  private wake: (() => void) | null = null;

  settle(): void {
    this.settled = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** p's value, or SETTLED if the call ends first. */
  race<T>(p: Promise<T>): Promise<T | typeof SETTLED> {
    if (this.settled) return Promise.resolve(SETTLED);
    return new Promise<T | typeof SETTLED>((resolve, reject) => {
      this.wake = () => resolve(SETTLED);
      p.then(
        (v) => {
          this.wake = null;
          resolve(v);
        },
        (err: unknown) => {
          this.wake = null;
          reject(err);
        },
      );
    });
  }
}

/** Stream one image to a peer. Resolves true once the receiver verified and installed it. */
export async function sendSnapshotImage(req: SnapshotSendRequest): Promise<boolean> {
  const { limits, logger } = req;
  const md = new Metadata();
  md.set(METADATA_FROM_NODE, String(req.nodeId));
  md.set(METADATA_TO_NODE, String(req.to));
  const settlement = new Settlement();
  let resolveOutcome!: (err: ServiceError | null) => void;
  const outcome = new Promise<ServiceError | null>((resolve) => {
    resolveOutcome = resolve;
  });
  const call = req.client.snapshot(md, { deadline: Date.now() + limits.snapshotTimeoutMs }, (err) => {
    settlement.settle();
    resolveOutcome(err);
  });
  call.on('error', (err: Error) => logger.debug({ peer: req.to, err: err.message }, 'snapshot stream error'));
  req.track(() => call.cancel());
  try {
    const sent = await writeChunks(req, call, settlement);
    if (sent) call.end();
    else call.cancel();
    const err = await outcome;
    if (err !== null) {
      logger.warn(
        { peer: req.to, group: req.groupId, code: err.code, details: err.details },
        'snapshot not delivered',
      );
    }
    return err === null;
  } finally {
    req.track(null);
  }
}

/**
 * Write the image as chunks, then the final chunk. Returns false if the image source
 * failed (the call must be cancelled); returns true early if the call already ended.
 */
async function writeChunks(
  req: SnapshotSendRequest,
  call: ClientWritableStream<SnapshotRequest>,
  settlement: Settlement,
): Promise<boolean> {
  const chunkBytes = req.limits.snapshotChunkBytes;
  const hash = createHash('sha256');
  let offset = 0;
  // The header goes alone in the first request, so a handle in message.snapshot.data
  // never has to share a request with a full chunk.
  const header = snapshotHeader(req);
  const headerBytes = SnapshotHeader.encode(header).finish().length;
  if (headerBytes + HEADER_ENVELOPE_MAX_BYTES > req.limits.maxMessageBytes) {
    req.logger.error(
      { peer: req.to, group: req.groupId, headerBytes },
      'snapshot header (message with its snapshot.data) exceeds maxMessageBytes',
    );
    return false;
  }
  const first: SnapshotRequest = {
    groupId: req.groupId,
    offset: 0,
    data: EMPTY,
    final: false,
    header,
    checksum: EMPTY,
    totalBytes: 0,
  };
  if (!call.write(first) && (await settlement.race(drained(call))) === SETTLED) return true;
  const source = imageChunks(req.image);
  try {
    for (;;) {
      const next = await settlement.race(source.next());
      if (next === SETTLED) {
        // The source may be blocked; ask it to finish without waiting for it.
        source.return(undefined).catch(() => {});
        return true;
      }
      if (next.done === true) break;
      const buf = asBuffer(next.value);
      for (let at = 0; at < buf.length; at += chunkBytes) {
        const data = buf.subarray(at, at + chunkBytes);
        hash.update(data);
        const r: SnapshotRequest = {
          groupId: req.groupId,
          offset,
          data,
          final: false,
          header: undefined,
          checksum: EMPTY,
          totalBytes: 0,
        };
        offset += data.length;
        // Backpressure: wait for gRPC to drain its buffer (or for the call to end).
        if (!call.write(r) && (await settlement.race(drained(call))) === SETTLED) return true;
        if (settlement.settled) return true;
      }
    }
  } catch (err) {
    req.logger.warn(
      { peer: req.to, group: req.groupId, err: (err as Error).message },
      'snapshot image read failed',
    );
    return false;
  }
  if (settlement.settled) return true;
  call.write({
    groupId: req.groupId,
    offset,
    data: EMPTY,
    final: true,
    header: undefined,
    checksum: hash.digest(),
    totalBytes: offset,
  });
  return true;
}

function drained(call: ClientWritableStream<SnapshotRequest>): Promise<void> {
  return new Promise((resolve) => call.once('drain', () => resolve()));
}

/**
 * Holds an inbound image: in memory up to `memoryMaxBytes`, then in a temporary file.
 * Memory use stays bounded by memoryMaxBytes plus one chunk.
 */
export class ImageSpool {
  private parts: Buffer[] = [];
  private memoryBytes = 0;
  private file: FileHandle | null = null;
  private filePath: string | null = null;
  private size = 0;

  constructor(
    private readonly memoryMaxBytes: number,
    private readonly dir: string,
    private readonly namePrefix: string,
    private readonly readChunkBytes: number,
  ) {}

  get sizeBytes(): number {
    return this.size;
  }

  get path(): string | null {
    return this.filePath;
  }

  async write(data: Buffer): Promise<void> {
    if (this.filePath === null && this.memoryBytes + data.length > this.memoryMaxBytes) {
      this.filePath = join(this.dir, `${this.namePrefix}-${randomUUID()}.tmp`);
      this.file = await open(this.filePath, 'wx', 0o600);
      for (const part of this.parts) await writeAll(this.file, part);
      this.parts = [];
      this.memoryBytes = 0;
    }
    if (this.file !== null) await writeAll(this.file, data);
    else {
      this.parts.push(data);
      this.memoryBytes += data.length;
    }
    this.size += data.length;
  }

  /** Stop writing; the image is complete. */
  async finish(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.close();
  }

  chunks(): AsyncIterable<Buffer> {
    if (this.filePath !== null)
      return createReadStream(this.filePath, { highWaterMark: this.readChunkBytes });
    const parts = this.parts;
    return (async function* () {
      for (const part of parts) yield part;
    })();
  }

  /** Release memory and delete the spool file (idempotent). */
  async dispose(): Promise<void> {
    await this.finish().catch(() => {});
    this.parts = [];
    const path = this.filePath;
    this.filePath = null;
    if (path !== null) await unlink(path).catch(() => {});
  }
}

async function writeAll(file: FileHandle, data: Buffer): Promise<void> {
  let at = 0;
  while (at < data.length) {
    const { bytesWritten } = await file.write(data, at, data.length - at);
    at += bytesWritten;
  }
}
