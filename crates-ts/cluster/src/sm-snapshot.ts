/**
 * State-machine snapshot images of a group's slot ranges, for InstallSnapshot.
 *
 * Leader side: `SnapshotImage.capture` takes a point-in-time view (`storage.snapshot()`)
 * right after the state machine applied `index`, so the view holds exactly the state at the
 * snapshot's index. The Raft snapshot's `data` is only the image's descriptor (30 bytes);
 * `image.open()` streams the image, one byte stream in chunks of <= SNAPSHOT_CHUNK_BYTES_MAX
 * (an installer accepts it split anywhere), from the held
 * view, any number of times, while the live database moves on.
 *
 * Follower side: `SnapshotInstaller` stages incoming rows under a staging prefix in the
 * `default` family (inert: nothing reads them) and verifies counts and the SHA-256 digest
 * at the trailer. Installing is two-phase so a crash leaves the old state or the new one,
 * never a mix:
 *   1. `stageInstall(batch)` puts an install marker (staging id, index, applied record,
 *      slot ranges) into the tick's batch, the same batch as `log.applySnapshot`: the
 *      Raft log and the state machine switch together when that batch is durable.
 *   2. `finishInstall()` (after the write) rolls forward: range-deletes the group's slot
 *      ranges, copies the staged rows in bounded batches, then writes the applied record
 *      and the image's address book and deletes the marker in one synced batch, then drops
 *      the staging rows.
 * A restart finds the marker and redoes step 2 from the top (`recoverSnapshotInstall`),
 * which is idempotent; without a marker it discards leftover staging rows. One batch for
 * the whole image was rejected: an image can be far larger than memory should hold.
 *
 * Why SHA-256: node:crypto streams it natively (about 1-2 GB/s with SHA extensions), it
 * needs no dependency and no hand-written table code, and it catches any corruption,
 * truncation or reordering of the stream. CRC32C is not in node:crypto; zlib.crc32 is plain
 * CRC-32 and only from Node 20.15.
 */
import { createHash, type Hash } from 'node:crypto';
import { assert } from '@seshat/common';
import type { ConfState, Snapshot } from '@seshat/raft';
import type { Storage, StorageSnapshot, WriteBatch } from '@seshat/storage';
import { readU64, writeU64 } from './rocks-log-codec.js';
import {
  appliedKey,
  DIGEST_BYTES,
  decodeHeader,
  decodeMarker,
  encodeDescriptor,
  encodeHeader,
  encodeMarker,
  groupStagingBounds,
  IMAGE_CFS,
  IMAGE_HEADER_BYTES_MAX,
  IMAGE_ROW_BYTES_MAX,
  type ImageDescriptor,
  type ImageHeader,
  imageError,
  type InstallMarker,
  installMarkerKey,
  membersKey,
  SNAPSHOT_CHUNK_BYTES_MAX,
  type SlotRange,
  slotInRanges,
  slotRangeBounds,
  slotRangesProblem,
  stagingIdOf,
  stagingPrefix,
  TAG_HEADER,
  TAG_ROW,
  TAG_TRAILER,
  TRAILER_COUNTS_BYTES,
} from './sm-snapshot-format.js';

/** Rows read from the view per native call while streaming. */
const WRITER_ROWS_PER_READ = 256;
/** Staged or copied bytes per (unsynced) write batch while receiving or rolling forward. */
export const INSTALL_BATCH_BYTES_DEFAULT = 4 * 1024 * 1024;
/** Rows per native call while copying staged rows. */
const COPY_ROWS_PER_READ = 1024;

export interface ImageSpec {
  readonly groupId: number;
  /** The state machine's applied index at the moment of capture. */
  readonly index: number;
  /** Term of entry `index` (log.term(index)). */
  readonly term: number;
  /** Membership as of `index`. */
  readonly confState: ConfState;
  /** Slot ranges the group owns: inclusive, sorted, non-overlapping. */
  readonly slotRanges: readonly SlotRange[];
}

