/**
 * A stream as DUMP/RESTORE see it (rdb/stream-rdb.ts): read out of the stream's records
 * (stream-store.ts, stream-groups.ts), and written back as a new key by RESTORE, nodes included,
 * so that `~` trimming and XINFO go on as they would in Redis after the same RESTORE.
 */
import type { Ctx } from './ctx.js';
import { lpSmallIntBytes } from './listpack-size.js';
import type { StreamDump, StreamDumpEntry, StreamDumpGroup, StreamDumpNode } from './rdb/stream-rdb.js';
import { LISTPACK_EMPTY_BYTES } from './listpack-size.js';
import { MAX_ID, type StreamId, ZERO_ID } from './stream-id.js';
import { createGroup, getGroup, GroupState, listConsumers, listGroups, scanPel } from './stream-groups.js';
import { distanceFromFirstEver } from './stream-lag.js';
import {
  decodeFields,
  encodeFields,
  entryKey,
  newStream,
  nodeEntriesEnd,
  putNode,
  saveStream,
  scanEntries,
  scanNodes,
  type StreamHandle,
} from './stream-store.js';

function nodeEntries(ctx: Ctx, s: StreamHandle, n: { master: StreamId }, end: StreamId): StreamDumpEntry[] {
  const out: StreamDumpEntry[] = [];
  scanEntries(ctx, s, n.master, end, false, (id, fields) => {
    out.push({ id, items: decodeFields(fields) });
    return true;
  });
  return out;
}

function groupDump(ctx: Ctx, s: StreamHandle, name: Buffer): StreamDumpGroup {
  const g = getGroup(ctx, s, name)!;
  const nacks: StreamDumpGroup['nacks'] = [];
  scanPel(ctx, s, name, null, ZERO_ID, MAX_ID, (n) => {
    nacks.push({
      id: n.id,
      deliveryTimeMs: n.deliveryTimeMs,
      deliveryCount: n.deliveryCount,
      consumer: n.consumer,
    });
    return true;
  });
  const consumers = listConsumers(ctx, s, name).map((c) => {
    const pel: StreamId[] = [];
    scanPel(ctx, s, name, c.name, ZERO_ID, MAX_ID, (n) => {
      pel.push(n.id);
      return true;
    });
    return { name: c.name, seenTimeMs: c.seenTimeMs, pel };
  });
  return { name: g.name, lastId: g.lastId, entriesRead: g.entriesRead, nacks, consumers };
}

/** The stream `s` as a DUMP payload describes it. */
export function readStreamDump(ctx: Ctx, s: StreamHandle): StreamDump {
  const nodes: StreamDumpNode[] = [];
  scanNodes(ctx, s, ZERO_ID, false, (n) => {
    const entries = nodeEntries(ctx, s, n, nodeEntriesEnd(ctx, s, n));
    nodes.push({ ...n, listpackBytes: 0, entries });
    return true;
  });
  const m = s.meta;
  return {
    nodes,
    length: m.length,
    lastId: m.lastId,
    firstId: m.firstId,
    maxDeletedId: m.maxDeletedId,
    entriesAdded: m.entriesAdded,
    groups: listGroups(ctx, s).map((g) => groupDump(ctx, s, g.name)),
  };
}

/** RDB type 15 (before Redis 7.0) has no group read counters: estimated as Redis does. */
export function estimateEntriesRead(d: StreamDump, id: StreamId): bigint {
  const meta = { ...d, groups: 0, nodes: 0, tailNode: ZERO_ID };
  return distanceFromFirstEver(meta, id);
}

/** Writes `d` as the new stream at `mk` (RESTORE; the caller set no record there yet). */
export function writeStreamDump(ctx: Ctx, mk: Buffer, key: Buffer, d: StreamDump): void {
  const s = newStream(ctx, mk);
  const m = s.meta;
  Object.assign(m, { length: d.length, lastId: d.lastId, firstId: d.firstId, maxDeletedId: d.maxDeletedId });
  m.entriesAdded = d.entriesAdded;
  for (const n of d.nodes) {
    const restBytes =
      n.listpackBytes - LISTPACK_EMPTY_BYTES - lpSmallIntBytes(n.live) - lpSmallIntBytes(n.deleted);
    putNode(ctx, s, {
      master: n.master,
      live: n.live,
      deleted: n.deleted,
      restBytes,
      lastId: n.lastId,
      fields: n.fields,
    });
    for (const en of n.entries) ctx.store.put('stream', entryKey(s, en.id), encodeFields(en.items));
  }
  m.nodes = d.nodes.length;
  if (d.nodes.length > 0) m.tailNode = d.nodes[d.nodes.length - 1]!.master;
  for (const g of d.groups) {
    createGroup(ctx, s, g.name, g.lastId, g.entriesRead);
    const gs = new GroupState(ctx, s, getGroup(ctx, s, g.name)!);
    for (const c of g.consumers) gs.createConsumer(c.name, key, false)!.seenTimeMs = c.seenTimeMs;
    for (const n of g.nacks) {
      const owner = gs.consumer(n.consumer!, false)!;
      gs.putNack(
        { id: n.id, deliveryTimeMs: n.deliveryTimeMs, deliveryCount: n.deliveryCount, consumer: owner.name },
        owner,
        null,
      );
    }
    gs.save();
  }
  saveStream(ctx, s, true);
}
