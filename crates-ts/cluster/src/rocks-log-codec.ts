/**
 * Keys and binary values of a Raft group's durable state in RocksDB (RocksLogStorage).
 *
 *   raft_log    group(4) index(8)      -> entry:     format(1)=1 type(1) term(8) data
 *   raft_state  group(4) "hard"        -> hard:      format(1)=1 term(8) vote(8) commit(8)
 *   raft_state  group(4) "conf"        -> conf:      format(1)=1 confState
 *   raft_state  group(4) "snapmeta"    -> snapshot:  format(1)=1 index(8) term(8) confState dataLen(4) data
 *   raft_state  group(4) "trunc"       -> log base:  format(1)=1 index(8) term(8)
 *
 *   confState = nVoters(4) id(8)* nLearners(4) id(8)* nRemoved(4) id(8)*
 *
 * Integers are big-endian (byte order = numeric order in keys). uint64 fields hold JS
 * numbers below 2^53 (the Raft core asserts that bound where ids, terms and indexes grow).
 * Every value starts with a format byte so a later version can change the layout and still
 * read the old one. A value that does not decode is a corrupt disk or a programmer error:
 * it fails an assertion (crash), it is never skipped.
 *
 * "trunc" (the compacted log's base, like CockroachDB's RaftTruncatedState) is needed
 * beside "snapmeta" because compact(i) may stop below the snapshot index: firstIndex - 1
 * and its term are then not the snapshot's.
 */
import { assert } from '@seshat/common';
import type { ConfState, Entry, EntryType, HardState, SnapshotMetadata } from '@seshat/raft';

export const LOG_VALUE_FORMAT = 1;
/** Bytes of an entry value before its data. */
export const ENTRY_HEADER_BYTES = 10;
export const LOG_KEY_BYTES = 12;
const TWO_32 = 0x1_0000_0000;

export function writeU64(buf: Buffer, value: number, offset: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, `u64 out of range: ${value}`);
  buf.writeUInt32BE(Math.floor(value / TWO_32), offset);
  buf.writeUInt32BE(value >>> 0, offset + 4);
}

export function readU64(buf: Buffer, offset: number): number {
  const hi = buf.readUInt32BE(offset);
  assert(hi < 0x20_0000, 'u64 beyond 2^53');
  return hi * TWO_32 + buf.readUInt32BE(offset + 4);
}

export function groupPrefix(groupId: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(groupId, 0);
  return b;
}

export function logKey(groupId: number, index: number): Buffer {
  const b = Buffer.allocUnsafe(LOG_KEY_BYTES);
  b.writeUInt32BE(groupId, 0);
  writeU64(b, index, 4);
  return b;
}

export function logKeyIndex(key: Buffer): number {
  assert(key.length === LOG_KEY_BYTES, `raft_log key of ${key.length} bytes`);
  return readU64(key, 4);
}

/** `group(4) suffix` in raft_state. */
export function stateKey(groupId: number, suffix: string): Buffer {
  const b = Buffer.allocUnsafe(4 + suffix.length);
  b.writeUInt32BE(groupId, 0);
  b.write(suffix, 4, 'latin1');
  return b;
}

export function encodeEntry(entry: Entry): Buffer {
  const data = entry.data;
  const out = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + data.byteLength);
  out[0] = LOG_VALUE_FORMAT;
  out[1] = entry.type;
  writeU64(out, entry.term, 2);
  out.set(data, ENTRY_HEADER_BYTES);
  return out;
}

/** The entry at `index` from its stored value; `data` is a view into `value`. */
export function decodeEntry(index: number, value: Buffer): Entry {
  assert(value.length >= ENTRY_HEADER_BYTES && value[0] === LOG_VALUE_FORMAT, `raft_log ${index}: bad value`);
  const type = value[1]!;
  assert(type <= 2, `raft_log ${index}: unknown entry type ${type}`);
  return {
    term: readU64(value, 2),
    index,
    type: type as EntryType,
    data: value.subarray(ENTRY_HEADER_BYTES),
  };
}

