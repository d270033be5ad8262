/**
 * Consumer groups of a stream, stored in `sub` under the stream's element prefix:
 *
 *   'G' name                                   -> lastId(16) entriesRead(8, -1: unknown)
 *                                                 pel(8) consumers(8)
 *   'C' glen(4) group consumer                 -> seenTimeMs(8) pel(8)
 *   'P' glen(4) group id(16)                   -> deliveryTimeMs(8) deliveryCount(8) consumer
 *   'Q' glen(4) group clen(4) consumer id(16)  -> empty (the consumer's own PEL)
 *
 * Byte order of the keys is Redis's rax order: groups and consumers by name, PEL entries by
 * ID. Times come from the entry's stamp (deterministic on every replica); idle times are
 * computed by reads against the serving node's clock. A GroupState holds one group and the
 * consumers a command touched, and writes them back once (`save`).
 */
import { assert } from '@seshat/common';
import { prefixEnd } from './collection.js';
import type { Ctx } from './ctx.js';
import { readId, STREAM_ID_BYTES, type StreamId, writeId } from './stream-id.js';
import type { StreamHandle } from './stream-store.js';

const TAG_GROUP = 0x47; // 'G'
const TAG_CONSUMER = 0x43; // 'C'
const TAG_PEL = 0x50; // 'P'
const TAG_CONSUMER_PEL = 0x51; // 'Q'
const SCAN_BATCH_ROWS = 256;
const EMPTY = Buffer.alloc(0);

/** Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const ENTRIES_READ_UNKNOWN = -1n;

export interface Group {
  readonly name: Buffer;
  lastId: StreamId;
  entriesRead: bigint;
  pel: number;
  consumers: number;
}

export interface Consumer {
  readonly name: Buffer;
  seenTimeMs: number;
  pel: number;
}

export interface Nack {
  readonly id: StreamId;
  deliveryTimeMs: number;
  deliveryCount: bigint;
  consumer: Buffer;
}

// ---- keys -------------------------------------------------------------------------------------

function key(s: StreamHandle, parts: readonly Buffer[]): Buffer {
  return Buffer.concat([s.prefix, ...parts]);
}

function lenPrefixed(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + b.length);
  out.writeUInt32BE(b.length, 0);
  b.copy(out, 4);
  return out;
}

const T_GROUP = Buffer.from([TAG_GROUP]);
const T_CONSUMER = Buffer.from([TAG_CONSUMER]);
const T_PEL = Buffer.from([TAG_PEL]);
const T_CONSUMER_PEL = Buffer.from([TAG_CONSUMER_PEL]);

function idBytes(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(STREAM_ID_BYTES);
  writeId(b, 0, id);
  return b;
}

function groupKey(s: StreamHandle, name: Buffer): Buffer {
  return key(s, [T_GROUP, name]);
}

function consumersPrefix(s: StreamHandle, group: Buffer): Buffer {
  return key(s, [T_CONSUMER, lenPrefixed(group)]);
}

function pelPrefix(s: StreamHandle, group: Buffer): Buffer {
  return key(s, [T_PEL, lenPrefixed(group)]);
}

function consumerPelPrefix(s: StreamHandle, group: Buffer, consumer: Buffer): Buffer {
  return key(s, [T_CONSUMER_PEL, lenPrefixed(group), lenPrefixed(consumer)]);
}

/** Visits rows of `sub` in [gte, lt) (reversed when `rev`) until `visit` returns false. */
function scanRange(
  ctx: Ctx,
  range: { gte: Buffer; lt: Buffer },
  rev: boolean,
  visit: (k: Buffer, v: Buffer) => boolean,
): void {
  const it = ctx.store.iterator('sub', { ...range, reverse: rev });
  try {
    for (let rows = it.nextBatch(SCAN_BATCH_ROWS); rows.length > 0; rows = it.nextBatch(SCAN_BATCH_ROWS)) {
      for (let i = 0; i < rows.length; i += 2) if (!visit(rows[i]!, rows[i + 1]!)) return;
    }
  } finally {
    it.close();
  }
}

// ---- groups -----------------------------------------------------------------------------------

function encodeGroup(g: Group): Buffer {
  const out = Buffer.allocUnsafe(STREAM_ID_BYTES + 24);
  writeId(out, 0, g.lastId);
  out.writeBigInt64BE(g.entriesRead, 16);
  out.writeBigUInt64BE(BigInt(g.pel), 24);
  out.writeBigUInt64BE(BigInt(g.consumers), 32);
  return out;
}

function decodeGroup(name: Buffer, v: Buffer): Group {
  return {
    name,
    lastId: readId(v, 0),
    entriesRead: v.readBigInt64BE(16),
    pel: Number(v.readBigUInt64BE(24)),
    consumers: Number(v.readBigUInt64BE(32)),
  };
}

export function getGroup(ctx: Ctx, s: StreamHandle, name: Buffer): Group | undefined {
  const v = ctx.store.get('sub', groupKey(s, name));
  return v === undefined ? undefined : decodeGroup(Buffer.from(name), v);
}

