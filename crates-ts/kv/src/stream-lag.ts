/**
 * Consumer group read counters and lag, Redis 7.0's rules (t_stream.c
 * streamRangeHasTombstones, streamEstimateDistanceFromFirstEverEntry, streamReplyWithCGLag):
 * a group's entries-read is exact while no deleted entry lies ahead of it, and estimated from
 * the stream's counters (or unknown, -1) otherwise. Pure functions of the stream's counters.
 */
import { compareIds, idIsZero, type StreamId } from './stream-id.js';
import type { Group } from './stream-groups.js';
import type { StreamMeta } from './stream-store.js';

/** Redis's SCG_INVALID_ENTRIES_READ. */
export const UNKNOWN = -1n;

/** Whether a deleted entry may lie in [start, end] (null: open end). */
export function rangeHasTombstones(m: StreamMeta, start: StreamId | null, end: StreamId | null): boolean {
  if (m.length === 0 || idIsZero(m.maxDeletedId)) return false;
  if (compareIds(m.firstId, m.maxDeletedId) > 0) return false;
  if (start !== null && compareIds(start, m.maxDeletedId) > 0) return false;
  return end === null || compareIds(m.maxDeletedId, end) <= 0;
}

/** The number of entries added up to `id`, when the counters tell it; UNKNOWN otherwise. */
export function distanceFromFirstEver(m: StreamMeta, id: StreamId): bigint {
  if (m.entriesAdded === 0n) return 0n;
  const cmpLast = compareIds(id, m.lastId);
  if (m.length === 0 && cmpLast < 1) return m.entriesAdded;
  if (cmpLast === 0) return m.entriesAdded;
  if (cmpLast > 0) return UNKNOWN;
  if (idIsZero(m.maxDeletedId) || compareIds(m.maxDeletedId, m.firstId) < 0) {
    const cmpFirst = compareIds(id, m.firstId);
    const before = m.entriesAdded - BigInt(m.length);
    if (cmpFirst < 0) return before;
    if (cmpFirst === 0) return before + 1n;
  }
  return UNKNOWN;
}

/** The group's lag (entries not yet delivered), null when it cannot be known. */
export function groupLag(m: StreamMeta, g: Group): bigint | null {
  if (m.entriesAdded === 0n) return 0n;
  if (g.entriesRead !== UNKNOWN && !rangeHasTombstones(m, g.lastId, null))
    return m.entriesAdded - g.entriesRead;
  const read = distanceFromFirstEver(m, g.lastId);
  return read === UNKNOWN ? null : m.entriesAdded - read;
}

/** The group's read counter after it is served entry `id` beyond its last ID. */
export function entriesReadAfter(m: StreamMeta, g: Group, id: StreamId): bigint {
  if (g.entriesRead !== UNKNOWN && !rangeHasTombstones(m, id, null)) return g.entriesRead + 1n;
  return m.entriesAdded !== 0n ? distanceFromFirstEver(m, id) : g.entriesRead;
}
