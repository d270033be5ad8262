/**
 * Storage of streams (see docs/storage.md). The meta record's payload holds the stream's
 * counters; entries live in column family `stream`, one row per entry, keyed by the
 * collection's element prefix and the 16-byte ID, so key order is ID order:
 *
 *   meta    type=Stream ... version   length(8) lastId(16) firstId(16) maxDeletedId(16)
 *                                     entriesAdded(8) groups(8) nodes(8) tailNode(16)
 *   stream  slot(2) keylen(4) db(1) userkey version(8) ms(8) seq(8)  -> fields (entryCodec)
 *   sub     ...version 'N' masterId(16)                              -> node (see below)
 *
 * Redis keeps a stream as a radix tree of listpack "nodes" of up to stream-node-max-entries
 * entries (or stream-node-max-bytes); `~` trimming drops whole nodes only, LIMIT counts
 * entries of whole nodes, and XINFO reports the node count. So that those replies match, Seshat
 * keeps one small record per node: its live and deleted entry counts, the bytes its listpack
 * would have (listpack-size.ts), its last entry's ID and its master fields. An entry belongs to
 * the node with the greatest master ID at or below its own. Deleted entries have no row;
 * only the node counts remember them. Consumer groups live in `sub` too (stream-groups.ts).
 */
import { assert, SeshatError, ERR_WRONGTYPE } from '@seshat/common';
import { elementPrefix, metaVersion, prefixEnd } from './collection.js';
import type { Ctx } from './ctx.js';
import { LISTPACK_EMPTY_BYTES, lpIntBytes, lpSmallIntBytes, lpStringBytes } from './listpack-size.js';
import { KeyType, META_HEADER_BYTES, metaType } from './meta.js';
import {
  compareIds,
  MAX_ID,
  prevId,
  readId,
  STREAM_ID_BYTES,
  type StreamId,
  writeId,
  ZERO_ID,
} from './stream-id.js';

/** Payload offsets after the meta header. */
const P_LENGTH = 0;
const P_LAST = 8;
const P_FIRST = 24;
const P_MAX_DELETED = 40;
const P_ENTRIES_ADDED = 56;
const P_GROUPS = 64;
const P_NODES = 72;
const P_TAIL = 80;
const PAYLOAD_BYTES = 96;

/** Redis's STREAM_LISTPACK_MAX_SIZE: the largest listpack, and the largest entry. */
export const STREAM_LISTPACK_MAX_BYTES = 1 << 30;
/** Rows read per iterator call while scanning entries. */
const SCAN_BATCH_ROWS = 256;
/** Node records read by a node scan's first iterator call. */
const NODE_FIRST_BATCH_ROWS = 4;

/** Tags of the stream's records in `sub` (after its element prefix). */
export const NODE_TAG = 0x4e; // 'N'

/** Node limits from the configuration (stream-node-max-entries, stream-node-max-bytes). */
export interface StreamNodeLimits {
  maxEntries: number;
  maxBytes: number;
}

export interface StreamMeta {
  length: number;
  lastId: StreamId;
  firstId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: bigint;
  groups: number;
  nodes: number;
  tailNode: StreamId;
}

/** A stream opened by a command: its keys, record and decoded counters. */
export interface StreamHandle {
  readonly mk: Buffer;
  /** The meta record when opened (undefined when this command created the stream). */
  readonly old: Buffer | undefined;
  readonly raw: Buffer;
  /** Element prefix (slot, key, version): entries in `stream`, nodes and groups in `sub`. */
  readonly prefix: Buffer;
  readonly meta: StreamMeta;
}

// ---- meta record ---------------------------------------------------------------------------

