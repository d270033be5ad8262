/**
 * Byte formats of state-machine snapshot images (sm-snapshot.ts): the descriptor that
 * travels in Raft's Snapshot.data, the image stream, the staging keys and the install
 * marker. Everything big-endian; every record versioned by a format byte.
 *
 * Image stream: one byte stream of records. The writer hands it out in chunks of at most
 * SNAPSHOT_CHUNK_BYTES_MAX; chunk boundaries carry no meaning (records run across them),
 * so a transport may re-cut, coalesce or spool the bytes and the installer accepts any
 * split (lost or reordered bytes fail the structure checks or the digest):
 *
 *   'H' len(4) header   header = format(1)=2 group(4) index(8) term(8) imageId(8)
 *                                appliedLen(2) applied confState nRanges(2) (start(2) end(2))*
 *                                membersLen(4) members
 *   'R' cf(1) keyLen(4) valueLen(4) key value        one row, cf = index into IMAGE_CFS;
 *                                                    per cf in IMAGE_CFS order, keys ascending
 *   'T' rows(8)x5 rowBytes(8) sha256(32)             trailer (one count per IMAGE_CFS); the digest covers every
 *                                                    byte of the stream before it
 *
 * `applied` is the raw `group(4) "applied"` record of raft_state in the image (KV: index(8)
 * lastStampMs(double)), copied verbatim so later fields survive the trip. `members` likewise
 * is the raw `group(4) "members"` record: the server's address book (id -> raft and client
 * addresses) as of `index`, which it writes with every applied membership change. A node whose
 * log was compacted past such a change learns the addresses from the image; the install writes
 * the record with the applied record. Format 1 headers (no members field) are still read, with
 * empty members (the installing node keeps its own address book).
 */
import { assert, SeshatError, type SlotRange, slotRangesProblem } from '@seshat/common';

import type { ConfState } from '@seshat/raft';
import type { ColumnFamily } from '@seshat/storage';
import {
  confStateBytes,
  groupPrefix,
  readConfState,
  readU64,
  stateKey,
  writeConfState,
  writeU64,
} from './rocks-log-codec.js';

export {
  ALL_SLOTS,
  type SlotRange,
  slotInRanges,
  slotRangeBounds,
  slotRangesProblem,
} from '@seshat/common';

/** The column families whose slot ranges make up a KV image, in stream order. */
export const IMAGE_CFS: readonly ColumnFamily[] = ['meta', 'expire', 'sub', 'zscore', 'stream'];
/** Header format written; IMAGE_FORMAT_V1 (without members) is still read. */
export const IMAGE_FORMAT = 2;
export const IMAGE_FORMAT_V1 = 1;
/** Format of the descriptor in Snapshot.data (persisted in "snapmeta": unchanged by v2). */
const DESCRIPTOR_FORMAT = 1;
/** Install marker format written (2 adds members); 1 is still read (crash during an upgrade). */
const MARKER_FORMAT = 2;
/** Largest chunk a writer produces (the default chunk size). */
export const SNAPSHOT_CHUNK_BYTES_MAX = 1024 * 1024;
/** Largest header body: conf states and slot range lists stay far below. */
export const IMAGE_HEADER_BYTES_MAX = 1024 * 1024;
/** Largest row (key + value): a 512 MiB string plus its meta header and key. */
export const IMAGE_ROW_BYTES_MAX = 1024 * 1024 * 1024;
export const TAG_HEADER = 0x48; // 'H'
export const TAG_ROW = 0x52; // 'R'
export const TAG_TRAILER = 0x54; // 'T'
/** Trailer bytes after the tag that the digest covers: row counts per cf + row bytes. */
export const TRAILER_COUNTS_BYTES = 8 * IMAGE_CFS.length + 8;
export const DIGEST_BYTES = 32;

export interface ImageHeader {
  readonly groupId: number;
  readonly index: number;
  readonly term: number;
  /** Distinguishes images captured by one process; 0 never names an image. */
  readonly imageId: number;
  readonly applied: Buffer;
  readonly confState: ConfState;
  readonly slotRanges: readonly SlotRange[];
  /** The raw address-book record as of `index` (see the header comment); empty when none. */
  readonly members: Buffer;
}

