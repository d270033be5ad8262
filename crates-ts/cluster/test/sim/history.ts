// What every replica of one group did, as the simulator's checker sees it, and the checks
// made as it happens (a violation throws SimViolation, which names the invariant):
//
// - raft level (the core simulator's Checker, fed each replica's RawNode after every step):
//   one leader per term, leader completeness, commit safety, commit index monotonic while
//   a node lives;
// - state-machine safety: the first replica to apply index i records the entry (a hash of
//   its bytes) and the replies it produced; every other apply of i, on any replica and after
//   any restart (replay), must be the same entry with the same replies: committed entries
//   are never lost or changed;
// - digests: KvStateMachine.digest() of every replica at the same applied index is equal
//   (snapshot installs included);
// - exactly-once: a write tag takes effect at one index only.
import { DoubleReply, ErrorReply, type Reply, SimpleString } from '@seshat/common';
import type { LogCommand } from '../../src/index.js';
import { Checker, SimViolation } from '../../../raft/test/sim/checker.js';

export { SimViolation };

export function fail(invariant: string, message: string): never {
  throw new SimViolation(invariant, message);
}

/** A reply as text: `+OK`, `:n`, `-ERR ...`, `$bytes`, `nil`, `[a,b]`, `,double`. */
export function replyText(r: Reply): string {
  if (r === null) return 'nil';
  if (r instanceof SimpleString) return `+${r.value}`;
  if (r instanceof ErrorReply) return `-${r.message}`;
  if (typeof r === 'number' || typeof r === 'bigint') return `:${r}`;
  if (Buffer.isBuffer(r)) return `$${r.toString('latin1')}`;
  if (typeof r === 'string') return `$${r}`;
  if (Array.isArray(r)) return `[${r.map(replyText).join(',')}]`;
  if (r instanceof DoubleReply) return `,${r.text ?? r.value}`;
  return `?${r.constructor.name}`;
}

/** FNV-1a over the bytes: names an entry's content (equal bytes, equal hash). */
function hashBytes(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return (h >>> 0) + data.length * 2 ** 32;
}

interface AppliedEntry {
  readonly hash: number;
  readonly replies: string;
}

export class GroupHistory {
  readonly groupId: number;
  /** Raft-level invariants of this group (elections, commit safety, leader completeness). */
  readonly raft = new Checker();
  private readonly applied: (AppliedEntry | undefined)[] = [];
  private readonly digests = new Map<number, string>();
  /** Write tag -> the index where it took effect, and the reply it produced there. */
  readonly tagIndex = new Map<number, number>();
  readonly tagReply = new Map<number, string>();
  /** Highest index applied by any replica. */
  appliedMax = 0;
  digestChecks = 0;

  constructor(groupId: number) {
    this.groupId = groupId;
  }

  /** A replica applied `index`: `data` null for an entry without commands. */
  onApply(
    node: number,
    index: number,
    data: Buffer | null,
    replies: readonly Reply[] | null,
    commands: readonly LogCommand[] | null,
  ): void {
    const entry: AppliedEntry = {
      hash: data === null ? 0 : hashBytes(data),
      replies: replies === null ? '' : replies.map(replyText).join(' '),
    };
    const seen = this.applied[index];
    if (seen !== undefined) {
      if (seen.hash !== entry.hash || seen.replies !== entry.replies) {
        fail(
          'state-machine-safety',
          `group ${this.groupId}: node ${node} applied index ${index} as ${entry.hash}/${entry.replies}, ` +
            `another replica as ${seen.hash}/${seen.replies}`,
        );
      }
      return;
    }
    this.applied[index] = entry;
    if (index > this.appliedMax) this.appliedMax = index;
    if (commands === null || replies === null) return;
    for (let i = 0; i < commands.length; i++) {
      const tag = commands[i]!.tag;
      if (tag === undefined) continue;
      const at = this.tagIndex.get(tag);
      if (at !== undefined && at !== index) {
        fail('exactly-once', `group ${this.groupId}: write tag ${tag} took effect at ${at} and at ${index}`);
      }
      this.tagIndex.set(tag, index);
      this.tagReply.set(tag, replyText(replies[i]!));
    }
  }

  /** A replica's state digest at its applied index `index`. */
  onDigest(node: number, index: number, digest: string): void {
    this.digestChecks++;
    const want = this.digests.get(index);
    if (want === undefined) this.digests.set(index, digest);
    else if (want !== digest) {
      fail(
        'state-digest',
        `group ${this.groupId}: node ${node} has digest ${digest.slice(0, 12)} at applied index ${index}, ` +
          `another replica ${want.slice(0, 12)}`,
      );
    }
  }
}
