/**
 * Streams in DUMP payloads (Redis 7.0 rdb.c rdbSaveObject / rdbLoadObject for OBJ_STREAM):
 *
 *   nodes  { masterId(16-byte string) listpack(string) }*
 *   length lastId(ms seq) [firstId(ms seq) maxDeletedId(ms seq) entriesAdded]   (the [] part:
 *          RDB_TYPE_STREAM_LISTPACKS_2; the older type 15 has none of it)
 *   groups { name lastId(ms seq) [entriesRead] pel{ id(16 raw) deliveryTime(8 LE) count }*
 *            consumers{ name seenTime(8 LE) pel{ id(16 raw) }* }* }*
 *
 * Each node's listpack is Redis's: master entry `count deleted numFields fields... 0`, then per
 * entry `flags msDelta seqDelta [numFields] [fields] values lpCount` (flags: 1 deleted, 2 same
 * fields as the master entry). DUMP writes every node without its deleted entries (their
 * contents are not kept here): Redis restores it as the same entries, only its node fills up
 * later. RESTORE refuses, as "Bad data format", anything Redis's deep validation would, and
 * streams whose entries are out of ID order or outside their node.
 */
import { tryParseI64 } from '../args.js';
import { compareIds, encodeId, readId, STREAM_ID_BYTES, type StreamId, ZERO_ID } from '../stream-id.js';
import { decodeListpack, ListpackBuilder } from './listpack.js';
import { RdbType } from './payload.js';
import { badFormat, type RdbReader, type RdbWriter } from './rdb-io.js';

const FLAG_DELETED = 1;
const FLAG_SAME_FIELDS = 2;
const U64 = 2n ** 64n;
const MAX_ID: StreamId = { ms: U64 - 1n, seq: U64 - 1n };

export interface StreamDumpEntry {
  readonly id: StreamId;
  /** field, value, field, value... */
  readonly items: Buffer[];
}

export interface StreamDumpNode {
  readonly master: StreamId;
  readonly live: number;
  readonly deleted: number;
  /** Bytes of the listpack (what Redis's node-size rule looks at). */
  readonly listpackBytes: number;
  /** Its last entry's ID, deleted or not. */
  readonly lastId: StreamId;
  readonly fields: Buffer[];
  readonly entries: StreamDumpEntry[];
}

export interface StreamDumpNack {
  readonly id: StreamId;
  readonly deliveryTimeMs: number;
  readonly deliveryCount: bigint;
  consumer: Buffer | null;
}

export interface StreamDumpConsumer {
  readonly name: Buffer;
  readonly seenTimeMs: number;
  readonly pel: StreamId[];
}

export interface StreamDumpGroup {
  readonly name: Buffer;
  readonly lastId: StreamId;
  /** -1: unknown. */
  readonly entriesRead: bigint;
  readonly nacks: StreamDumpNack[];
  readonly consumers: StreamDumpConsumer[];
}

export interface StreamDump {
  readonly nodes: StreamDumpNode[];
  readonly length: number;
  readonly lastId: StreamId;
  readonly firstId: StreamId;
  readonly maxDeletedId: StreamId;
  readonly entriesAdded: bigint;
  readonly groups: StreamDumpGroup[];
}

// ---- decoding -------------------------------------------------------------------------------

function int(e: Buffer | undefined): bigint {
  const v = e === undefined ? undefined : tryParseI64(e);
  if (v === undefined) throw badFormat();
  return v;
}

function idPlus(base: StreamId, ms: bigint, seq: bigint): StreamId {
  return { ms: (base.ms + BigInt.asUintN(64, ms)) % U64, seq: (base.seq + BigInt.asUintN(64, seq)) % U64 };
}

