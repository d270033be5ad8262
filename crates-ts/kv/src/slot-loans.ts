/**
 * Slots a state machine has handed to other Raft groups ("loans"), as replicated state.
 *
 * Group 0 starts with every slot. Creating group G over slots X (RAFT CREATE-GROUP) first
 * commits `INTERNAL_SLOTS_LEND G X` in group 0's log: from that entry on, every replica of
 * group 0 serves X no more (keys there answer CLUSTERDOWN, scans and flushes skip X), so G's
 * state machine, on the same RocksDB, is the only writer of X. Destroying G range-deletes X
 * on G's members, then commits `INTERNAL_SLOTS_RETURN G`. Both are log commands, so every
 * replica of group 0 changes its ranges at the same index; a node-local change would let one
 * replica flush or expire slots another replica no longer owns.
 *
 * A lend is refused (deterministically: applied state) when X holds any key of the lender
 * (moving data between groups is rebalancing, a later issue) or is not all served by it. The
 * table travels in the applied record (state-machine.ts), so snapshot images carry it.
 *
 *   argv = [INTERNAL_SLOTS_LEND, group(4), ranges(encodeSlotRanges)]
 *   argv = [INTERNAL_SLOTS_RETURN, group(4)]
 */
import {
  decodeSlotRanges,
  encodeSlotRanges,
  ErrorReply,
  normalizeSlotRanges,
  type Reply,
  type SlotRange,
  slotRangeBounds,
  slotRangesBytes,
  slotRangesOverlap,
  slotRangesProblem,
  subtractSlotRanges,
} from '@seshat/common';
import type { KvStore } from './txn.js';

export const INTERNAL_SLOTS_LEND = Buffer.from('\x00slots-lend');
export const INTERNAL_SLOTS_RETURN = Buffer.from('\x00slots-return');

/** Group id -> the slots lent to it (sorted, disjoint from every other loan). */
export type SlotLoans = ReadonlyMap<number, readonly SlotRange[]>;
export const NO_LOANS: SlotLoans = new Map();

export function lendCommand(groupId: number, ranges: readonly SlotRange[]): Buffer[] {
  const r = Buffer.allocUnsafe(slotRangesBytes(ranges));
  encodeSlotRanges(ranges, r, 0);
  return [INTERNAL_SLOTS_LEND, groupIdBytes(groupId), r];
}

export function returnCommand(groupId: number): Buffer[] {
  return [INTERNAL_SLOTS_RETURN, groupIdBytes(groupId)];
}

function groupIdBytes(groupId: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(groupId, 0);
  return b;
}

/** The slots served: `base` less every loan. */
export function servedRanges(base: readonly SlotRange[], loans: SlotLoans): SlotRange[] {
  if (loans.size === 0) return [...base];
  return subtractSlotRanges(base, normalizeSlotRanges([...loans.values()].flat()));
}

/** The outcome of a loan command: the new table (null: unchanged) and the reply. */
export interface LoanOutcome {
  loans: SlotLoans | null;
  reply: Reply;
}

const ERR_MALFORMED = new ErrorReply('ERR malformed slot loan command');

/** Applies INTERNAL_SLOTS_LEND against the applied state seen through `store`. */
export function lend(
  store: KvStore,
  loans: SlotLoans,
  served: readonly SlotRange[],
  argv: Buffer[],
): LoanOutcome {
  const decoded = argv.length === 3 && argv[1]!.length === 4 ? decodeSlotRanges(argv[2]!, 0) : null;
  if (decoded === null || decoded.end !== argv[2]!.length || slotRangesProblem(decoded.ranges) !== null)
    return { loans: null, reply: ERR_MALFORMED };
  const group = argv[1]!.readUInt32BE(0);
  const ranges = decoded.ranges;
  const held = loans.get(group);
  if (held !== undefined) {
    const same =
      held.length === ranges.length && held.every((r, i) => r[0] === ranges[i]![0] && r[1] === ranges[i]![1]);
    return same
      ? { loans: null, reply: 0 }
      : { loans: null, reply: new ErrorReply(`ERR group ${group} already holds other slots`) };
  }
  if (subtractSlotRanges(ranges, served).length > 0 || slotRangesOverlap(ranges, [...loans.values()].flat()))
    return { loans: null, reply: new ErrorReply('ERR some of these slots are not served by this group') };
  for (const range of ranges) {
    if (hasRows(store, range))
      return { loans: null, reply: new ErrorReply(`ERR slots ${range[0]}-${range[1]} hold keys`) };
  }
  const next = new Map(loans);
  next.set(group, ranges);
  return { loans: next, reply: 1 };
}

/** Applies INTERNAL_SLOTS_RETURN: the group's slots are served here again. */
export function giveBack(loans: SlotLoans, argv: Buffer[]): LoanOutcome {
  if (argv.length !== 2 || argv[1]!.length !== 4) return { loans: null, reply: ERR_MALFORMED };
  const group = argv[1]!.readUInt32BE(0);
  if (!loans.has(group)) return { loans: null, reply: 0 };
  const next = new Map(loans);
  next.delete(group);
  return { loans: next, reply: 1 };
}

/** Whether the meta family has any record (a key, a function library) in `range`. */
function hasRows(store: KvStore, range: SlotRange): boolean {
  const it = store.iterator('meta', { ...slotRangeBounds(range), limit: 1 });
  try {
    return it.nextBatch(1).length > 0;
  } finally {
    it.close();
  }
}

/** `count(2) { group(4) ranges }*`, groups ascending (the same bytes on every replica). */
export function encodeLoans(loans: SlotLoans): Buffer {
  const groups = [...loans.keys()].sort((a, b) => a - b);
  let size = 2;
  for (const g of groups) size += 4 + slotRangesBytes(loans.get(g)!);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(groups.length, 0);
  let o = 2;
  for (const g of groups) {
    out.writeUInt32BE(g, o);
    o = encodeSlotRanges(loans.get(g)!, out, o + 4);
  }
  return out;
}

/** Reads encodeLoans's form; null when malformed. */
export function decodeLoans(buf: Buffer): SlotLoans | null {
  if (buf.length < 2) return null;
  const n = buf.readUInt16BE(0);
  const loans = new Map<number, readonly SlotRange[]>();
  let o = 2;
  for (let i = 0; i < n; i++) {
    if (o + 4 > buf.length) return null;
    const g = buf.readUInt32BE(o);
    const d = decodeSlotRanges(buf, o + 4);
    if (d === null) return null;
    loans.set(g, d.ranges);
    o = d.end;
  }
  return o === buf.length ? loans : null;
}