let nextImageId = 1;

/** A held point-in-time image of one group (leader side). */
export class SnapshotImage {
  readonly header: ImageHeader;
  /** What goes into Snapshot.data (`log.createSnapshot(index, confState, image.descriptor)`). */
  readonly descriptor: Buffer;
  private view: StorageSnapshot | null;
  private openWriters = 0;
  private releaseWanted = false;

  private constructor(view: StorageSnapshot, header: ImageHeader) {
    this.view = view;
    this.header = header;
    this.descriptor = encodeDescriptor(header);
  }

  /**
   * Capture the group's state now. Call it synchronously right after applying `spec.index`
   * (no await in between): the view's applied record must say `spec.index`.
   */
  static capture(storage: Storage, spec: ImageSpec): SnapshotImage {
    const problem = slotRangesProblem(spec.slotRanges);
    assert(problem === null, `snapshot image: ${problem}`);
    const view = storage.snapshot();
    const applied = view.get('raft_state', appliedKey(spec.groupId)) ?? syntheticApplied(spec.index);
    // The address book as of the same point (written in the batch of each applied change).
    const members = view.get('raft_state', membersKey(spec.groupId)) ?? Buffer.alloc(0);
    const appliedIndex = applied.length >= 8 ? readU64(applied, 0) : -1;
    if (appliedIndex !== spec.index) {
      view.release();
      assert(false, `snapshot image: captured at applied ${appliedIndex}, not at ${spec.index}`);
    }
    const header: ImageHeader = {
      ...spec,
      slotRanges: spec.slotRanges.map((r) => [r[0], r[1]] as const),
      applied,
      members,
      imageId: nextImageId++,
    };
    return new SnapshotImage(view, header);
  }

  get index(): number {
    return this.header.index;
  }

  get released(): boolean {
    return this.view === null;
  }

  /** A new stream of the image's chunks; close it (or read it to the end) when done. */
  open(chunkBytes = SNAPSHOT_CHUNK_BYTES_MAX): SnapshotWriter {
    assert(this.view !== null && !this.releaseWanted, 'snapshot image: open after release');
    this.openWriters++;
    return new SnapshotWriter(this.view, this.header, chunkBytes, () => this.writerClosed());
  }

  /** Release the view (pinned memtables and SST files) once every open writer is closed. */
  release(): void {
    this.releaseWanted = true;
    if (this.openWriters === 0) this.dispose();
  }

  private writerClosed(): void {
    this.openWriters--;
    if (this.releaseWanted && this.openWriters === 0) this.dispose();
  }

  private dispose(): void {
    this.view?.release();
    this.view = null;
  }
}

/** The applied record an image carries when the group never applied a KV entry (bootstrap). */
function syntheticApplied(index: number): Buffer {
  const out = Buffer.alloc(16);
  writeU64(out, index, 0);
  return out;
}

/** Cuts the byte stream into chunks of `chunkBytes` (the last one shorter) and hashes it. */
class ChunkPacker {
  private chunk: Buffer;
  private pos = 0;
  readonly ready: Buffer[] = [];
  readonly hash: Hash = createHash('sha256');

  constructor(private readonly chunkBytes: number) {
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  write(src: Uint8Array, hashed = true): void {
    if (hashed) this.hash.update(src);
    let off = 0;
    while (off < src.length) {
      const n = Math.min(src.length - off, this.chunkBytes - this.pos);
      this.chunk.set(src.subarray(off, off + n), this.pos);
      this.pos += n;
      off += n;
      if (this.pos === this.chunkBytes) this.emit();
    }
  }

  flush(): void {
    if (this.pos > 0) this.emit();
  }

  private emit(): void {
    this.ready.push(this.pos === this.chunkBytes ? this.chunk : this.chunk.subarray(0, this.pos));
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.pos = 0;
  }
}

/**
 * A pull stream of one image: `next()` returns the next chunk or null at the end. Memory
 * stays bounded: one read of WRITER_ROWS_PER_READ rows plus the chunks they fill.
 */
export class SnapshotWriter implements Iterable<Buffer> {
  readonly rowCounts: number[] = IMAGE_CFS.map(() => 0);
  rowBytes = 0;
  private readonly packer: ChunkPacker;
  private readyHead = 0;
  private cfIndex = 0;
  private rangeIndex = 0;
  private it: ReturnType<StorageSnapshot['iterator']> | null = null;
  private finished = false;
  private closed = false;
  private readonly rowHead = Buffer.allocUnsafe(10);