/** One node's listpack (streamValidateListpackIntegrity, deep). */
function decodeNode(master: StreamId, lp: Buffer): StreamDumpNode {
  const e = decodeListpack(lp);
  if (e.length === 0) throw badFormat(); // "Empty listpack inside stream"
  const live = Number(int(e[0]));
  const deleted = Number(int(e[1]));
  const nf = Number(int(e[2]));
  if (live < 0 || deleted < 0 || nf < 0 || 3 + nf >= e.length || int(e[3 + nf]) !== 0n) throw badFormat();
  const fields = e.slice(3, 3 + nf);
  const entries: StreamDumpEntry[] = [];
  let lastId = master;
  let seenDeleted = 0;
  let i = 4 + nf;
  while (i < e.length) {
    const flags = int(e[i]);
    const id = idPlus(master, int(e[i + 1]), int(e[i + 2]));
    i += 3;
    const same = (flags & BigInt(FLAG_SAME_FIELDS)) !== 0n;
    const n = same ? nf : Number(int(e[i++]));
    if (n < 0 || i + (same ? n : 2 * n) >= e.length) throw badFormat();
    const items: Buffer[] = [];
    for (let j = 0; j < n; j++) items.push(same ? fields[j]! : e[i++]!, same ? e[i++]! : e[i++]!);
    if (int(e[i++]) !== BigInt(n + 3 + (same ? 0 : n + 1))) throw badFormat();
    lastId = id;
    if ((flags & BigInt(FLAG_DELETED)) !== 0n) seenDeleted++;
    else entries.push({ id, items });
  }
  if (entries.length !== live || seenDeleted !== deleted) throw badFormat();
  return { master, live, deleted, listpackBytes: lp.length, lastId, fields, entries };
}

function readIdPair(r: RdbReader): StreamId {
  return { ms: r.lenBig(), seq: r.lenBig() };
}

/** Live entries strictly ascending, each at or above its node's master and below the next. */
function checkOrder(nodes: StreamDumpNode[], lastId: StreamId): number {
  let prev: StreamId | null = null;
  let live = 0;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k]!;
    if (k > 0 && compareIds(nodes[k - 1]!.master, n.master) >= 0) throw badFormat();
    const next = k + 1 < nodes.length ? nodes[k + 1]!.master : null;
    for (const en of n.entries) {
      if (compareIds(en.id, n.master) < 0 || (next !== null && compareIds(en.id, next) >= 0))
        throw badFormat();
      if (prev !== null && compareIds(prev, en.id) >= 0) throw badFormat();
      prev = en.id;
      live++;
    }
  }
  if (prev !== null && compareIds(prev, lastId) > 0) throw badFormat();
  return live;
}

/** A group's PEL and consumers; every pending entry must end up with exactly one owner. */
function readPel(r: RdbReader, group: { nacks: StreamDumpNack[]; consumers: StreamDumpConsumer[] }): void {
  const byId = new Map<string, StreamDumpNack>();
  for (let n = r.count(); n > 0; n--) {
    const raw = r.bytes(STREAM_ID_BYTES);
    const nack: StreamDumpNack = {
      id: readId(raw, 0),
      deliveryTimeMs: r.millis(),
      deliveryCount: r.lenBig(),
      consumer: null,
    };
    const k = raw.toString('latin1');
    if (byId.has(k)) throw badFormat();
    byId.set(k, nack);
    group.nacks.push(nack);
  }
  const names = new Set<string>();
  for (let c = r.count(); c > 0; c--) {
    const consumer: StreamDumpConsumer = { name: r.string(), seenTimeMs: r.millis(), pel: [] };
    if (names.has(consumer.name.toString('latin1'))) throw badFormat();
    names.add(consumer.name.toString('latin1'));
    for (let n = r.count(); n > 0; n--) {
      const nack = byId.get(r.bytes(STREAM_ID_BYTES).toString('latin1'));
      if (nack === undefined || nack.consumer !== null) throw badFormat();
      nack.consumer = consumer.name;
      consumer.pel.push(nack.id);
    }
    group.consumers.push(consumer);
  }
  if (group.nacks.some((n) => n.consumer === null)) throw badFormat();
}

