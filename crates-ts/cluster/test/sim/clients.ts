// The simulator's clients and the linearizability-lite checks on what they saw.
//
// Each client belongs to one group and owns two keys there: a string it SETs to increasing
// sequence numbers and a counter it INCRs. It has one write outstanding at a time (a
// connection's order), tags every write (retry-table.ts) and, like the server's connections
// (seshat/write-retry.ts), retries a write whose outcome is open with the same tag through
// GroupDriver.submitRetry. Replies are classified as the server does:
//   success: acknowledged; ERR_NOT_APPLIED on a first attempt: definitely not applied;
//   ERR_OUTCOME_UNKNOWN, or ERR_NOT_APPLIED / CLUSTERDOWN on a retry: open (retry may follow);
//   a crash of the node holding the request: open (a follower forwarding it would answer
//   "outcome unknown"); ERR_RETRY_UNDECIDABLE or a client timeout: unknown for good.
// Checks (history.ts holds what was applied, by write tag):
//   - during the run, a read (GET through GroupDriver.read, any node) returns a value some
//     write may still have produced: never one overwritten by a write acknowledged before the
//     read began (stale read), never a counter below an acknowledged INCR;
//   - at the end: an acknowledged write took effect exactly once, with the reply the client
//     got; a write answered "not applied" never took effect; acknowledged writes took effect
//     in the order they were made (one acknowledged before another was sent is at a lower
//     index); every member's final value of each key is what the applied writes say.
import type { Reply } from '@seshat/common';
import { type GroupHistory, fail, replyText } from './history.js';

export const ERR_OUTCOME_UNKNOWN_TEXT =
  '-TRYAGAIN the write may or may not have been applied: leadership changed or the cluster did not answer in time';
export const ERR_NOT_APPLIED_TEXT = '-TRYAGAIN the write was not applied: leadership changed, retry';

export type OpStatus = 'pending' | 'acked' | 'not-applied' | 'open' | 'unknown';

export interface ClientOp {
  readonly kind: 'set' | 'incr';
  readonly tag: number;
  /** SET: the value written; INCR: the op's number among the client's INCRs. */
  readonly value: number;
  readonly argv: Buffer[];
  readonly sentAfterIndex: number;
  /** Event times (Simulator.eventTime: strictly increasing) of the send and of the first success. */
  readonly issuedAt: number;
  ackedAt: number;
  status: OpStatus;
  /** The acknowledged reply, as text. */
  reply: string | null;
  /** Attempts made (the first and its retries) and replies received to them. */
  attempts: number;
  replies: number;
  /** Step of the last attempt. */
  lastSentStep: number;
  /** The attempt waiting for its reply, and the node holding it (null: none). */
  attempt: { readonly node: number } | null;
}

export class SimClient {
  readonly id: number;
  readonly groupId: number;
  readonly setKey: string;
  readonly counterKey: string;
  readonly ops: ClientOp[] = [];
  private sets = 0;
  private incrs = 0;

  constructor(id: number, groupId: number) {
    this.id = id;
    this.groupId = groupId;
    this.setKey = `c${id}:s`;
    this.counterKey = `c${id}:n`;
  }

  get current(): ClientOp | undefined {
    return this.ops[this.ops.length - 1];
  }

  newOp(kind: 'set' | 'incr', tag: number, sentAfterIndex: number, at: number, step: number): ClientOp {
    const value = kind === 'set' ? ++this.sets : ++this.incrs;
    const argv = kind === 'set' ? ['SET', this.setKey, String(value)] : ['INCR', this.counterKey];
    const op: ClientOp = {
      kind,
      tag,
      value,
      argv: argv.map((a) => Buffer.from(a)),
      sentAfterIndex,
      issuedAt: at,
      ackedAt: -1,
      status: 'pending',
      reply: null,
      attempts: 0,
      replies: 0,
      lastSentStep: step,
      attempt: null,
    };
    this.ops.push(op);
    return op;
  }

