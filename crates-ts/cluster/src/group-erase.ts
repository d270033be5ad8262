/**
 * Erasing a destroyed group's rows from a shared storage: its slot ranges in every data
 * family of a KV image (IMAGE_CFS), its whole Raft log, its raft_state records (hard state,
 * membership, snapshot metadata, applied index, address book, descriptor...) and any staged
 * snapshot rows. Each is one range tombstone (`clearRange`, O(1)); other groups' rows are
 * outside every range cleared, since data keys start with their slot and log/state keys with
 * their group id.
 *
 * Range tombstones are not part of a batch and not fsynced by themselves; the synced write
 * that follows makes them durable (the WAL is ordered). The caller keeps a marker that says
 * "being destroyed" until then, so a crash in between redoes the erase at start.
 */
import { assert, type SlotRange, slotRangeBounds } from '@seshat/common';
import type { Storage } from '@seshat/storage';
import { groupPrefix } from './rocks-log-codec.js';
import { groupStagingBounds, IMAGE_CFS } from './sm-snapshot-format.js';

/** The largest group id (ids are 4 bytes in log and state keys). */
export const GROUP_ID_MAX = 0xffffffff;

/** Deletes every row of group `groupId` (data in `slotRanges`, log, state, staging). */
export function eraseGroup(storage: Storage, groupId: number, slotRanges: readonly SlotRange[]): void {
  assert(Number.isInteger(groupId) && groupId > 0 && groupId < GROUP_ID_MAX, `erase of group ${groupId}`);
  for (const cf of IMAGE_CFS) {
    for (const range of slotRanges) {
      const { gte, lt } = slotRangeBounds(range);
      storage.clearRange(cf, gte, lt);
    }
  }
  const own = groupPrefix(groupId);
  const next = groupPrefix(groupId + 1);
  storage.clearRange('raft_log', own, next);
  storage.clearRange('raft_state', own, next);
  const staging = groupStagingBounds(groupId);
  storage.clearRange('default', staging.gte, staging.lt);
}