  constructor(
    private readonly view: StorageSnapshot,
    private readonly header: ImageHeader,
    chunkBytes: number,
    private readonly onClose: () => void,
  ) {
    assert(
      Number.isInteger(chunkBytes) && chunkBytes >= 1 && chunkBytes <= SNAPSHOT_CHUNK_BYTES_MAX,
      `snapshot writer: chunk size ${chunkBytes} outside 1..${SNAPSHOT_CHUNK_BYTES_MAX}`,
    );
    this.packer = new ChunkPacker(chunkBytes);
    const body = encodeHeader(header);
    const head = Buffer.allocUnsafe(5);
    head[0] = TAG_HEADER;
    head.writeUInt32BE(body.length, 1);
    this.packer.write(head);
    this.packer.write(body);
  }

  next(): Buffer | null {
    assert(!this.closed || this.finished, 'snapshot writer: next() after close');
    const ready = this.packer.ready;
    while (this.readyHead === ready.length && !this.finished) {
      ready.length = 0;
      this.readyHead = 0;
      this.pump();
    }
    if (this.readyHead < ready.length) return ready[this.readyHead++]!;
    this.close();
    return null;
  }

  /**
   * Iterator protocol, for `for...of` and the transport's image source: an early exit
   * (`return()`, even before the first chunk) closes the writer and releases its hold.
   */
  [Symbol.iterator](): Iterator<Buffer, undefined> {
    return {
      next: (): IteratorResult<Buffer, undefined> => {
        const chunk = this.next();
        return chunk === null ? { done: true, value: undefined } : { done: false, value: chunk };
      },
      return: (): IteratorResult<Buffer, undefined> => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Stop early (or after the end; idempotent): releases the iterator and the image ref. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.it?.close();
    this.it = null;
    this.onClose();
  }

  /** Reads one batch of rows (or moves to the next range/family, or writes the trailer). */
  private pump(): void {
    if (this.cfIndex === IMAGE_CFS.length) {
      this.writeTrailer();
      return;
    }
    const cf = IMAGE_CFS[this.cfIndex]!;
    if (this.it === null)
      this.it = this.view.iterator(cf, slotRangeBounds(this.header.slotRanges[this.rangeIndex]!));
    const rows = this.it.nextBatch(WRITER_ROWS_PER_READ);
    if (rows.length === 0) {
      this.it.close();
      this.it = null;
      if (++this.rangeIndex === this.header.slotRanges.length) {
        this.rangeIndex = 0;
        this.cfIndex++;
      }
      return;
    }
    const head = this.rowHead;
    for (let i = 0; i < rows.length; i += 2) {
      const key = rows[i]!;
      const value = rows[i + 1]!;
      head[0] = TAG_ROW;
      head[1] = this.cfIndex;
      head.writeUInt32BE(key.length, 2);
      head.writeUInt32BE(value.length, 6);
      this.packer.write(head);
      this.packer.write(key);
      this.packer.write(value);
      this.rowCounts[this.cfIndex]!++;
      this.rowBytes += key.length + value.length;
    }
  }

  private writeTrailer(): void {
    const t = Buffer.allocUnsafe(1 + TRAILER_COUNTS_BYTES);
    t[0] = TAG_TRAILER;
    for (let i = 0; i < IMAGE_CFS.length; i++) writeU64(t, this.rowCounts[i]!, 1 + 8 * i);
    writeU64(t, this.rowBytes, 1 + 8 * IMAGE_CFS.length);
    this.packer.write(t);
    this.packer.write(this.packer.hash.digest(), false);
    this.packer.flush();
    this.finished = true;
  }
}

// --- Follower side --------------------------------------------------------------------------

type Step = 'tag' | 'headerLen' | 'header' | 'rowHead' | 'row' | 'trailer' | 'digest' | 'done';
type InstallState = 'receiving' | 'complete' | 'staged' | 'installed' | 'aborted';

export interface InstallerOptions {
  readonly groupId: number;
  /** The descriptor from the Snapshot message: the streamed image must be that one. */
  readonly expect?: ImageDescriptor | null;
  /** Bytes of staged rows per unsynced write while receiving (default 4 MiB). */
  readonly batchBytes?: number;
}

/** Staging ids handed out in this process, per group (the disk only shows written ones). */
const stagingIdsReserved = new Map<number, number>();

function nextStagingId(storage: Storage, groupId: number): number {
  const it = storage.iterator('default', { ...groupStagingBounds(groupId), reverse: true, limit: 1 });
  let onDisk = 0;
  try {
    const rows = it.nextBatch(1);
    if (rows.length > 0) onDisk = stagingIdOf(rows[0]!);
  } finally {
    it.close();
  }
  const id = Math.max(onDisk, stagingIdsReserved.get(groupId) ?? 0) + 1;
  stagingIdsReserved.set(groupId, id);
  return id;
}

/**
 * Receives one image (chunks in order), stages it, verifies it, and installs it
 * atomically w.r.t. crashes. Any malformed input throws SeshatError('STORAGE') after
 * discarding what was staged; the installer is then spent.
 */
export class SnapshotInstaller {
  readonly groupId: number;
  readonly stagingId: number;
  private state: InstallState = 'receiving';
  private hdr: ImageHeader | null = null;
  private readonly hash: Hash = createHash('sha256');
  private readonly prefix: Buffer;
  private batch: WriteBatch;
  private readonly batchBytes: number;
  private step: Step = 'tag';
  private need = 1;
  private acc: Buffer | null = null;
  private accFilled = 0;
  private rowCf = 0;
  private rowKeyLen = 0;
  private readonly rowCounts: number[] = IMAGE_CFS.map(() => 0);
  private rowBytes = 0;
  private prevKey: Buffer | null = null;
  private prevCf = -1;