function decodeStreamMeta(raw: Buffer): StreamMeta {
  assert(raw.length >= META_HEADER_BYTES + PAYLOAD_BYTES, 'stream meta record too short');
  const p = META_HEADER_BYTES;
  return {
    length: Number(raw.readBigUInt64BE(p + P_LENGTH)),
    lastId: readId(raw, p + P_LAST),
    firstId: readId(raw, p + P_FIRST),
    maxDeletedId: readId(raw, p + P_MAX_DELETED),
    entriesAdded: raw.readBigUInt64BE(p + P_ENTRIES_ADDED),
    groups: Number(raw.readBigUInt64BE(p + P_GROUPS)),
    nodes: Number(raw.readBigUInt64BE(p + P_NODES)),
    tailNode: readId(raw, p + P_TAIL),
  };
}

function encodeStreamMeta(base: Buffer, m: StreamMeta): Buffer {
  assert(m.length >= 0 && m.nodes >= 0 && m.groups >= 0, 'negative stream counter');
  const out = Buffer.allocUnsafe(META_HEADER_BYTES + PAYLOAD_BYTES);
  base.copy(out, 0, 0, META_HEADER_BYTES);
  const p = META_HEADER_BYTES;
  out.writeBigUInt64BE(BigInt(m.length), p + P_LENGTH);
  writeId(out, p + P_LAST, m.lastId);
  writeId(out, p + P_FIRST, m.firstId);
  writeId(out, p + P_MAX_DELETED, m.maxDeletedId);
  out.writeBigUInt64BE(m.entriesAdded, p + P_ENTRIES_ADDED);
  out.writeBigUInt64BE(BigInt(m.groups), p + P_GROUPS);
  out.writeBigUInt64BE(BigInt(m.nodes), p + P_NODES);
  writeId(out, p + P_TAIL, m.tailNode);
  return out;
}

function handleOf(mk: Buffer, raw: Buffer, old: Buffer | undefined): StreamHandle {
  return { mk, old, raw, prefix: elementPrefix(mk, metaVersion(raw)), meta: decodeStreamMeta(raw) };
}

/** The stream at `mk`, undefined if absent; WRONGTYPE for another type. Counts keyspace hits
 * and misses when `read`. */
export function openStream(ctx: Ctx, mk: Buffer, read = true): StreamHandle | undefined {
  const raw = read ? ctx.lookupRead(mk) : ctx.lookup(mk);
  if (raw === undefined) return undefined;
  if (metaType(raw) !== KeyType.Stream) throw new SeshatError('WRONGTYPE', ERR_WRONGTYPE);
  return handleOf(mk, raw, raw);
}

/** A new empty stream at `mk` (not yet stored: see saveStream). */
export function newStream(ctx: Ctx, mk: Buffer): StreamHandle {
  const raw = Buffer.alloc(META_HEADER_BYTES + PAYLOAD_BYTES);
  raw[0] = KeyType.Stream;
  raw.writeBigUInt64BE(ctx.newVersion(), 10);
  return handleOf(mk, raw, undefined);
}

/**
 * Stores the stream's counters. `modified`: the change is one Redis signals to WATCH
 * (signalModifiedKey: XADD, XDEL, XTRIM, creation); group bookkeeping is not. Empty streams are
 * kept, as in Redis.
 */
export function saveStream(ctx: Ctx, s: StreamHandle, modified: boolean): void {
  const raw = encodeStreamMeta(s.raw, s.meta);
  const touched = ctx.touched;
  const before = touched === null ? 0 : touched.length;
  ctx.putMeta(s.mk, raw, s.old);
  if (!modified && s.old !== undefined && touched !== null) touched.length = before;
}

// ---- entries -------------------------------------------------------------------------------

/** Entry fields: count(4) then len(4) bytes for each field and value, alternating. */
export function encodeFields(items: readonly Buffer[], from = 0, to = items.length): Buffer {
  let size = 4;
  for (let i = from; i < to; i++) size += 4 + items[i]!.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(to - from, 0);
  let at = 4;
  for (let i = from; i < to; i++) {
    const item = items[i]!;
    out.writeUInt32BE(item.length, at);
    item.copy(out, at + 4);
    at += 4 + item.length;
  }
  return out;
}