export function encodeHardState(hs: HardState): Buffer {
  const out = Buffer.allocUnsafe(25);
  out[0] = LOG_VALUE_FORMAT;
  writeU64(out, hs.term, 1);
  writeU64(out, hs.vote, 9);
  writeU64(out, hs.commit, 17);
  return out;
}

export function decodeHardState(value: Buffer): HardState {
  assert(value.length === 25 && value[0] === LOG_VALUE_FORMAT, 'raft_state hard: bad value');
  return { term: readU64(value, 1), vote: readU64(value, 9), commit: readU64(value, 17) };
}

export function confStateBytes(cs: ConfState): number {
  return 12 + 8 * (cs.voters.length + cs.learners.length + cs.removed.length);
}

/** Writes `cs` at `offset`; returns the offset after it. */
export function writeConfState(out: Buffer, cs: ConfState, offset: number): number {
  let o = offset;
  for (const ids of [cs.voters, cs.learners, cs.removed]) {
    out.writeUInt32BE(ids.length, o);
    o += 4;
    for (const id of ids) {
      writeU64(out, id, o);
      o += 8;
    }
  }
  return o;
}

/** Reads a ConfState at `offset`; returns it and the offset after it. Asserts bounds. */
export function readConfState(buf: Buffer, offset: number): { confState: ConfState; end: number } {
  let o = offset;
  const lists: number[][] = [];
  for (let l = 0; l < 3; l++) {
    assert(o + 4 <= buf.length, 'conf state: truncated');
    const n = buf.readUInt32BE(o);
    o += 4;
    assert(o + 8 * n <= buf.length, 'conf state: truncated');
    const ids: number[] = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = readU64(buf, o + 8 * i);
    o += 8 * n;
    lists.push(ids);
  }
  return { confState: { voters: lists[0]!, learners: lists[1]!, removed: lists[2]! }, end: o };
}

export function encodeConfState(cs: ConfState): Buffer {
  const out = Buffer.allocUnsafe(1 + confStateBytes(cs));
  out[0] = LOG_VALUE_FORMAT;
  writeConfState(out, cs, 1);
  return out;
}

export function decodeConfState(value: Buffer): ConfState {
  assert(value.length >= 1 && value[0] === LOG_VALUE_FORMAT, 'raft_state conf: bad value');
  const { confState, end } = readConfState(value, 1);
  assert(end === value.length, 'raft_state conf: trailing bytes');
  return confState;
}

export function encodeSnapshotMeta(meta: SnapshotMetadata, data: Uint8Array): Buffer {
  const confBytes = confStateBytes(meta.confState);
  const out = Buffer.allocUnsafe(17 + confBytes + 4 + data.byteLength);
  out[0] = LOG_VALUE_FORMAT;
  writeU64(out, meta.index, 1);
  writeU64(out, meta.term, 9);
  let o = writeConfState(out, meta.confState, 17);
  out.writeUInt32BE(data.byteLength, o);
  o += 4;
  out.set(data, o);
  return out;
}

export function decodeSnapshotMeta(value: Buffer): { metadata: SnapshotMetadata; data: Uint8Array } {
  assert(value.length >= 17 && value[0] === LOG_VALUE_FORMAT, 'raft_state snapmeta: bad value');
  const index = readU64(value, 1);
  const term = readU64(value, 9);
  const { confState, end } = readConfState(value, 17);
  assert(end + 4 <= value.length, 'raft_state snapmeta: truncated');
  const dataLen = value.readUInt32BE(end);
  assert(end + 4 + dataLen === value.length, 'raft_state snapmeta: bad data length');
  return { metadata: { index, term, confState }, data: value.subarray(end + 4) };
}

export function encodeTrunc(index: number, term: number): Buffer {
  const out = Buffer.allocUnsafe(17);
  out[0] = LOG_VALUE_FORMAT;
  writeU64(out, index, 1);
  writeU64(out, term, 9);
  return out;
}

export function decodeTrunc(value: Buffer): { index: number; term: number } {
  assert(value.length === 17 && value[0] === LOG_VALUE_FORMAT, 'raft_state trunc: bad value');
  return { index: readU64(value, 1), term: readU64(value, 9) };
}
