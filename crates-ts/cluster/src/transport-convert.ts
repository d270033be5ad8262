/**
 * Conversions between the Raft core's message types (@seshat/raft messages.ts) and the
 * code generated from proto/raft.proto. The two mirror each other field for field with
 * the same enum numbers, so these are plain copies; the differences are bytes (core:
 * Uint8Array, generated: Buffer; converted without copying), absent sub-messages (core:
 * null / defaults, generated: undefined) and validation of enum values arriving from a
 * peer (a newer peer may send a type this node does not know).
 */
import {
  type ConfState,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  type Entry,
  type Message,
  type MessageType,
  type Snapshot,
  type SnapshotMetadata,
} from '@seshat/raft';
import type * as pb from './gen/raft.js';

/** Highest MessageType value this node understands (MessageType.TransferLeader). */
const MESSAGE_TYPE_MAX = 13;
/** Highest EntryType value this node understands (EntryType.ConfChangeV2). */
const ENTRY_TYPE_MAX = 2;

/** A Buffer view of the same bytes (no copy); the generated code types bytes as Buffer. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function confStateToProto(cs: ConfState): pb.ConfState {
  return { voters: cs.voters.slice(), learners: cs.learners.slice(), removed: cs.removed.slice() };
}

export function confStateFromProto(cs: pb.ConfState | undefined): ConfState {
  if (cs === undefined) return EMPTY_CONF_STATE;
  return { voters: cs.voters, learners: cs.learners, removed: cs.removed };
}

export function metadataToProto(md: SnapshotMetadata): pb.SnapshotMetadata {
  return { index: md.index, term: md.term, confState: confStateToProto(md.confState) };
}

export function metadataFromProto(md: pb.SnapshotMetadata | undefined): SnapshotMetadata {
  if (md === undefined) return { index: 0, term: 0, confState: EMPTY_CONF_STATE };
  return { index: md.index, term: md.term, confState: confStateFromProto(md.confState) };
}

function snapshotToProto(s: Snapshot): pb.Snapshot {
  return { metadata: metadataToProto(s.metadata), data: asBuffer(s.data) };
}

function snapshotFromProto(s: pb.Snapshot): Snapshot {
  return { metadata: metadataFromProto(s.metadata), data: s.data };
}

/**
 * Core entries as generated entries. Entries whose data is already a Buffer (the usual
 * case: they come from RocksDB or a decoded frame) have the generated shape exactly, so
 * the array is passed through without allocation.
 */
function entriesToProto(entries: readonly Entry[]): pb.Entry[] {
  let allBuffers = true;
  for (let i = 0; i < entries.length; i++) {
    if (!Buffer.isBuffer(entries[i]!.data)) {
      allBuffers = false;
      break;
    }
  }
  if (allBuffers) return entries as unknown as pb.Entry[];
  const out: pb.Entry[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    out[i] = { term: e.term, index: e.index, type: e.type as number as pb.EntryType, data: asBuffer(e.data) };
  }
  return out;
}

export function messageToProto(m: Message): pb.Message {
  return {
    groupId: m.groupId,
    type: m.type as number as pb.MessageType,
    to: m.to,
    from: m.from,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: entriesToProto(m.entries),
    commit: m.commit,
    snapshot: m.snapshot === null ? undefined : snapshotToProto(m.snapshot),
    reject: m.reject,
    rejectHint: m.rejectHint,
    context: asBuffer(m.context),
    readRound: m.readRound,
    quiesce: m.quiesce,
  };
}

/**
 * A decoded message as a core message, or null if it carries a message or entry type
 * this node does not know (the caller drops and counts it). Decoded entries already
 * have the core shape (data: Buffer is a Uint8Array) and are reused as they are.
 */
export function messageFromProto(p: pb.Message): Message | null {
  const type = p.type as number;
  if (!(type >= 1 && type <= MESSAGE_TYPE_MAX)) return null;
  const entries = p.entries;
  for (let i = 0; i < entries.length; i++) {
    const t = entries[i]!.type as number;
    if (!(t >= 0 && t <= ENTRY_TYPE_MAX)) return null;
  }
  return {
    groupId: p.groupId,
    type: type as MessageType,
    to: p.to,
    from: p.from,
    term: p.term,
    logTerm: p.logTerm,
    index: p.index,
    entries: entries as unknown as Entry[],
    commit: p.commit,
    snapshot: p.snapshot === undefined ? null : snapshotFromProto(p.snapshot),
    reject: p.reject,
    rejectHint: p.rejectHint,
    context: p.context.length === 0 ? EMPTY_BYTES : p.context,
    readRound: p.readRound,
    quiesce: p.quiesce,
  };
}

// Upper bounds of encoded sizes (protobuf: tag <= 2 bytes here, varint <= 10 bytes,
// length prefix <= 5 bytes). Frames are cut on these bounds, so a frame never exceeds
// maxMessageBytes however the values happen to encode.
const VARINT_FIELD_MAX_BYTES = 11;
const LENGTH_PREFIX_MAX_BYTES = 6;
/** 12 scalar fields of Message plus the context's prefix and the message's own prefix. */
const MESSAGE_FIXED_MAX_BYTES = 12 * VARINT_FIELD_MAX_BYTES + 3 * LENGTH_PREFIX_MAX_BYTES;
/** term, index, type and the data prefix of an Entry, plus the entry's own prefix. */
const ENTRY_FIXED_MAX_BYTES = 3 * VARINT_FIELD_MAX_BYTES + 2 * LENGTH_PREFIX_MAX_BYTES;
/** Prefixes of snapshot, metadata, conf state, data and the 3 packed id lists; index/term. */
const SNAPSHOT_FIXED_MAX_BYTES = 2 * VARINT_FIELD_MAX_BYTES + 8 * LENGTH_PREFIX_MAX_BYTES;
/** StreamRequest and RaftMessageBatch envelopes (prefixes, from_node, to_node). */
export const FRAME_OVERHEAD_MAX_BYTES = 2 * VARINT_FIELD_MAX_BYTES + 2 * LENGTH_PREFIX_MAX_BYTES;

/** An upper bound of the bytes `p` adds to a frame (its encoding plus its length prefix). */
export function messageSizeBoundBytes(p: pb.Message): number {
  let n = MESSAGE_FIXED_MAX_BYTES + p.context.length;
  const entries = p.entries;
  for (let i = 0; i < entries.length; i++) n += ENTRY_FIXED_MAX_BYTES + entries[i]!.data.length;
  const s = p.snapshot;
  if (s !== undefined) {
    n += SNAPSHOT_FIXED_MAX_BYTES + s.data.length;
    const cs = s.metadata?.confState;
    if (cs !== undefined) {
      n += (cs.voters.length + cs.learners.length + cs.removed.length) * VARINT_FIELD_MAX_BYTES;
    }
  }
  return n;
}