export function decodeFields(buf: Buffer): Buffer[] {
  const n = buf.readUInt32BE(0);
  const out: Buffer[] = new Array(n);
  let at = 4;
  for (let i = 0; i < n; i++) {
    const len = buf.readUInt32BE(at);
    out[i] = buf.subarray(at + 4, at + 4 + len);
    at += 4 + len;
  }
  assert(at === buf.length, 'stream entry record has trailing bytes');
  return out;
}

export function entryKey(s: StreamHandle, id: StreamId): Buffer {
  const out = Buffer.allocUnsafe(s.prefix.length + STREAM_ID_BYTES);
  s.prefix.copy(out, 0);
  writeId(out, s.prefix.length, id);
  return out;
}

/** The fields of entry `id`, undefined if there is no such (live) entry. */
export function getEntry(ctx: Ctx, s: StreamHandle, id: StreamId): Buffer[] | undefined {
  const v = ctx.store.get('stream', entryKey(s, id));
  return v === undefined ? undefined : decodeFields(v);
}

/**
 * Visits live entries with IDs in [start, end], ascending (or descending when `rev`), until
 * `visit` returns false; `limit` (0: none) is how many it will want at most. `fields` is the
 * encoded record (decodeFields). The range is first narrowed to [first ID, last ID]: every live
 * entry lies there, and the rows of entries deleted from the head (a queue's usual life) lie
 * before it, where RocksDB would have to step over their tombstones on every scan.
 */
export function scanEntries(
  ctx: Ctx,
  s: StreamHandle,
  start: StreamId,
  end: StreamId,
  rev: boolean,
  visit: (id: StreamId, fields: Buffer) => boolean,
  limit = 0,
): void {
  const m = s.meta;
  if (m.length === 0) return;
  const lo = compareIds(start, m.firstId) < 0 ? m.firstId : start;
  const hi = compareIds(end, m.lastId) > 0 ? m.lastId : end;
  if (compareIds(lo, hi) > 0) return;
  const range = {
    gte: entryKey(s, lo),
    lte: entryKey(s, hi),
    reverse: rev,
    limit: limit > 0 ? limit : undefined,
  };
  const batch = limit > 0 ? Math.min(limit, SCAN_BATCH_ROWS) : SCAN_BATCH_ROWS;
  const it = ctx.store.iterator('stream', range);
  const at = s.prefix.length;
  try {
    for (let rows = it.nextBatch(batch); rows.length > 0; rows = it.nextBatch(SCAN_BATCH_ROWS)) {
      for (let i = 0; i < rows.length; i += 2) if (!visit(readId(rows[i]!, at), rows[i + 1]!)) return;
    }
  } finally {
    it.close();
  }
}

/** The first (or last) live entry's ID, null when there is none. */
export function edgeId(ctx: Ctx, s: StreamHandle, last: boolean): StreamId | null {
  let found: StreamId | null = null;
  scanEntries(
    ctx,
    s,
    ZERO_ID,
    MAX_ID,
    last,
    (id) => {
      found = id;
      return false;
    },
    1,
  );
  return found;
}

// ---- nodes ---------------------------------------------------------------------------------

/** One listpack node of Redis's representation (see the header). */
export interface StreamNode {
  master: StreamId;
  live: number;
  deleted: number;
  /** Listpack bytes other than the header, the end byte and the two counters. */
  restBytes: number;
  lastId: StreamId;
  fields: Buffer[];
}

const NODE_FIXED_BYTES = 8 + 8 + 8 + STREAM_ID_BYTES;

export function nodeKey(s: StreamHandle, master: StreamId): Buffer {
  const out = Buffer.allocUnsafe(s.prefix.length + 1 + STREAM_ID_BYTES);
  s.prefix.copy(out, 0);
  out[s.prefix.length] = NODE_TAG;
  writeId(out, s.prefix.length + 1, master);
  return out;
}