  constructor(
    private readonly storage: Storage,
    private readonly options: InstallerOptions,
  ) {
    this.groupId = options.groupId;
    assert(
      storage.get('raft_state', installMarkerKey(this.groupId)) === undefined,
      `snapshot installer: group ${this.groupId} has an unfinished install (run recoverSnapshotInstall at start)`,
    );
    this.stagingId = nextStagingId(storage, this.groupId);
    this.prefix = stagingPrefix(this.groupId, this.stagingId);
    this.batch = storage.batch();
    this.batchBytes = options.batchBytes ?? INSTALL_BATCH_BYTES_DEFAULT;
  }

  /** The image header once received. */
  get header(): ImageHeader | null {
    return this.hdr;
  }

  /** The received image's descriptor (for the Snapshot message's data before stepping it). */
  get descriptor(): Buffer | null {
    return this.hdr === null ? null : encodeDescriptor(this.hdr);
  }

  /** All chunks received and the trailer (counts, digest) verified. */
  get complete(): boolean {
    return this.state === 'complete' || this.state === 'staged' || this.state === 'installed';
  }

  /**
   * Feed the next bytes of the image stream, split anywhere (e.g. the transport's chunks).
   * Throws SeshatError('STORAGE') on any mismatch, after discarding the staged rows.
   */
  push(bytes: Uint8Array): void {
    assert(this.state === 'receiving', `snapshot installer: push() while ${this.state}`);
    const buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      this.consumeBytes(buf);
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /**
   * The transport saw the end of the stream: throws SeshatError('STORAGE') (and discards the
   * staged rows) unless the trailer arrived and verified.
   */
  end(): void {
    if (this.complete) return;
    assert(this.state === 'receiving', `snapshot installer: end() while ${this.state}`);
    this.abort();
    throw imageError(
      this.hdr === null ? 'stream ended before the header' : 'stream ended before the trailer',
    );
  }

  /** Whether this image is the one `snapshot` (the Raft Snapshot message) describes. */
  matches(snapshot: Snapshot): boolean {
    const h = this.hdr;
    if (h === null || !this.complete) return false;
    const m = snapshot.metadata;
    return (
      h.groupId === this.groupId &&
      h.index === m.index &&
      h.term === m.term &&
      confEqual(h.confState, m.confState)
    );
  }

  /**
   * Phase 1: put the install marker into `batch` (the tick's batch that also carries
   * log.applySnapshot for this snapshot). After that batch is durable, call finishInstall().
   */
  stageInstall(batch: WriteBatch): void {
    assert(this.state === 'complete', `snapshot installer: stageInstall() while ${this.state}`);
    const h = this.hdr!;
    batch.put('raft_state', installMarkerKey(this.groupId), encodeMarker(this.marker(h)));
    this.state = 'staged';
  }

  /** Phase 2: switch the group's data to the image. The marker batch must be written. */
  finishInstall(): { rows: number } {
    assert(this.state === 'staged', `snapshot installer: finishInstall() while ${this.state}`);
    const stored = this.storage.get('raft_state', installMarkerKey(this.groupId));
    assert(stored !== undefined, 'snapshot installer: finishInstall() before the marker batch was written');
    const rows = rollForward(this.storage, this.groupId, decodeMarker(stored));
    this.state = 'installed';
    return { rows };
  }

  /** Discard the staged rows (the snapshot was refused, failed, or superseded). Idempotent. */
  abort(): void {
    if (this.state === 'aborted' || this.state === 'installed') return;
    assert(this.state !== 'staged', 'snapshot installer: abort() after stageInstall()');
    this.state = 'aborted';
    this.storage.clearRange('default', this.prefix, stagingPrefix(this.groupId, this.stagingId + 1));
  }

  private marker(h: ImageHeader): InstallMarker {
    return {
      stagingId: this.stagingId,
      index: h.index,
      term: h.term,
      applied: h.applied,
      slotRanges: h.slotRanges,
      members: h.members,
    };
  }

  /** Feeds stream bytes to the record parser, gathering `need` bytes per step. */
  private consumeBytes(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.step === 'done') throw imageError('bytes after the trailer');
      if (this.acc === null && chunk.length - off >= this.need) {
        const piece = chunk.subarray(off, off + this.need);
        off += this.need;
        this.consume(piece);
        continue;
      }
      if (this.acc === null) {
        this.acc = Buffer.allocUnsafe(this.need);
        this.accFilled = 0;
      }
      const n = Math.min(this.need - this.accFilled, chunk.length - off);
      chunk.copy(this.acc, this.accFilled, off, off + n);
      this.accFilled += n;
      off += n;
      if (this.accFilled === this.need) {
        const piece = this.acc;
        this.acc = null;
        this.consume(piece);
      }
    }
  }