/** A bad image from the network: an operating error (the driver aborts and retries). */
export function imageError(message: string): SeshatError {
  return new SeshatError('STORAGE', `snapshot image: ${message}`);
}

export function encodeHeader(h: ImageHeader): Buffer {
  const fixedBytes = 1 + 4 + 8 + 8 + 8 + 2;
  const rangesBytes = 2 + 4 * h.slotRanges.length;
  const size =
    fixedBytes + h.applied.length + confStateBytes(h.confState) + rangesBytes + 4 + h.members.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = IMAGE_FORMAT;
  out.writeUInt32BE(h.groupId, 1);
  writeU64(out, h.index, 5);
  writeU64(out, h.term, 13);
  writeU64(out, h.imageId, 21);
  out.writeUInt16BE(h.applied.length, 29);
  h.applied.copy(out, 31);
  let o = writeConfState(out, h.confState, 31 + h.applied.length);
  out.writeUInt16BE(h.slotRanges.length, o);
  o += 2;
  for (const [s, e] of h.slotRanges) {
    out.writeUInt16BE(s, o);
    out.writeUInt16BE(e, o + 2);
    o += 4;
  }
  out.writeUInt32BE(h.members.length, o);
  h.members.copy(out, o + 4);
  o += 4 + h.members.length;
  assert(o === size, 'image header size mismatch');
  return out;
}

/** Decodes a header from the network; malformed input is an imageError. */
export function decodeHeader(body: Buffer): ImageHeader {
  try {
    const format = body[0];
    if (format !== IMAGE_FORMAT && format !== IMAGE_FORMAT_V1) throw imageError(`unknown format ${format}`);
    const appliedLen = body.readUInt16BE(29);
    const applied = Buffer.from(body.subarray(31, 31 + appliedLen));
    const { confState, end } = readConfState(body, 31 + appliedLen);
    const n = body.readUInt16BE(end);
    const rangesEnd = end + 2 + 4 * n;
    const members = format === IMAGE_FORMAT_V1 ? Buffer.alloc(0) : readMembers(body, rangesEnd);
    const size = format === IMAGE_FORMAT_V1 ? rangesEnd : rangesEnd + 4 + members.length;
    if (size !== body.length) throw imageError('header length mismatch');
    const slotRanges: SlotRange[] = [];
    for (let i = 0; i < n; i++)
      slotRanges.push([body.readUInt16BE(end + 2 + 4 * i), body.readUInt16BE(end + 4 + 4 * i)]);
    const problem = slotRangesProblem(slotRanges);
    if (problem !== null) throw imageError(problem);
    return {
      groupId: body.readUInt32BE(1),
      index: readU64(body, 5),
      term: readU64(body, 13),
      imageId: readU64(body, 21),
      applied,
      confState,
      slotRanges,
      members,
    };
  } catch (err) {
    if (err instanceof SeshatError) throw err;
    throw imageError(`malformed header (${(err as Error).message})`);
  }
}

/** `membersLen(4) members` at `offset` (a copy); a length beyond the body is an imageError. */
function readMembers(body: Buffer, offset: number): Buffer {
  const len = body.readUInt32BE(offset);
  if (offset + 4 + len > body.length) throw imageError('members beyond the header');
  return Buffer.from(body.subarray(offset + 4, offset + 4 + len));
}

/** What a Snapshot's `data` carries: which image of which group, at which point. */
export interface ImageDescriptor {
  readonly groupId: number;
  readonly index: number;
  readonly term: number;
  readonly imageId: number;
}

const DESCRIPTOR_BYTES = 30;
const DESCRIPTOR_KIND = 0x49; // 'I'

export function encodeDescriptor(d: ImageDescriptor): Buffer {
  const out = Buffer.allocUnsafe(DESCRIPTOR_BYTES);
  out[0] = DESCRIPTOR_FORMAT;
  out[1] = DESCRIPTOR_KIND;
  out.writeUInt32BE(d.groupId, 2);
  writeU64(out, d.index, 6);
  writeU64(out, d.term, 14);
  writeU64(out, d.imageId, 22);
  return out;
}