function encodeNode(n: StreamNode): Buffer {
  const fields = encodeFields(n.fields);
  const out = Buffer.allocUnsafe(NODE_FIXED_BYTES + fields.length);
  out.writeBigUInt64BE(BigInt(n.live), 0);
  out.writeBigUInt64BE(BigInt(n.deleted), 8);
  out.writeBigUInt64BE(BigInt(n.restBytes), 16);
  writeId(out, 24, n.lastId);
  fields.copy(out, NODE_FIXED_BYTES);
  return out;
}

function decodeNode(master: StreamId, v: Buffer): StreamNode {
  return {
    master,
    live: Number(v.readBigUInt64BE(0)),
    deleted: Number(v.readBigUInt64BE(8)),
    restBytes: Number(v.readBigUInt64BE(16)),
    lastId: readId(v, 24),
    fields: decodeFields(v.subarray(NODE_FIXED_BYTES)),
  };
}

export function putNode(ctx: Ctx, s: StreamHandle, n: StreamNode): void {
  ctx.store.put('sub', nodeKey(s, n.master), encodeNode(n));
}

export function getNode(ctx: Ctx, s: StreamHandle, master: StreamId): StreamNode {
  const v = ctx.store.get('sub', nodeKey(s, master));
  assert(v !== undefined, 'stream node record missing');
  return decodeNode(master, v);
}

/** The bytes Redis's listpack for this node has (lpBytes). */
export function nodeListpackBytes(n: StreamNode): number {
  return LISTPACK_EMPTY_BYTES + lpSmallIntBytes(n.live) + lpSmallIntBytes(n.deleted) + n.restBytes;
}

/** Visits the nodes whose master ID is at or after `from` (ascending; descending from at or
 * before `from` when `rev`) until `visit` returns false; `limit` (0: none) is how many it will
 * want at most. */
export function scanNodes(
  ctx: Ctx,
  s: StreamHandle,
  from: StreamId,
  rev: boolean,
  visit: (n: StreamNode) => boolean,
  limit = 0,
): void {
  const lo = nodeKey(s, rev ? ZERO_ID : from);
  const hi = rev ? nodeKey(s, from) : prefixEnd(nodeKey(s, ZERO_ID).subarray(0, s.prefix.length + 1));
  const max = limit > 0 ? limit : undefined;
  const range = rev ? { gte: lo, lte: hi, reverse: true, limit: max } : { gte: lo, lt: hi, limit: max };
  const it = ctx.store.iterator('sub', range);
  const at = s.prefix.length + 1;
  // Most visits stop after a node or two (trimming from the head, the neighbours of a node).
  const batch = limit > 0 ? Math.min(limit, NODE_FIRST_BATCH_ROWS) : NODE_FIRST_BATCH_ROWS;
  try {
    for (let rows = it.nextBatch(batch); rows.length > 0; rows = it.nextBatch(SCAN_BATCH_ROWS)) {
      for (let i = 0; i < rows.length; i += 2) {
        if (!visit(decodeNode(readId(rows[i]!, at), rows[i + 1]!))) return;
      }
    }
  } finally {
    it.close();
  }
}

/** The node holding entry `id` (the last node with master <= id), null if none. */
export function nodeOf(ctx: Ctx, s: StreamHandle, id: StreamId): StreamNode | null {
  let found: StreamNode | null = null;
  scanNodes(
    ctx,
    s,
    id,
    true,
    (n) => {
      found = n;
      return false;
    },
    1,
  );
  return found;
}