  private expectNext(step: Step, need: number): void {
    this.step = step;
    this.need = need;
  }

  private consume(piece: Buffer): void {
    if (this.step !== 'digest') this.hash.update(piece);
    switch (this.step) {
      case 'tag':
        this.onTag(piece[0]!);
        break;
      case 'headerLen': {
        const len = piece.readUInt32BE(0);
        if (len === 0 || len > IMAGE_HEADER_BYTES_MAX) throw imageError(`header of ${len} bytes`);
        this.expectNext('header', len);
        break;
      }
      case 'header':
        this.onHeader(decodeHeader(piece));
        this.expectNext('tag', 1);
        break;
      case 'rowHead':
        this.onRowHead(piece);
        break;
      case 'row':
        this.onRow(piece);
        this.expectNext('tag', 1);
        break;
      case 'trailer':
        this.onTrailer(piece);
        this.expectNext('digest', DIGEST_BYTES);
        break;
      case 'digest':
        this.onDigest(piece);
        break;
      default:
        throw imageError(`unexpected bytes in step ${this.step}`);
    }
  }

  private onTag(tag: number): void {
    if (this.hdr === null && tag !== TAG_HEADER) throw imageError('stream does not start with a header');
    if (tag === TAG_HEADER) {
      if (this.hdr !== null) throw imageError('second header');
      this.expectNext('headerLen', 4);
    } else if (tag === TAG_ROW) {
      this.expectNext('rowHead', 9);
    } else if (tag === TAG_TRAILER) {
      this.expectNext('trailer', TRAILER_COUNTS_BYTES);
    } else {
      throw imageError(`unknown record tag ${tag}`);
    }
  }

