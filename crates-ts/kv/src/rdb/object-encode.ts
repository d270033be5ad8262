/**
 * Encodes a value as the object of a DUMP payload, in the encoding Redis 7.0 would have for it
 * (rdbSaveObjectType / rdbSaveObject), so that Redis restores it with the same encoding:
 *
 *   string                 RDB_TYPE_STRING (integer and LZF forms as rdbSaveRawString)
 *   list                   RDB_TYPE_LIST_QUICKLIST_2: listpack nodes split as RPUSH fills them
 *                          with list-max-listpack-size -2 (8 KB), plain nodes for elements of 1 GB+
 *   set                    RDB_TYPE_SET_INTSET or RDB_TYPE_SET
 *   hash                   RDB_TYPE_HASH_LISTPACK or RDB_TYPE_HASH
 *   sorted set             RDB_TYPE_ZSET_LISTPACK or RDB_TYPE_ZSET_2 (binary doubles, highest
 *                          score first as Redis writes a skiplist)
 */
import { formatScore } from '../score-codec.js';
import { encodeIntset } from './intset.js';
import { ListpackBuilder } from './listpack.js';
import { RdbType } from './payload.js';
import type { RdbWriter } from './rdb-io.js';

/** quicklist.c: list-max-listpack-size -2 is 8 KB per node (optimization_level[1]). */
const QUICKLIST_NODE_MAX_BYTES = 8192;
/** quicklist.c SIZE_ESTIMATE_OVERHEAD: added to an element's size when deciding to fill a node. */
const QUICKLIST_ELEMENT_OVERHEAD_BYTES = 8;
/** quicklist.c packed_threshold: an element this large gets a plain node of its own. */
const QUICKLIST_PLAIN_MIN_BYTES = 1 << 30;
const CONTAINER_PLAIN = 1;
const CONTAINER_PACKED = 2;
/** double2ll: doubles up to 2^62 in magnitude with no fraction are stored as integers. */
const SCORE_AS_INTEGER_MAX = 2 ** 62;

export function encodeString(w: RdbWriter, value: Buffer): void {
  w.byte(RdbType.String);
  w.string(value);
}

type Node = { plain: Buffer } | { packed: ListpackBuilder };

/** The nodes RPUSH of `items` into an empty quicklist would build (quicklistPushTail). */
function quicklistNodes(items: readonly Buffer[]): Node[] {
  const nodes: Node[] = [];
  let tail: ListpackBuilder | null = null;
  for (const item of items) {
    if (item.length >= QUICKLIST_PLAIN_MIN_BYTES) {
      nodes.push({ plain: item });
      tail = null;
      continue;
    }
    const fits =
      tail !== null &&
      tail.totalBytes + item.length + QUICKLIST_ELEMENT_OVERHEAD_BYTES <= QUICKLIST_NODE_MAX_BYTES;
    if (!fits) {
      tail = new ListpackBuilder();
      nodes.push({ packed: tail });
    }
    tail!.append(item);
  }
  return nodes;
}

export function encodeList(w: RdbWriter, items: readonly Buffer[]): void {
  w.byte(RdbType.ListQuicklist2);
  const nodes = quicklistNodes(items);
  w.len(nodes.length);
  for (const node of nodes) {
    if ('plain' in node) {
      w.len(CONTAINER_PLAIN);
      w.string(node.plain);
    } else {
      w.len(CONTAINER_PACKED);
      w.string(node.packed.finish());
    }
  }
}

/** `intset`: every member is an integer (and there are few enough): RDB_TYPE_SET_INTSET. */
export function encodeSet(w: RdbWriter, members: readonly Buffer[], intset: boolean): void {
  if (intset) {
    w.byte(RdbType.SetIntset);
    w.string(encodeIntset(members.map((m) => BigInt(m.toString('latin1')))));
    return;
  }
  w.byte(RdbType.Set);
  w.len(members.length);
  for (const m of members) w.string(m);
}

/** Fields and values in the hash's order (insertion order for a listpack). */
export function encodeHash(
  w: RdbWriter,
  fields: readonly Buffer[],
  values: readonly Buffer[],
  listpack: boolean,
): void {
  if (listpack) {
    w.byte(RdbType.HashListpack);
    const lp = new ListpackBuilder();
    for (let i = 0; i < fields.length; i++) {
      lp.append(fields[i]!);
      lp.append(values[i]!);
    }
    w.string(lp.finish());
    return;
  }
  w.byte(RdbType.Hash);
  w.len(fields.length);
  for (let i = 0; i < fields.length; i++) {
    w.string(fields[i]!);
    w.string(values[i]!);
  }
}

/** Members in ascending (score, member) order. */
export function encodeZset(
  w: RdbWriter,
  members: readonly Buffer[],
  scores: readonly number[],
  listpack: boolean,
): void {
  if (listpack) {
    w.byte(RdbType.ZsetListpack);
    const lp = new ListpackBuilder();
    for (let i = 0; i < members.length; i++) {
      lp.append(members[i]!);
      appendScore(lp, scores[i]!);
    }
    w.string(lp.finish());
    return;
  }
  w.byte(RdbType.Zset2);
  w.len(members.length);
  for (let i = members.length - 1; i >= 0; i--) {
    w.string(members[i]!);
    w.binaryDouble(scores[i]!);
  }
}

/** zzlInsertAt: an integral score within 2^62 as an integer entry, anything else as %.17g. */
function appendScore(lp: ListpackBuilder, score: number): void {
  if (Number.isInteger(score) && Math.abs(score) <= SCORE_AS_INTEGER_MAX) lp.appendInteger(BigInt(score));
  else lp.append(Buffer.from(formatScore(score), 'latin1'));
}
