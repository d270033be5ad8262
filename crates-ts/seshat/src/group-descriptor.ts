/**
 * What a Raft group created at run time is (issue 20): its id, its voters (node ids, which
 * the cluster's address book maps to addresses) and the slot ranges its state machine serves.
 * Persisted in raft_state as `group(4) "descriptor"` in the batch that bootstraps the group,
 * so a restart re-creates every group the node hosts; erased with the group.
 *
 *   format(1)=1 state(1) nMembers(2) member(4)* ranges(count(2) (start(2) end(2))*)
 *
 * state: 0 live; 1 being destroyed (a restart finishes the erase: hosted-groups.ts).
 */
import {
  decodeSlotRanges,
  encodeSlotRanges,
  type SlotRange,
  slotRangesBytes,
  slotRangesProblem,
} from '@seshat/common';

const FORMAT = 1;
export const DESCRIPTOR_SUFFIX = 'descriptor';
/** Most voters a created group may have. */
export const GROUP_MEMBERS_MAX = 7;

export const GroupState = { Live: 0, Destroying: 1 } as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

export interface GroupDescriptor {
  readonly id: number;
  /** Voter node ids, ascending. */
  readonly members: readonly number[];
  readonly slotRanges: readonly SlotRange[];
}

export function encodeDescriptor(d: GroupDescriptor, state: GroupState = GroupState.Live): Buffer {
  const out = Buffer.allocUnsafe(4 + 4 * d.members.length + slotRangesBytes(d.slotRanges));
  out[0] = FORMAT;
  out[1] = state;
  out.writeUInt16BE(d.members.length, 2);
  for (let i = 0; i < d.members.length; i++) out.writeUInt32BE(d.members[i]!, 4 + 4 * i);
  encodeSlotRanges(d.slotRanges, out, 4 + 4 * d.members.length);
  return out;
}

/** The descriptor of group `id` and its state; null when the record does not decode. */
export function decodeDescriptor(id: number, raw: Buffer): { d: GroupDescriptor; state: GroupState } | null {
  if (raw.length < 4 || raw[0] !== FORMAT || (raw[1] !== 0 && raw[1] !== 1)) return null;
  const n = raw.readUInt16BE(2);
  if (raw.length < 4 + 4 * n) return null;
  const members: number[] = [];
  for (let i = 0; i < n; i++) members.push(raw.readUInt32BE(4 + 4 * i));
  const ranges = decodeSlotRanges(raw, 4 + 4 * n);
  if (ranges === null || ranges.end !== raw.length || slotRangesProblem(ranges.ranges) !== null) return null;
  return { d: { id, members, slotRanges: ranges.ranges }, state: raw[1] as GroupState };
}

/** Why a descriptor cannot be created (a reply text without the ERR), or null. */
export function descriptorProblem(d: GroupDescriptor, knownNodes: ReadonlySet<number>): string | null {
  if (!Number.isInteger(d.id) || d.id < 1 || d.id > 0x7fffffff) return 'group id must be 1..2147483647';
  const ranges = slotRangesProblem(d.slotRanges);
  if (ranges !== null) return ranges;
  if (d.members.length === 0 || d.members.length > GROUP_MEMBERS_MAX)
    return `a group has 1 to ${GROUP_MEMBERS_MAX} members`;
  if (new Set(d.members).size !== d.members.length) return 'a member is listed twice';
  for (const m of d.members) if (!knownNodes.has(m)) return `node ${m} is not a member of the cluster`;
  return null;
}

export function sameDescriptor(a: GroupDescriptor, b: GroupDescriptor): boolean {
  return (
    a.id === b.id &&
    a.members.length === b.members.length &&
    a.members.every((m, i) => m === b.members[i]) &&
    a.slotRanges.length === b.slotRanges.length &&
    a.slotRanges.every((r, i) => r[0] === b.slotRanges[i]![0] && r[1] === b.slotRanges[i]![1])
  );
}