/** Decodes a stream object (after its type byte) of RDB type 15 or 19. */
export function decodeStream(
  r: RdbReader,
  v2: boolean,
  estimate: (d: StreamDump, id: StreamId) => bigint,
): StreamDump {
  const nodes: StreamDumpNode[] = [];
  for (let n = r.count(); n > 0; n--) {
    const key = r.string();
    if (key.length !== STREAM_ID_BYTES) throw badFormat();
    nodes.push(decodeNode(readId(key, 0), r.string()));
  }
  nodes.sort((a, b) => compareIds(a.master, b.master));
  const length = Number(r.lenBig());
  const lastId = readIdPair(r);
  if (checkOrder(nodes, lastId) !== length) throw badFormat();
  const firstLive = nodes.find((n) => n.entries.length > 0)?.entries[0]?.id;
  const d: StreamDump = v2
    ? {
        nodes,
        length,
        lastId,
        firstId: readIdPair(r),
        maxDeletedId: readIdPair(r),
        entriesAdded: r.lenBig(),
        groups: [],
      }
    : {
        nodes,
        length,
        lastId,
        firstId: firstLive ?? MAX_ID,
        maxDeletedId: ZERO_ID,
        entriesAdded: BigInt(length),
        groups: [],
      };
  const names = new Set<string>();
  for (let g = r.count(); g > 0; g--) {
    const name = r.string();
    const groupLast = readIdPair(r);
    const entriesRead = v2 ? BigInt.asIntN(64, r.lenBig()) : estimate(d, groupLast);
    const group: StreamDumpGroup = { name, lastId: groupLast, entriesRead, nacks: [], consumers: [] };
    if (names.has(name.toString('latin1'))) throw badFormat();
    names.add(name.toString('latin1'));
    readPel(r, group);
    d.groups.push(group);
  }
  return d;
}

// ---- encoding -------------------------------------------------------------------------------

/** The listpack Redis would hold for `node` without its deleted entries. */
function nodeListpack(node: StreamDumpNode): Buffer {
  const lp = new ListpackBuilder();
  const nf = node.fields.length;
  lp.appendInteger(BigInt(node.entries.length));
  lp.appendInteger(0n);
  lp.appendInteger(BigInt(nf));
  for (const f of node.fields) lp.append(f);
  lp.appendInteger(0n);
  for (const en of node.entries) {
    const n = en.items.length / 2;
    let same = n === nf;
    for (let j = 0; same && j < n; j++) same = en.items[2 * j]!.equals(node.fields[j]!);
    lp.appendInteger(BigInt(same ? FLAG_SAME_FIELDS : 0));
    lp.appendInteger(BigInt.asIntN(64, en.id.ms - node.master.ms));
    lp.appendInteger(BigInt.asIntN(64, en.id.seq - node.master.seq));
    if (!same) lp.appendInteger(BigInt(n));
    for (let j = 0; j < n; j++) {
      if (!same) lp.append(en.items[2 * j]!);
      lp.append(en.items[2 * j + 1]!);
    }
    lp.appendInteger(BigInt(n + 3 + (same ? 0 : n + 1)));
  }
  return lp.finish();
}

function writeIdPair(w: RdbWriter, id: StreamId): void {
  w.lenBig(id.ms);
  w.lenBig(id.seq);
}

/** Writes `d` as an RDB_TYPE_STREAM_LISTPACKS_2 object, type byte included. */
export function encodeStream(w: RdbWriter, d: StreamDump): void {
  w.byte(RdbType.StreamListpacks2);
  const nodes = d.nodes.filter((n) => n.entries.length > 0);
  w.len(nodes.length);
  for (const n of nodes) {
    w.string(encodeId(n.master));
    w.string(nodeListpack(n));
  }
  w.lenBig(BigInt(d.length));
  for (const id of [d.lastId, d.firstId, d.maxDeletedId]) writeIdPair(w, id);
  w.lenBig(d.entriesAdded);
  w.len(d.groups.length);
  for (const g of d.groups) {
    w.string(g.name);
    writeIdPair(w, g.lastId);
    w.lenBig(BigInt.asUintN(64, g.entriesRead));
    w.len(g.nacks.length);
    for (const n of g.nacks) {
      w.raw(encodeId(n.id));
      w.millis(n.deliveryTimeMs);
      w.lenBig(n.deliveryCount);
    }
    w.len(g.consumers.length);
    for (const c of g.consumers) {
      w.string(c.name);
      w.millis(c.seenTimeMs);
      w.len(c.pel.length);
      for (const id of c.pel) w.raw(encodeId(id));
    }
  }
}