/** The descriptor in a Snapshot's data, or null if the data is not one (e.g. bootstrap data). */
export function decodeDescriptor(data: Uint8Array): ImageDescriptor | null {
  if (data.byteLength !== DESCRIPTOR_BYTES || data[0] !== DESCRIPTOR_FORMAT || data[1] !== DESCRIPTOR_KIND)
    return null;
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { groupId: b.readUInt32BE(2), index: readU64(b, 6), term: readU64(b, 14), imageId: readU64(b, 22) };
}

// --- Staging and the install marker -------------------------------------------------------

/** Staged rows live in `default` under `"snapstage" group(4) stagingId(8) cf(1) key`. */
const STAGING_TAG = Buffer.from('snapstage', 'latin1');

export function stagingPrefix(groupId: number, stagingId: number): Buffer {
  const out = Buffer.allocUnsafe(STAGING_TAG.length + 12);
  STAGING_TAG.copy(out, 0);
  out.writeUInt32BE(groupId, STAGING_TAG.length);
  writeU64(out, stagingId, STAGING_TAG.length + 4);
  return out;
}

/** [gte, lt) of every staging key of `groupId`. */
export function groupStagingBounds(groupId: number): { gte: Buffer; lt: Buffer } {
  const gte = Buffer.concat([STAGING_TAG, groupPrefix(groupId)]);
  return { gte, lt: Buffer.concat([gte, Buffer.alloc(8, 0xff)]) };
}

export function stagingIdOf(key: Buffer): number {
  return readU64(key, STAGING_TAG.length + 4);
}

export function installMarkerKey(groupId: number): Buffer {
  return stateKey(groupId, 'install');
}

export function appliedKey(groupId: number): Buffer {
  return stateKey(groupId, 'applied');
}

/** raft_state key of the server's address book (id -> addresses), written with each applied
 * membership change and carried in images. */
export function membersKey(groupId: number): Buffer {
  return stateKey(groupId, 'members');
}

/** Everything a restart needs to finish an install: persisted before the switch starts. */
export interface InstallMarker {
  readonly stagingId: number;
  readonly index: number;
  readonly term: number;
  /** The applied record to write when the switch completes. */
  readonly applied: Buffer;
  readonly slotRanges: readonly SlotRange[];
  /** The address-book record to write with it; empty: keep the node's own. */
  readonly members: Buffer;
}

export function encodeMarker(m: InstallMarker): Buffer {
  const rangesBytes = 2 + 4 * m.slotRanges.length;
  const out = Buffer.allocUnsafe(1 + 24 + 2 + m.applied.length + rangesBytes + 4 + m.members.length);
  out[0] = MARKER_FORMAT;
  writeU64(out, m.stagingId, 1);
  writeU64(out, m.index, 9);
  writeU64(out, m.term, 17);
  out.writeUInt16BE(m.applied.length, 25);
  m.applied.copy(out, 27);
  let o = 27 + m.applied.length;
  out.writeUInt16BE(m.slotRanges.length, o);
  o += 2;
  for (const [s, e] of m.slotRanges) {
    out.writeUInt16BE(s, o);
    out.writeUInt16BE(e, o + 2);
    o += 4;
  }
  out.writeUInt32BE(m.members.length, o);
  m.members.copy(out, o + 4);
  return out;
}

export function decodeMarker(v: Buffer): InstallMarker {
  const format = v[0];
  assert(format === MARKER_FORMAT || format === 1, `install marker: unknown format ${format}`);
  const appliedLen = v.readUInt16BE(25);
  let o = 27 + appliedLen;
  const n = v.readUInt16BE(o);
  o += 2;
  const slotRanges: SlotRange[] = [];
  for (let i = 0; i < n; i++) slotRanges.push([v.readUInt16BE(o + 4 * i), v.readUInt16BE(o + 4 * i + 2)]);
  o += 4 * n;
  let members = Buffer.alloc(0);
  if (format === MARKER_FORMAT) {
    const len = v.readUInt32BE(o);
    members = Buffer.from(v.subarray(o + 4, o + 4 + len));
    o += 4 + len;
  }
  assert(o === v.length, 'install marker: bad length');
  return {
    stagingId: readU64(v, 1),
    index: readU64(v, 9),
    term: readU64(v, 17),
    applied: Buffer.from(v.subarray(27, 27 + appliedLen)),
    slotRanges,
    members,
  };
}
