import { assert } from '@seshat/common';

/**
 * Pure majority math over one voter set. Joint consensus, when it lands, is the
 * combination of two majorities: committed index = min of both, a vote is won only if
 * won in both and lost if lost in either; these functions are its building blocks.
 */

export const VoteResult = { Pending: 0, Lost: 1, Won: 2 } as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/** Voter sets larger than this are a configuration error (Raft groups are 3-7 nodes). */
export const VOTERS_MAX = 64;

const scratch = new Float64Array(VOTERS_MAX);

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest value acknowledged by a majority: sort the voters' acknowledged values
 * descending and take the quorum-th. An empty voter set commits nothing (returns 0 here;
 * callers never commit with no voters).
 */
export function majorityValue(voters: readonly number[], acked: (id: number) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  assert(n <= VOTERS_MAX, `quorum: ${n} voters exceed VOTERS_MAX`);
  for (let i = 0; i < n; i++) scratch[i] = acked(voters[i]!);
  // Insertion sort, descending: n is tiny and this allocates nothing.
  for (let i = 1; i < n; i++) {
    const v = scratch[i]!;
    let j = i - 1;
    while (j >= 0 && scratch[j]! < v) {
      scratch[j + 1] = scratch[j]!;
      j--;
    }
    scratch[j + 1] = v;
  }
  return scratch[quorumSize(n) - 1]!;
}

/** Outcome of an election given the votes received so far (absent = not yet answered). */
export function voteResult(voters: readonly number[], votes: ReadonlyMap<number, boolean>): VoteResult {
  if (voters.length === 0) return VoteResult.Won;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return VoteResult.Won;
  if (granted + missing >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}

/** Whether the voters for which `active` holds form a majority. */
export function hasQuorum(voters: readonly number[], active: (id: number) => boolean): boolean {
  let count = 0;
  for (const id of voters) if (active(id)) count++;
  return count >= quorumSize(voters.length);
}