  private onHeader(h: ImageHeader): void {
    if (h.groupId !== this.groupId) throw imageError(`image of group ${h.groupId}, expected ${this.groupId}`);
    const e = this.options.expect;
    if (
      e != null &&
      (e.groupId !== h.groupId || e.index !== h.index || e.term !== h.term || e.imageId !== h.imageId)
    )
      throw imageError(
        `image ${h.index}/${h.term}#${h.imageId} is not the one described (${e.index}/${e.term}#${e.imageId})`,
      );
    if (h.applied.length < 8 || readU64(h.applied, 0) !== h.index)
      throw imageError('applied record does not match index');
    this.hdr = h;
  }

  private onRowHead(piece: Buffer): void {
    const cf = piece[0]!;
    const keyLen = piece.readUInt32BE(1);
    const valueLen = piece.readUInt32BE(5);
    if (cf >= IMAGE_CFS.length) throw imageError(`unknown family ${cf}`);
    if (keyLen < 2 || keyLen + valueLen > IMAGE_ROW_BYTES_MAX)
      throw imageError(`row of ${keyLen}+${valueLen} bytes`);
    this.rowCf = cf;
    this.rowKeyLen = keyLen;
    this.expectNext('row', keyLen + valueLen);
  }

  private onRow(piece: Buffer): void {
    const cf = this.rowCf;
    const key = piece.subarray(0, this.rowKeyLen);
    const value = piece.subarray(this.rowKeyLen);
    if (!slotInRanges(key.readUInt16BE(0), this.hdr!.slotRanges))
      throw imageError('row outside the slot ranges');
    if (cf < this.prevCf || (cf === this.prevCf && Buffer.compare(key, this.prevKey!) <= 0))
      throw imageError('rows out of order');
    this.prevCf = cf;
    this.prevKey = Buffer.from(key);
    const sk = Buffer.allocUnsafe(this.prefix.length + 1 + key.length);
    this.prefix.copy(sk, 0);
    sk[this.prefix.length] = cf;
    key.copy(sk, this.prefix.length + 1);
    this.batch.put('default', sk, value);
    this.rowCounts[cf]!++;
    this.rowBytes += key.length + value.length;
    if (this.batch.byteLength >= this.batchBytes) this.flushBatch();
  }

  private onTrailer(piece: Buffer): void {
    for (let i = 0; i < IMAGE_CFS.length; i++) {
      const n = readU64(piece, 8 * i);
      if (n !== this.rowCounts[i])
        throw imageError(`${IMAGE_CFS[i]}: ${this.rowCounts[i]} rows, trailer says ${n}`);
    }
    if (readU64(piece, 8 * IMAGE_CFS.length) !== this.rowBytes)
      throw imageError('row bytes differ from the trailer');
  }

  private onDigest(piece: Buffer): void {
    if (!piece.equals(this.hash.digest())) throw imageError('checksum mismatch');
    this.flushBatch();
    this.step = 'done';
    this.state = 'complete';
  }

