/**
 * Decodes the object inside a DUMP payload (Redis 7.0 rdbLoadObject) into plain values, for
 * RESTORE to write through the data types' own code. Every encoding Redis 7.0 reads is
 * accepted: strings (verbatim, integer, LZF), lists (quicklist 2 of listpacks and plain nodes,
 * quicklist of ziplists, ziplist, linked list), sets (hashtable, intset), hashes (hashtable,
 * listpack, ziplist, zipmap), sorted sets (skiplist with binary or text doubles, listpack,
 * ziplist), streams (listpacks, both the 7.0 and the older layout: rdb/stream-rdb.ts). Module
 * values have nowhere to go here and are refused like a module Redis has not loaded: "Bad data
 * format".
 *
 * Checks beyond Redis's default shallow ones (sanitize-dump-payload no): every blob is walked
 * in full, duplicates and empty collections are refused, NaN scores are refused. A payload
 * Redis 7.0 writes always passes them.
 */
import { tryParseI64 } from '../args.js';
import { parseLooseDouble } from '../score-codec.js';
import { decodeIntset } from './intset.js';
import { decodeZiplist, decodeZipmap } from './legacy-blobs.js';
import { decodeListpack } from './listpack.js';
import { badFormat, RdbReader } from './rdb-io.js';
import { RdbType } from './payload.js';
import { decodeStream, type StreamDump } from './stream-rdb.js';
import { estimateEntriesRead } from '../stream-dump.js';
import { ENCODING_LIMITS_DEFAULT, type EncodingLimits } from '../encoding-limits.js';

/** Quicklist node containers (quicklist.h). */
const CONTAINER_PLAIN = 1;
const CONTAINER_PACKED = 2;

export type DumpValue =
  | { readonly type: 'string'; readonly value: Buffer }
  | { readonly type: 'list'; readonly items: Buffer[] }
  | { readonly type: 'set'; readonly members: Buffer[] }
  | {
      readonly type: 'hash';
      readonly fields: Buffer[];
      readonly values: Buffer[];
      readonly hashtable: boolean;
    }
  | {
      readonly type: 'zset';
      readonly members: Buffer[];
      readonly scores: number[];
      readonly skiplist: boolean;
    }
  | { readonly type: 'stream'; readonly stream: StreamDump };

/**
 * Decodes the object at the start of `payload[0..end)`; bytes after it are ignored, as in Redis.
 * `lim` decides, as rdbLoadObject does from the server's config, which collections are loaded
 * in their compact encoding (the caller passes the state machine's limits).
 */
export function decodeObject(
  payload: Buffer,
  end: number,
  lim: Readonly<EncodingLimits> = ENCODING_LIMITS_DEFAULT,
): DumpValue {
  const r = new RdbReader(payload, end);
  const type = r.byte();
  switch (type) {
    case RdbType.String:
      return { type: 'string', value: r.string() };
    case RdbType.List:
      return list(readStrings(r, r.count()));
    case RdbType.ListZiplist:
      return list(decodeZiplist(r.string()));
    case RdbType.ListQuicklist:
    case RdbType.ListQuicklist2:
      return list(quicklistItems(r, type === RdbType.ListQuicklist2));
    case RdbType.Set:
      return set(readStrings(r, r.count()));
    case RdbType.SetIntset:
      return set(decodeIntset(r.string()));
    case RdbType.Hash:
      return hashFromDict(r, lim);
    case RdbType.HashListpack:
      return hashFromPairs(decodeListpack(r.string()), lim);
    case RdbType.HashZiplist:
      return hashFromPairs(decodeZiplist(r.string()), lim);
    case RdbType.HashZipmap:
      return hashFromZipmap(decodeZipmap(r.string()), lim);
    case RdbType.Zset:
    case RdbType.Zset2:
      return zsetFromSkiplist(r, type === RdbType.Zset2, lim);
    case RdbType.ZsetListpack:
      return zsetFromPairs(decodeListpack(r.string()), lim);
    case RdbType.ZsetZiplist:
      return zsetFromPairs(decodeZiplist(r.string()), lim);
    case RdbType.StreamListpacks:
    case RdbType.StreamListpacks2:
      return {
        type: 'stream',
        stream: decodeStream(r, type === RdbType.StreamListpacks2, estimateEntriesRead),
      };
    default:
      // Module values, and bytes that are no object type.
      throw badFormat();
  }
}