  /** A reply to one attempt of `op` (`retry`: the attempt was a retry). */
  onReply(op: ClientOp, reply: Reply, retry: boolean, at: number): void {
    op.replies++;
    const text = replyText(reply);
    if (!text.startsWith('-')) {
      if (op.reply !== null && op.reply !== text) {
        fail('reply-identity', `client ${this.id} tag ${op.tag}: answered ${op.reply} and ${text}`);
      }
      if (op.status === 'not-applied') {
        fail('reply-identity', `client ${this.id} tag ${op.tag}: answered "not applied", then ${text}`);
      }
      op.reply = text;
      if (op.status !== 'acked') op.ackedAt = at;
      op.status = 'acked';
      return;
    }
    if (op.status === 'acked' || op.status === 'not-applied') {
      // A late reply to an earlier attempt after the outcome was settled.
      if (text === ERR_NOT_APPLIED_TEXT && !retry && op.status === 'acked') {
        fail('reply-identity', `client ${this.id} tag ${op.tag}: acknowledged, then "not applied"`);
      }
      return;
    }
    if (text === ERR_NOT_APPLIED_TEXT && !retry) op.status = 'not-applied';
    else if (
      text === ERR_OUTCOME_UNKNOWN_TEXT ||
      text === ERR_NOT_APPLIED_TEXT ||
      text.startsWith('-CLUSTERDOWN')
    )
      op.status = 'open';
    else if (text.startsWith('-ERR cannot tell')) op.status = 'unknown';
    else fail('unexpected-reply', `client ${this.id} tag ${op.tag} (${op.kind}): ${text}`);
  }

  /** The node holding `op`'s attempt crashed: the outcome is open (see the header). */
  onNodeCrashed(node: number): void {
    const op = this.current;
    if (op?.attempt?.node !== node) return;
    op.attempt = null;
    if (op.status === 'pending') op.status = 'open';
  }

  /** The values a read of `key` begun at `issuedAt` may return (see the header). */
  checkRead(key: string, value: number | null, issuedAt: number, node: number): void {
    const kind = key === this.setKey ? 'set' : 'incr';
    const ops = this.ops.filter((o) => o.kind === kind);
    const ackedBefore = ops.filter((o) => o.status === 'acked' && o.ackedAt < issuedAt);
    const where = `client ${this.id} key ${key}: node ${node} read ${value ?? 'nil'} (begun at ${issuedAt})`;
    if (kind === 'incr') {
      const floor = Math.max(0, ...ackedBefore.map((o) => Number(o.reply!.slice(1))));
      if ((value ?? 0) < floor) fail('stale-read', `${where}, but INCR acknowledged ${floor} before`);
      if ((value ?? 0) > ops.length) fail('phantom-read', `${where}, only ${ops.length} INCRs made`);
      return;
    }
    if (value === null) {
      if (ackedBefore.length > 0)
        fail('stale-read', `${where}, but SET ${ackedBefore[0]!.value} was acknowledged`);
      return;
    }
    const w = ops[value - 1];
    if (w === undefined) fail('phantom-read', `${where}: no such SET`);
    // Overwritten for good: acknowledged before another write began that was itself
    // acknowledged before the read began.
    const overwritten = w.status === 'acked' && ackedBefore.some((o) => o !== w && w.ackedAt < o.issuedAt);
    if (overwritten) fail('stale-read', `${where}, overwritten by a later acknowledged SET`);
  }

  /** End of run: the client's writes against the group's applied history. */
  checkHistory(history: GroupHistory): void {
    const applied: { op: ClientOp; index: number }[] = [];
    for (const op of this.ops) {
      const index = history.tagIndex.get(op.tag);
      const where = `client ${this.id} tag ${op.tag} (${op.argv.map(String).join(' ')})`;
      if (op.status === 'acked') {
        if (index === undefined) fail('acked-lost', `${where} was acknowledged but never applied`);
        if (history.tagReply.get(op.tag) !== op.reply)
          fail('reply-identity', `${where}: got ${op.reply}, applied as ${history.tagReply.get(op.tag)}`);
      }
      if (op.status === 'not-applied' && index !== undefined)
        fail('not-applied-applied', `${where} was answered "not applied" but took effect at ${index}`);
      if (index !== undefined) applied.push({ op, index });
    }
    for (const a of applied) {
      for (const b of applied) {
        if (a.op.status === 'acked' && a.op.ackedAt < b.op.issuedAt && a.index >= b.index) {
          fail(
            'real-time-order',
            `client ${this.id}: tag ${a.op.tag} acknowledged at ${a.op.ackedAt} took effect at ${a.index}, ` +
              `tag ${b.op.tag} sent at ${b.op.issuedAt} at ${b.index}`,
          );
        }
      }
    }
  }

  /** What the final state must hold for this client's keys, from the applied history. */
  expected(history: GroupHistory): { set: string | null; counter: string | null } {
    let last: { value: number; index: number } | null = null;
    let incrs = 0;
    for (const op of this.ops) {
      const index = history.tagIndex.get(op.tag);
      if (index === undefined) continue;
      if (op.kind === 'incr') incrs++;
      else if (last === null || index > last.index) last = { value: op.value, index };
    }
    return { set: last === null ? null : String(last.value), counter: incrs === 0 ? null : String(incrs) };
  }
}