  private flushBatch(): void {
    if (this.batch.count > 0) {
      // Unsynced: staging is inert until the marker batch, which is synced, follows in the WAL.
      this.storage.write(this.batch, { sync: false });
      this.batch = this.storage.batch();
    }
  }
}

function confEqual(a: ConfState, b: ConfState): boolean {
  const same = (x: readonly number[], y: readonly number[]) =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.voters, b.voters) && same(a.learners, b.learners) && same(a.removed, b.removed);
}

/**
 * Crash-test hook: called at named points of phase 2 ('cleared', 'copied-batch',
 * 'before-final', 'after-final'). Null (a no-op) outside tests.
 */
export const installFailpoint: { hit: ((point: string) => void) | null } = { hit: null };

/**
 * Phase 2 of an install, idempotent: clear the group's slot ranges, copy the staged rows,
 * then (one synced batch) write the applied record and delete the marker; last, drop the
 * staging rows. Returns the rows copied.
 */
function rollForward(storage: Storage, groupId: number, marker: InstallMarker): number {
  for (const cf of IMAGE_CFS) {
    for (const range of marker.slotRanges) {
      const { gte, lt } = slotRangeBounds(range);
      storage.clearRange(cf, gte, lt);
    }
  }
  installFailpoint.hit?.('cleared');
  const prefix = stagingPrefix(groupId, marker.stagingId);
  const end = stagingPrefix(groupId, marker.stagingId + 1);
  const it = storage.iterator('default', { gte: prefix, lt: end });
  let batch = storage.batch();
  let rows = 0;
  try {
    for (let kv = it.nextBatch(COPY_ROWS_PER_READ); kv.length > 0; kv = it.nextBatch(COPY_ROWS_PER_READ)) {
      for (let i = 0; i < kv.length; i += 2) {
        const sk = kv[i]!;
        const cf = IMAGE_CFS[sk[prefix.length]!];
        assert(cf !== undefined, 'snapshot install: bad staging key');
        batch.put(cf, sk.subarray(prefix.length + 1), kv[i + 1]!);
        rows++;
      }
      if (batch.byteLength >= INSTALL_BATCH_BYTES_DEFAULT) {
        storage.write(batch, { sync: false });
        batch = storage.batch();
        installFailpoint.hit?.('copied-batch');
      }
    }
  } finally {
    it.close();
  }
  installFailpoint.hit?.('before-final');
  batch.put('raft_state', appliedKey(groupId), marker.applied);
  if (marker.members.length > 0) batch.put('raft_state', membersKey(groupId), marker.members);
  batch.del('raft_state', installMarkerKey(groupId));
  storage.write(batch, { sync: true });
  installFailpoint.hit?.('after-final');
  storage.clearRange('default', prefix, end);
  return rows;
}

export interface RecoveryResult {
  /** An install was in progress and has been completed (roll forward) at this index. */
  readonly rolledForward: number | null;
  /** Staging rows of incomplete or refused transfers were found and discarded. */
  readonly discardedStaging: boolean;
}

/**
 * Run at start, for each group, before opening its KvStateMachine and RawNode: completes
 * an install whose marker is durable, and discards staging rows nothing refers to.
 */
export function recoverSnapshotInstall(storage: Storage, groupId: number): RecoveryResult {
  const raw = storage.get('raft_state', installMarkerKey(groupId));
  let rolledForward: number | null = null;
  if (raw !== undefined) {
    const marker = decodeMarker(raw);
    rollForward(storage, groupId, marker);
    rolledForward = marker.index;
  }
  const bounds = groupStagingBounds(groupId);
  const it = storage.iterator('default', { ...bounds, limit: 1 });
  let discardedStaging = false;
  try {
    discardedStaging = it.nextBatch(1).length > 0;
  } finally {
    it.close();
  }
  if (discardedStaging) {
    storage.clearRange('default', bounds.gte, bounds.lt);
    // Make the discard durable now so a later staging id cannot meet stale rows.
    const b = storage.batch();
    b.del('default', bounds.gte);
    storage.write(b, { sync: true });
  }
  return { rolledForward, discardedStaging };
}