function readStrings(r: RdbReader, n: number): Buffer[] {
  const out: Buffer[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.string();
  return out;
}

function list(items: Buffer[]): DumpValue {
  if (items.length === 0) throw badFormat();
  return { type: 'list', items };
}

/** Quicklist nodes: listpacks (or ziplists before 7.0) and, in version 2, plain elements. */
function quicklistItems(r: RdbReader, v2: boolean): Buffer[] {
  const nodes = r.count();
  const items: Buffer[] = [];
  for (let i = 0; i < nodes; i++) {
    const container = v2 ? r.len() : CONTAINER_PACKED;
    if (container !== CONTAINER_PACKED && container !== CONTAINER_PLAIN) throw badFormat();
    const data = r.string();
    if (data.length === 0) throw badFormat();
    if (container === CONTAINER_PLAIN) items.push(data);
    else for (const item of v2 ? decodeListpack(data) : decodeZiplist(data)) items.push(item);
  }
  return items;
}

/** Throws on a repeated element (Redis: "Duplicate ... detected"). */
function checkDistinct(elements: readonly Buffer[], step = 1): void {
  const seen = new Set<string>();
  for (let i = 0; i < elements.length; i += step) {
    const k = elements[i]!.toString('latin1');
    if (seen.has(k)) throw badFormat();
    seen.add(k);
  }
}

function set(members: Buffer[]): DumpValue {
  if (members.length === 0) throw badFormat();
  checkDistinct(members);
  return { type: 'set', members };
}

/** RDB_TYPE_HASH: becomes a hashtable past hash-max-listpack-entries fields or with a field or
 * value over hash-max-listpack-value bytes. */
function hashFromDict(r: RdbReader, lim: Readonly<EncodingLimits>): DumpValue {
  const n = r.count();
  const fields: Buffer[] = new Array(n);
  const values: Buffer[] = new Array(n);
  let long = false;
  for (let i = 0; i < n; i++) {
    fields[i] = r.string();
    values[i] = r.string();
    const valueMax = lim.hashMaxListpackValueBytes;
    if (fields[i]!.length > valueMax || values[i]!.length > valueMax) long = true;
  }
  if (n === 0) throw badFormat();
  checkDistinct(fields);
  return { type: 'hash', fields, values, hashtable: long || n > lim.hashMaxListpackEntries };
}

/** Listpack and ziplist hashes: only the field count decides the encoding (as in Redis). */
function hashFromPairs(flat: Buffer[], lim: Readonly<EncodingLimits>): DumpValue {
  if (flat.length === 0 || flat.length % 2 !== 0) throw badFormat();
  checkDistinct(flat, 2);
  const fields: Buffer[] = [];
  const values: Buffer[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    fields.push(flat[i]!);
    values.push(flat[i + 1]!);
  }
  return { type: 'hash', fields, values, hashtable: fields.length > lim.hashMaxListpackEntries };
}

function hashFromZipmap(z: { fields: Buffer[]; values: Buffer[] }, lim: Readonly<EncodingLimits>): DumpValue {
  checkDistinct(z.fields);
  let long = false;
  const valueMax = lim.hashMaxListpackValueBytes;
  for (let i = 0; i < z.fields.length; i++) {
    if (z.fields[i]!.length > valueMax || z.values[i]!.length > valueMax) long = true;
  }
  const hashtable = long || z.fields.length > lim.hashMaxListpackEntries;
  return { type: 'hash', fields: z.fields, values: z.values, hashtable };
}

/** RDB_TYPE_ZSET(_2): a listpack again when small enough, as rdbLoadObject converts it. */
function zsetFromSkiplist(r: RdbReader, binary: boolean, lim: Readonly<EncodingLimits>): DumpValue {
  const n = r.count();
  const members: Buffer[] = new Array(n);
  const scores: number[] = new Array(n);
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    members[i] = r.string();
    scores[i] = binary ? r.binaryDouble() : r.textDouble(parseLooseDouble);
    if (Number.isNaN(scores[i])) throw badFormat();
    maxLen = Math.max(maxLen, members[i]!.length);
  }
  if (n === 0) throw badFormat();
  checkDistinct(members);
  const skiplist = n > lim.zsetMaxListpackEntries || maxLen > lim.zsetMaxListpackValueBytes;
  return { type: 'zset', members, scores, skiplist };
}

/** Listpack and ziplist sorted sets: member, score pairs (scores as integers or text). */
function zsetFromPairs(flat: Buffer[], lim: Readonly<EncodingLimits>): DumpValue {
  if (flat.length === 0 || flat.length % 2 !== 0) throw badFormat();
  checkDistinct(flat, 2);
  const members: Buffer[] = [];
  const scores: number[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    members.push(flat[i]!);
    scores.push(listpackScore(flat[i + 1]!));
  }
  return { type: 'zset', members, scores, skiplist: members.length > lim.zsetMaxListpackEntries };
}

/** zzlGetScore: an integer entry converts exactly; text goes through strtod. */
function listpackScore(text: Buffer): number {
  const asInt = tryParseI64(text);
  const score = asInt !== undefined ? Number(asInt) : parseLooseDouble(text.toString('latin1'));
  if (score === undefined || Number.isNaN(score)) throw badFormat();
  return score;
}
