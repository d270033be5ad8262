/**
 * Sets of hash slots as sorted lists of inclusive ranges: what a Raft group owns (its
 * descriptor, its snapshot images) and what a state machine serves. Shared by `kv` (which
 * scopes loads, scans and flushes to its ranges), `cluster` (snapshot images) and the server
 * (group descriptors, the admin commands' `first-last,...` syntax).
 *
 * A valid list is sorted, non-overlapping and within 0..SLOT_COUNT-1 (`slotRangesProblem`).
 * Adjacent ranges are allowed (`[0,9],[10,19]`); `normalizeSlotRanges` merges them.
 */
import { SLOT_COUNT } from './limits.js';

/** Inclusive slot range [startSlot, endSlot]. */
export type SlotRange = readonly [startSlot: number, endSlot: number];
export const ALL_SLOTS: readonly SlotRange[] = [[0, SLOT_COUNT - 1]];
/** Most ranges one list may have (a group's descriptor, a command argument). */
export const SLOT_RANGES_MAX = 1024;

/** Sorted, non-overlapping, within 0..SLOT_COUNT-1; returns a message or null if valid. */
export function slotRangesProblem(ranges: readonly SlotRange[]): string | null {
  if (ranges.length === 0) return 'no slot ranges';
  if (ranges.length > SLOT_RANGES_MAX) return `more than ${SLOT_RANGES_MAX} slot ranges`;
  let prevEnd = -1;
  for (const [s, e] of ranges) {
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e >= SLOT_COUNT || s > e)
      return `bad slot range [${s}, ${e}]`;
    if (s <= prevEnd) return `slot ranges overlap or are unsorted at [${s}, ${e}]`;
    prevEnd = e;
  }
  return null;
}

export function slotInRanges(slot: number, ranges: readonly SlotRange[]): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid]!;
    if (slot < r[0]) hi = mid - 1;
    else if (slot > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Whether the list covers every slot. */
export function coversAllSlots(ranges: readonly SlotRange[]): boolean {
  return ranges.length === 1 && ranges[0]![0] === 0 && ranges[0]![1] === SLOT_COUNT - 1;
}

/** Slots in the list. */
export function slotCount(ranges: readonly SlotRange[]): number {
  let n = 0;
  for (const [s, e] of ranges) n += e - s + 1;
  return n;
}

/** [gte, lt) key bounds of a slot range in any slot-prefixed family. */
export function slotRangeBounds(range: SlotRange): { gte: Buffer; lt: Buffer } {
  const end = range[1] + 1;
  return {
    gte: Buffer.from([range[0] >>> 8, range[0] & 0xff]),
    lt: Buffer.from([end >>> 8, end & 0xff]),
  };
}

/** Sorts any list of valid ranges and merges overlapping or adjacent ones. */
export function normalizeSlotRanges(ranges: readonly SlotRange[]): SlotRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The slots of `from` that are not in `minus` (both valid lists). */
export function subtractSlotRanges(from: readonly SlotRange[], minus: readonly SlotRange[]): SlotRange[] {
  const out: SlotRange[] = [];
  for (const [s0, e] of from) {
    let s = s0;
    for (const [ms, me] of minus) {
      if (me < s || ms > e) continue;
      if (ms > s) out.push([s, ms - 1]);
      s = me + 1;
      if (s > e) break;
    }
    if (s <= e) out.push([s, e]);
  }
  return out;
}

/** Whether the two valid lists share a slot. */
export function slotRangesOverlap(a: readonly SlotRange[], b: readonly SlotRange[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x[1] < y[0]) i++;
    else if (y[1] < x[0]) j++;
    else return true;
  }
  return false;
}

/**
 * Parses `first-last[,first-last...]` (a single slot may be written alone: `5`); the ranges
 * may come in any order and touch, they are normalized. Returns a message on bad input.
 */
export function parseSlotRanges(text: string): SlotRange[] | string {
  const parts = text.split(',');
  if (parts.length > SLOT_RANGES_MAX) return `more than ${SLOT_RANGES_MAX} slot ranges`;
  const ranges: SlotRange[] = [];
  for (const part of parts) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    if (m === null) return `bad slot range '${part}' (expected first-last)`;
    const s = Number(m[1]);
    const e = m[2] === undefined ? s : Number(m[2]);
    if (s > e || e >= SLOT_COUNT) return `bad slot range '${part}' (slots are 0-${SLOT_COUNT - 1})`;
    ranges.push([s, e]);
  }
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]![0] <= sorted[i - 1]![1]) return 'slot ranges overlap';
  return normalizeSlotRanges(sorted);
}

/** `first-last,...` (the form parseSlotRanges reads). */
export function formatSlotRanges(ranges: readonly SlotRange[]): string {
  return ranges.map(([s, e]) => (s === e ? String(s) : `${s}-${e}`)).join(',');
}

/** Bytes of encodeSlotRanges's output. */
export function slotRangesBytes(ranges: readonly SlotRange[]): number {
  return 2 + 4 * ranges.length;
}

/** `count(2) (start(2) end(2))*` at `offset`; returns the offset after it. */
export function encodeSlotRanges(ranges: readonly SlotRange[], out: Buffer, offset: number): number {
  out.writeUInt16BE(ranges.length, offset);
  let o = offset + 2;
  for (const [s, e] of ranges) {
    out.writeUInt16BE(s, o);
    out.writeUInt16BE(e, o + 2);
    o += 4;
  }
  return o;
}

/** Reads encodeSlotRanges's form at `offset`; null when it runs past the buffer. */
export function decodeSlotRanges(buf: Buffer, offset: number): { ranges: SlotRange[]; end: number } | null {
  if (offset + 2 > buf.length) return null;
  const n = buf.readUInt16BE(offset);
  const end = offset + 2 + 4 * n;
  if (end > buf.length) return null;
  const ranges: SlotRange[] = [];
  for (let i = 0; i < n; i++)
    ranges.push([buf.readUInt16BE(offset + 2 + 4 * i), buf.readUInt16BE(offset + 4 + 4 * i)]);
  return { ranges, end };
}