/** Removes a node record; the tail pointer moves to the previous node if it was the tail. */
export function dropNode(ctx: Ctx, s: StreamHandle, n: StreamNode): void {
  ctx.store.del('sub', nodeKey(s, n.master));
  s.meta.nodes--;
  if (s.meta.nodes === 0 || compareIds(n.master, s.meta.tailNode) !== 0) return;
  const before = { ms: n.master.ms, seq: n.master.seq };
  let prev: StreamNode | null = null;
  scanNodes(
    ctx,
    s,
    before,
    true,
    (m) => {
      if (compareIds(m.master, before) === 0) return true;
      prev = m;
      return false;
    },
    2,
  );
  assert(prev !== null, 'stream node count says a node is left but none is');
  s.meta.tailNode = (prev as StreamNode).master;
}

/**
 * The last ID a live entry of node `n` can have: just before the next node's master ID (MAX for
 * the tail). Not `n.lastId`: after XSETID moved the last ID back over deleted entries, the next
 * node may start below the IDs of `n`'s deleted entries (its live ones all come before).
 */
export function nodeEntriesEnd(ctx: Ctx, s: StreamHandle, n: StreamNode): StreamId {
  if (compareIds(n.master, s.meta.tailNode) === 0) return MAX_ID;
  let end: StreamId = MAX_ID;
  scanNodes(
    ctx,
    s,
    n.master,
    false,
    (next) => {
      if (compareIds(next.master, n.master) === 0) return true;
      end = prevId(next.master) ?? ZERO_ID;
      return false;
    },
    2,
  );
  return end;
}

/** Deletes the rows of every live entry of node `n`. */
export function deleteNodeEntries(ctx: Ctx, s: StreamHandle, n: StreamNode): void {
  const keys: Buffer[] = [];
  scanEntries(ctx, s, n.master, nodeEntriesEnd(ctx, s, n), false, (id) => {
    keys.push(entryKey(s, id));
    return true;
  });
  for (const k of keys) ctx.store.del('stream', k);
}

/** Bytes of the master entry after the two counters (num-fields, fields, terminator). */
function masterEntryBytes(fields: readonly Buffer[]): number {
  let b = lpSmallIntBytes(fields.length) + lpSmallIntBytes(0);
  for (const f of fields) b += lpStringBytes(f);
  return b;
}

/** Bytes one entry adds to its node's listpack (streamAppendItem's layout). */
function entryListpackBytes(master: StreamId, id: StreamId, items: readonly Buffer[], same: boolean): number {
  const numFields = items.length / 2;
  let b = lpSmallIntBytes(same ? 2 : 0);
  b += lpIntBytes(BigInt.asIntN(64, id.ms - master.ms)) + lpIntBytes(BigInt.asIntN(64, id.seq - master.seq));
  if (!same) b += lpSmallIntBytes(numFields);
  for (let i = 0; i < items.length; i += 2) {
    if (!same) b += lpStringBytes(items[i]!);
    b += lpStringBytes(items[i + 1]!);
  }
  return b + lpSmallIntBytes(numFields + 3 + (same ? 0 : numFields + 1));
}

function sameFields(master: readonly Buffer[], items: readonly Buffer[]): boolean {
  if (master.length * 2 !== items.length) return false;
  for (let i = 0; i < master.length; i++) if (!master[i]!.equals(items[i * 2]!)) return false;
  return true;
}

/**
 * Appends entry `id` (greater than every ID so far: the caller checked) with `items` (field,
 * value, ...) to the tail node, or to a new node when the tail is full by Redis's rules.
 * Updates length, last ID, first ID and entries-added; the caller saves the stream.
 */
