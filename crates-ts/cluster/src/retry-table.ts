/**
 * Recognising the retry of a write whose first attempt got "outcome unknown", so that the
 * retry never applies the command a second time.
 *
 * In cluster mode every plain write of a client connection carries a tag (a number unique
 * to that attempt, see `WriteTagger`) inside the log entry. Every replica, as it applies an
 * entry, remembers the reply of each tagged command (`RecentWrites`, in memory, bounded).
 * When a connection got "outcome unknown" for a write and its next command is the same
 * write, the server re-sends it with the SAME tag as a retry; the leader then:
 *
 *   1. waits until everything in its log at the moment the retry arrived is applied. The
 *      leader's log holds an entry of its own term, so once that is applied any entry an
 *      older leader appended and that is not applied yet can never be committed (a later
 *      committed entry of a newer term precedes it in every future log);
 *   2. if the tag is among the applied writes: answers the first attempt's reply (not
 *      applied again);
 *   3. else, if this node's memory of applied tags reaches back far enough — to just after
 *      the index the connection's node had applied when it first sent the write (the first
 *      attempt, if applied at all, was applied after that) — the first attempt was never
 *      applied: the write is proposed now (with the same tag);
 *   4. else (this node restarted or evicted the tag since): it cannot tell, so it applies
 *      nothing and says so (ERR_RETRY_UNDECIDABLE).
 *
 * This is a decision of the leader over the committed log, not state-machine state: replicas
 * may remember different amounts without ever diverging.
 */
import { ErrorReply, type Reply } from '@seshat/common';

/** Tags remembered per node (about 100 bytes each): the most recent ones win. */
export const RECENT_WRITES_MAX = 200_000;

export const ERR_RETRY_UNDECIDABLE = new ErrorReply(
  'ERR cannot tell whether the earlier attempt of this write was applied (too long ago or this node restarted); not retried',
);

/** How a write is identified for retry detection. */
export interface WriteIdentity {
  /** Unique per write attempt (a retry reuses its first attempt's tag); > 0. */
  tag: number;
  /** The connection's node's applied index when the first attempt was sent. */
  sentAfterIndex: number;
  /** True when this is a retry of an attempt whose outcome was unknown. */
  retry: boolean;
}

/**
 * Issues write tags: a random 21-bit prefix chosen per process and a 32-bit counter, so tags
 * of different processes (nodes, restarts) practically never collide and all stay exact
 * doubles (< 2^53).
 */
export class WriteTagger {
  private prefix: number;
  private counter = 0;
  constructor(private readonly random: () => number = Math.random) {
    this.prefix = this.newPrefix();
  }
  private newPrefix(): number {
    return 1 + Math.floor(this.random() * (2 ** 21 - 1));
  }
  next(): number {
    this.counter++;
    if (this.counter > 0xffff_ffff) {
      this.prefix = this.newPrefix();
      this.counter = 1;
    }
    return this.prefix * 2 ** 32 + this.counter;
  }
}

interface Applied {
  index: number;
  reply: Reply;
}

/**
 * Replies of recently applied tagged writes on this node.
 *
 * Eviction order is kept in a ring of (tag, index) beside the map. Evicting by iterating the
 * Map from its front (`entries().next()`) is quadratic in V8: deleted entries stay as holes
 * at the front of the hash table until it is rebuilt, and every such iteration skips them
 * all (measured: about 0.2 ms per write once 200,000 tags were remembered).
 */
export class RecentWrites {
  private readonly byTag = new Map<number, Applied>();
  private readonly ringTags: Float64Array;
  private readonly ringIndexes: Float64Array;
  private ringHead = 0;
  private ringCount = 0;
  /** Every tagged write applied at an index >= horizon is remembered. */
  private horizonIndex: number;

  constructor(
    appliedIndex: number,
    private readonly max = RECENT_WRITES_MAX,
  ) {
    this.horizonIndex = appliedIndex + 1;
    this.ringTags = new Float64Array(max);
    this.ringIndexes = new Float64Array(max);
  }

  get horizon(): number {
    return this.horizonIndex;
  }

  get size(): number {
    return this.byTag.size;
  }

  record(tag: number, index: number, reply: Reply): void {
    if (this.ringCount === this.max) this.evictOldest();
    this.byTag.set(tag, { index, reply });
    const slot = (this.ringHead + this.ringCount) % this.max;
    this.ringTags[slot] = tag;
    this.ringIndexes[slot] = index;
    this.ringCount++;
  }

  private evictOldest(): void {
    const tag = this.ringTags[this.ringHead]!;
    const index = this.ringIndexes[this.ringHead]!;
    this.ringHead = (this.ringHead + 1) % this.max;
    this.ringCount--;
    // Only the record this ring slot made (a tag recorded again later keeps its newer one).
    if (this.byTag.get(tag)?.index === index) this.byTag.delete(tag);
    this.horizonIndex = Math.max(this.horizonIndex, index + 1);
  }

  /** The state was replaced by a snapshot at `index`: what came before is unknown. */
  resetTo(index: number): void {
    this.byTag.clear();
    this.ringHead = 0;
    this.ringCount = 0;
    this.horizonIndex = index + 1;
  }

  /**
   * The outcome of a retry once the leader's log is applied (steps 2-4 above): the first
   * attempt's reply, 'propose' when it was certainly not applied, or 'undecidable'.
   */
  resolve(id: WriteIdentity): Reply | 'propose' | 'undecidable' {
    const a = this.byTag.get(id.tag);
    if (a !== undefined) return a.reply;
    return this.horizonIndex <= id.sentAfterIndex + 1 ? 'propose' : 'undecidable';
  }
}