export function putGroup(ctx: Ctx, s: StreamHandle, g: Group): void {
  assert(g.pel >= 0 && g.consumers >= 0, 'negative group counter');
  ctx.store.put('sub', groupKey(s, g.name), encodeGroup(g));
}

/** A new group (the caller checked it does not exist); counts it in the stream's meta. */
export function createGroup(
  ctx: Ctx,
  s: StreamHandle,
  name: Buffer,
  lastId: StreamId,
  entriesRead: bigint,
): void {
  putGroup(ctx, s, { name: Buffer.from(name), lastId, entriesRead, pel: 0, consumers: 0 });
  s.meta.groups++;
}

/** The stream's groups in name order. */
export function listGroups(ctx: Ctx, s: StreamHandle): Group[] {
  const lo = key(s, [T_GROUP]);
  const out: Group[] = [];
  scanRange(ctx, { gte: lo, lt: prefixEnd(lo) }, false, (k, v) => {
    out.push(decodeGroup(Buffer.from(k.subarray(lo.length)), v));
    return true;
  });
  return out;
}

/** Deletes a group with its consumers and PEL. O(consumers + PEL), as in Redis. */
export function destroyGroup(ctx: Ctx, s: StreamHandle, g: Group): void {
  const doomed: Buffer[] = [groupKey(s, g.name)];
  for (const prefix of [
    consumersPrefix(s, g.name),
    pelPrefix(s, g.name),
    key(s, [T_CONSUMER_PEL, lenPrefixed(g.name)]),
  ]) {
    scanRange(ctx, { gte: prefix, lt: prefixEnd(prefix) }, false, (k) => {
      doomed.push(Buffer.from(k));
      return true;
    });
  }
  for (const k of doomed) ctx.store.del('sub', k);
  s.meta.groups--;
}

// ---- consumers --------------------------------------------------------------------------------

function encodeConsumer(c: Consumer): Buffer {
  const out = Buffer.allocUnsafe(16);
  out.writeBigUInt64BE(BigInt(Math.max(0, c.seenTimeMs)), 0);
  out.writeBigUInt64BE(BigInt(c.pel), 8);
  return out;
}

function decodeConsumer(name: Buffer, v: Buffer): Consumer {
  return { name, seenTimeMs: Number(v.readBigUInt64BE(0)), pel: Number(v.readBigUInt64BE(8)) };
}

/** The group's consumers in name order. */
export function listConsumers(ctx: Ctx, s: StreamHandle, group: Buffer): Consumer[] {
  const lo = consumersPrefix(s, group);
  const out: Consumer[] = [];
  scanRange(ctx, { gte: lo, lt: prefixEnd(lo) }, false, (k, v) => {
    out.push(decodeConsumer(Buffer.from(k.subarray(lo.length)), v));
    return true;
  });
  return out;
}

// ---- pending entries --------------------------------------------------------------------------

function encodeNack(n: Nack): Buffer {
  const out = Buffer.allocUnsafe(16 + n.consumer.length);
  out.writeBigInt64BE(BigInt(n.deliveryTimeMs), 0);
  out.writeBigInt64BE(BigInt.asIntN(64, n.deliveryCount), 8);
  n.consumer.copy(out, 16);
  return out;
}

function decodeNack(id: StreamId, v: Buffer): Nack {
  return {
    id,
    deliveryTimeMs: Number(v.readBigInt64BE(0)),
    deliveryCount: BigInt.asUintN(64, v.readBigInt64BE(8)),
    consumer: Buffer.from(v.subarray(16)),
  };
}

/**
 * Visits the group's PEL (or one consumer's, when `consumer` is given) from `start` to `end`
 * inclusive in ID order, until `visit` returns false.
 */
export function scanPel(
  ctx: Ctx,
  s: StreamHandle,
  group: Buffer,
  consumer: Buffer | null,
  start: StreamId,
  end: StreamId,
  visit: (n: Nack) => boolean,
): void {
  if (consumer === null) {
    const p = pelPrefix(s, group);
    const range = {
      gte: Buffer.concat([p, idBytes(start)]),
      lt: prefixEnd(Buffer.concat([p, idBytes(end)])),
    };
    scanRange(ctx, range, false, (k, v) => visit(decodeNack(readId(k, p.length), v)));
    return;
  }
  const p = consumerPelPrefix(s, group, consumer);
  const range = { gte: Buffer.concat([p, idBytes(start)]), lt: prefixEnd(Buffer.concat([p, idBytes(end)])) };
  const pel = pelPrefix(s, group);
  scanRange(ctx, range, false, (k) => {
    const id = readId(k, p.length);
    const v = ctx.store.get('sub', Buffer.concat([pel, idBytes(id)]));
    assert(v !== undefined, 'consumer PEL entry without a group PEL entry');
    return visit(decodeNack(id, v));
  });
}

/** The first or last ID of the group's PEL, null when empty. */
export function pelEdge(ctx: Ctx, s: StreamHandle, group: Buffer, last: boolean): StreamId | null {
  const p = pelPrefix(s, group);
  let found: StreamId | null = null;
  scanRange(ctx, { gte: p, lt: prefixEnd(p) }, last, (k) => {
    found = readId(k, p.length);
    return false;
  });
  return found;
}