export function appendEntry(
  ctx: Ctx,
  s: StreamHandle,
  id: StreamId,
  items: readonly Buffer[],
  limits: StreamNodeLimits,
): void {
  // Redis appends to the node with the greatest master ID (raxSeek "$"), the tail here.
  let node = s.meta.nodes > 0 ? getNode(ctx, s, s.meta.tailNode) : null;
  if (node !== null && !tailIsFull(node, items, limits) && compareIds(id, node.master) < 0) {
    dropNodesAbove(ctx, s, id);
    node = s.meta.nodes > 0 ? getNode(ctx, s, s.meta.tailNode) : null;
  }
  if (node !== null && tailIsFull(node, items, limits)) node = null;
  if (node === null) {
    const fields: Buffer[] = [];
    for (let i = 0; i < items.length; i += 2) fields.push(items[i]!);
    node = { master: id, live: 0, deleted: 0, restBytes: masterEntryBytes(fields), lastId: id, fields };
    // Below a full tail of deleted entries (XSETID moved the last ID back), the new node sorts
    // first and the tail stays where Redis's "$" finds it.
    if (s.meta.nodes === 0 || compareIds(id, s.meta.tailNode) > 0) s.meta.tailNode = id;
    s.meta.nodes++;
  }
  node.restBytes += entryListpackBytes(node.master, id, items, sameFields(node.fields, items));
  node.live++;
  node.lastId = id;
  putNode(ctx, s, node);
  ctx.store.put('stream', entryKey(s, id), encodeFields(items));
  const m = s.meta;
  m.length++;
  m.entriesAdded++;
  m.lastId = id;
  if (m.length === 1) m.firstId = id;
}

/** streamAppendItem's test for starting a new node. */
function tailIsFull(node: StreamNode, items: readonly Buffer[], limits: StreamNodeLimits): boolean {
  let total = 0;
  for (const it of items) total += it.length;
  let maxBytes = limits.maxBytes;
  if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_BYTES) maxBytes = STREAM_LISTPACK_MAX_BYTES;
  if (nodeListpackBytes(node) + total >= maxBytes) return true;
  return limits.maxEntries > 0 && node.live + node.deleted >= limits.maxEntries;
}

/**
 * Deletes live entry `id` (streamIteratorRemoveEntry): its node counts it as deleted, or goes
 * away with its last live entry. Returns false when there is no such entry. Updates length
 * only; first ID and max deleted ID are the caller's (XDEL's) business.
 */
export function deleteEntry(ctx: Ctx, s: StreamHandle, id: StreamId): boolean {
  const key = entryKey(s, id);
  if (ctx.store.get('stream', key) === undefined) return false;
  ctx.store.del('stream', key);
  const node = nodeOf(ctx, s, id);
  assert(node !== null, 'stream entry outside every node');
  if (node.live === 1) dropNode(ctx, s, node);
  else {
    node.live--;
    node.deleted++;
    putNode(ctx, s, node);
  }
  s.meta.length--;
  return true;
}

/**
 * Removes the nodes whose master ID is above `id`, the ID of a new entry (so above the last ID):
 * their entries are all deleted (exact trimming leaves such nodes) and only XSETID moving the
 * last ID back makes them matter. appendEntry calls it when the tail is one of them and has
 * room: Redis would append the entry inside it, below its master ID, a state in which its own
 * XRANGE returns entries out of order; Seshat drops them instead (XINFO then counts fewer nodes
 * than Redis would).
 */
function dropNodesAbove(ctx: Ctx, s: StreamHandle, id: StreamId): void {
  const doomed: StreamNode[] = [];
  scanNodes(ctx, s, id, false, (n) => {
    if (compareIds(n.master, id) > 0) doomed.push(n);
    return true;
  });
  for (const n of doomed) {
    assert(n.live === 0, 'a node above the last ID holds entries');
    ctx.store.del('sub', nodeKey(s, n.master));
  }
  s.meta.nodes -= doomed.length;
  const tail = s.meta.nodes > 0 ? nodeOf(ctx, s, id) : null;
  s.meta.tailNode = tail === null ? ZERO_ID : tail.master;
}

/** After entries went away from the head: the new first ID (0-0 when empty). */
export function refreshFirstId(ctx: Ctx, s: StreamHandle): void {
  s.meta.firstId = s.meta.length === 0 ? ZERO_ID : (edgeId(ctx, s, false) ?? ZERO_ID);
}