/**
 * One group being changed by a command, with the consumers it touched; `save` writes them
 * back. Keeps the group's and consumers' PEL counts in step with the PEL records.
 */
export class GroupState {
  private readonly consumers = new Map<string, Consumer>();

  constructor(
    private readonly ctx: Ctx,
    readonly s: StreamHandle,
    readonly group: Group,
  ) {}

  /** The consumer, undefined if the group has none of that name. `refresh`: Redis's
   * streamLookupConsumer updates the seen time unless SLC_NO_REFRESH. */
  consumer(name: Buffer, refresh: boolean): Consumer | undefined {
    const k = name.toString('latin1');
    let c = this.consumers.get(k);
    if (c === undefined) {
      const v = this.ctx.store.get('sub', Buffer.concat([consumersPrefix(this.s, this.group.name), name]));
      if (v === undefined) return undefined;
      c = decodeConsumer(Buffer.from(name), v);
      this.consumers.set(k, c);
    }
    if (refresh) c.seenTimeMs = this.ctx.nowMs;
    return c;
  }

  /** streamCreateConsumer: a new consumer (seen now), with the xgroup-createconsumer event
   * unless `notify` is false (RESTORE); undefined when it exists already. */
  createConsumer(name: Buffer, userKey: Buffer, notify = true): Consumer | undefined {
    if (this.consumer(name, false) !== undefined) return undefined;
    const c: Consumer = { name: Buffer.from(name), seenTimeMs: this.ctx.nowMs, pel: 0 };
    this.consumers.set(name.toString('latin1'), c);
    this.group.consumers++;
    if (notify) this.ctx.notify('t', 'xgroup-createconsumer', userKey);
    return c;
  }

  /** The consumer, created if missing (XREADGROUP, XCLAIM, XAUTOCLAIM). */
  consumerOrCreate(name: Buffer, userKey: Buffer): Consumer {
    return this.consumer(name, true) ?? this.createConsumer(name, userKey)!;
  }

  nack(id: StreamId): Nack | undefined {
    const v = this.ctx.store.get('sub', Buffer.concat([pelPrefix(this.s, this.group.name), idBytes(id)]));
    return v === undefined ? undefined : decodeNack(id, v);
  }

  /** Stores a pending entry owned by `owner`; `previous` is its owner before (null: new). */
  putNack(n: Nack, owner: Consumer, previous: Buffer | null): void {
    const g = this.group.name;
    const ids = idBytes(n.id);
    if (previous === null) this.group.pel++;
    if (previous === null || !previous.equals(owner.name)) {
      if (previous !== null) this.unlinkFromConsumer(previous, ids);
      owner.pel++;
      this.ctx.store.put('sub', Buffer.concat([consumerPelPrefix(this.s, g, owner.name), ids]), EMPTY);
    }
    n.consumer = owner.name;
    this.ctx.store.put('sub', Buffer.concat([pelPrefix(this.s, g), ids]), encodeNack(n));
  }

  /** Removes a pending entry from the group and its owner. */
  deleteNack(n: Nack): void {
    const ids = idBytes(n.id);
    this.ctx.store.del('sub', Buffer.concat([pelPrefix(this.s, this.group.name), ids]));
    this.unlinkFromConsumer(n.consumer, ids);
    this.group.pel--;
  }

  private unlinkFromConsumer(name: Buffer, ids: Buffer): void {
    const c = this.consumer(name, false);
    assert(c !== undefined, 'pending entry owned by a missing consumer');
    c.pel--;
    this.ctx.store.del('sub', Buffer.concat([consumerPelPrefix(this.s, this.group.name, name), ids]));
  }

  /** XGROUP DELCONSUMER: drops the consumer and its pending entries; returns how many. */
  deleteConsumer(c: Consumer): number {
    const pending = c.pel;
    const cp = consumerPelPrefix(this.s, this.group.name, c.name);
    const ids: Buffer[] = [];
    scanRange(this.ctx, { gte: cp, lt: prefixEnd(cp) }, false, (k) => {
      ids.push(Buffer.from(k.subarray(cp.length)));
      return true;
    });
    const pel = pelPrefix(this.s, this.group.name);
    for (const id of ids) {
      this.ctx.store.del('sub', Buffer.concat([pel, id]));
      this.ctx.store.del('sub', Buffer.concat([cp, id]));
    }
    this.group.pel -= ids.length;
    this.group.consumers--;
    this.consumers.delete(c.name.toString('latin1'));
    this.ctx.store.del('sub', Buffer.concat([consumersPrefix(this.s, this.group.name), c.name]));
    return pending;
  }

  /** Writes the group and every consumer this state loaded or created. */
  save(): void {
    putGroup(this.ctx, this.s, this.group);
    const prefix = consumersPrefix(this.s, this.group.name);
    for (const c of this.consumers.values()) {
      assert(c.pel >= 0, 'negative consumer PEL count');
      this.ctx.store.put('sub', Buffer.concat([prefix, c.name]), encodeConsumer(c));
    }
  }
}
