/**
 * Follower side of client-command forwarding (proto/node.proto, NodeService.Forward).
 *
 * One stream ("link") to the node this follower believes is the leader, reopened when the
 * leader changes or the stream fails. `forward()` queues a command; commands leave in the
 * order they were queued, and every command gets exactly one reply (RESP bytes):
 *
 *   - no leader known (or the leader's link is failing): the command waits, up to
 *     `waitMs`, then is answered -CLUSTERDOWN (it was never sent, so that is a definite
 *     "not done");
 *   - a link is "open" once the callee's response headers arrived; nothing is written
 *     before, so commands queued on a link that fails before opening go back to waiting
 *     (never sent);
 *   - a write that was sent on a link that then fails, or that gets no reply within
 *     `replyTimeoutMs`, may or may not have run on the leader: it is answered with the
 *     "outcome unknown" TRYAGAIN error (ERR_OUTCOME_UNKNOWN). Never a false "not applied";
 *   - a read sent on a link that then fails goes back to waiting and is sent again (to the
 *     next leader): a read has no effect, and running it later, still before its reply, is
 *     still linearizable. Its whole life is bounded by `replyTimeoutMs` from the first
 *     send; past that, or without a reply in time, it is answered -CLUSTERDOWN;
 *   - when the leader changes, the old link stays open until the commands already sent
 *     on it are answered (the old leader still answers them definitively: applied, not
 *     applied, or outcome unknown); new commands go to the new leader. A command sent to
 *     the old leader was proposed in an older term, so if it is applied at all it is
 *     applied before anything proposed by the new leader: per-connection order holds;
 *   - when this node itself becomes the leader, waiting commands run locally (`runLocal`).
 *
 * Replies are delivered in completion order; the caller restores per-connection order.
 */
import { type ForwardLink, type ForwardResponse, openForwardLink, type Password } from '@seshat/cluster';
import { ERR_OUTCOME_UNKNOWN, ERR_READ_TIMEOUT, type WriteIdentity } from '@seshat/cluster';
import { ErrorReply, type Reply } from '@seshat/common';
import { encodeReply } from '@seshat/protocol-resp';
import type { WatchGuard } from './watch-pending.js';

/** How long a command waits for a leader (or a working link to it) before -CLUSTERDOWN. */
export const FORWARD_WAIT_MS = 2000;
/** Bound on a sent command's reply (the leader itself answers within its 5 s request timeout). */
export const FORWARD_REPLY_TIMEOUT_MS = 8000;
/** Pause before reopening a link to the same leader after it failed. */
export const FORWARD_RETRY_MS = 100;
const POLL_MS = 10;

const CLUSTERDOWN_WAITED = new ErrorReply(
  'CLUSTERDOWN The cluster is down: no leader answered in time, retry',
);

export interface ForwardClientOptions {
  nodeId: number;
  /** The Raft group the forwarded commands are for (sent on every request). */
  groupId: number;
  /** The current leader's node id (0: none known). */
  leader(): number;
  /** host:port of a member's Raft (gRPC) listener, or null if unknown. */
  raftAddress(id: number): string | null;
  /** Runs a command on this node (called when this node is the leader). */
  runLocal(
    db: number,
    argv: Buffer[],
    read: boolean,
    resp: 2 | 3,
    done: (bytes: Buffer) => void,
    id: WriteIdentity | undefined,
    guard: WatchGuard | undefined,
  ): void;
  log?: (msg: string, fields: Record<string, unknown>) => void;
  /** The password presented to the leader's Raft port (transport-auth.ts). */
  password?: Password;
  waitMs?: number;
  replyTimeoutMs?: number;
}

interface Request {
  id: number;
  db: number;
  argv: Buffer[];
  read: boolean;
  resp: 2 | 3;
  /** A write's identity for retry detection (cluster/src/retry-table.ts). */
  writeId: WriteIdentity | undefined;
  /** A transaction's watched keys, checked by the leader (watch-pending.ts). */
  guard: WatchGuard | undefined;
  onReply: (bytes: Buffer) => void;
  /** Monotonic ms: waiting until (before sent), reply expected until (after). */
  deadline: number;
  /** A read: monotonic ms after which it is no longer sent again (0: never sent yet). */
  resendUntil: number;
  answered: boolean;
}

class Link {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  /** Queued while connecting (not written yet). */
  readonly queued: Request[] = [];
  /** Written to the stream, awaiting a reply. */
  readonly sent = new Map<number, Request>();
  link!: ForwardLink;
  constructor(
    readonly leaderId: number,
    readonly address: string,
  ) {}
}

export class ForwardClient {
  private readonly o: ForwardClientOptions;
  private readonly waitMs: number;
  private readonly replyTimeoutMs: number;
  private nextId = 1;
  /** Commands not yet handed to a link, in order. */
  private waiting: Request[] = [];
  private current: Link | null = null;
  /** Links to former leaders, kept until their sent commands are answered. */
  private readonly draining = new Set<Link>();
  private lastFailure: { leaderId: number; atMs: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Counters (INFO-style diagnostics): commands forwarded, stream messages they took. */
  forwarded = 0;
  messagesSent = 0;
  outcomeUnknown = 0;
  clusterDown = 0;
  /** Reads sent again after the link they were sent on failed. */
  readsResent = 0;

  constructor(options: ForwardClientOptions) {
    this.o = options;
    this.waitMs = options.waitMs ?? FORWARD_WAIT_MS;
    this.replyTimeoutMs = options.replyTimeoutMs ?? FORWARD_REPLY_TIMEOUT_MS;
  }

  /** Commands queued or in flight. */
  get pending(): number {
    let n = this.waiting.length;
    for (const l of this.links()) n += l.queued.length + l.sent.size;
    return n;
  }

  /** Queues one command; `onReply` is called exactly once with its RESP-encoded reply. */
  forward(
    db: number,
    argv: Buffer[],
    read: boolean,
    resp: 2 | 3,
    onReply: (bytes: Buffer) => void,
    writeId?: WriteIdentity,
    guard?: WatchGuard,
  ): void {
    const req: Request = {
      id: this.nextId++,
      db,
      argv,
      read,
      resp,
      writeId,
      guard,
      onReply,
      deadline: performance.now() + this.waitMs,
      resendUntil: 0,
      answered: false,
    };
    this.forwarded++;
    if (this.closed) {
      this.answer(req, CLUSTERDOWN_WAITED);
      return;
    }
    this.waiting.push(req);
    this.pump();
  }

  /** Hands waiting commands, in order, to the leader's link (or runs them here). */
  private pump(): void {
    const now = performance.now();
    const leader = this.o.leader();
    if (this.current !== null && this.current.leaderId !== leader) this.retire(this.current);
    while (this.waiting.length > 0) {
      const req = this.waiting[0]!;
      if (leader === this.o.nodeId) {
        this.waiting.shift();
        this.o.runLocal(
          req.db,
          req.argv,
          req.read,
          req.resp,
          (bytes) => this.deliver(req, bytes),
          req.writeId,
          req.guard,
        );
        continue;
      }
      const link = leader === 0 ? null : this.linkTo(leader, now);
      if (link === null) break;
      this.waiting.shift();
      if (link.state === 'open') this.send(link, req, now);
      else link.queued.push(req);
    }
    // Whatever still waits has a deadline.
    let kept = 0;
    for (const req of this.waiting) {
      if (req.deadline <= now) this.answer(req, CLUSTERDOWN_WAITED, true);
      else this.waiting[kept++] = req;
    }
    this.waiting.length = kept;
    this.updateTimer();
  }

  /** The link to `leader`, opened if needed; null while backing off after a failure. */
  private linkTo(leader: number, now: number): Link | null {
    if (this.current !== null && this.current.leaderId === leader) return this.current;
    if (this.lastFailure?.leaderId === leader && now - this.lastFailure.atMs < FORWARD_RETRY_MS) return null;
    const address = this.o.raftAddress(leader);
    if (address === null) return null;
    const l = new Link(leader, address);
    l.link = openForwardLink(
      address,
      this.o.nodeId,
      leader,
      {
        opened: () => this.opened(l),
        response: (res) => this.response(l, res),
        failed: (reason) => this.failed(l, reason),
        messageSent: () => this.messagesSent++,
      },
      this.o.password,
    );
    this.current = l;
    return l;
  }

  private opened(l: Link): void {
    if (l.state !== 'connecting') return;
    l.state = 'open';
    const now = performance.now();
    for (const req of l.queued.splice(0)) this.send(l, req, now);
    this.updateTimer();
  }

  private send(l: Link, req: Request, now: number): void {
    if (req.resendUntil === 0) req.resendUntil = now + this.replyTimeoutMs;
    req.deadline = Math.min(now + this.replyTimeoutMs, req.resendUntil);
    l.sent.set(req.id, req);
    const w = req.writeId;
    l.link.send({
      id: req.id,
      groupId: this.o.groupId,
      db: req.db,
      argv: req.argv,
      read: req.read,
      resp: req.resp,
      tag: w?.tag ?? 0,
      sentAfterIndex: w?.sentAfterIndex ?? 0,
      retry: w?.retry ?? false,
      watchKeys: req.guard?.keys ?? [],
      watchAfter: req.guard?.after ?? 0,
    });
  }

  private response(l: Link, res: ForwardResponse): void {
    const req = l.sent.get(res.id);
    if (req === undefined) return;
    l.sent.delete(res.id);
    this.deliver(req, res.reply);
    if (l !== this.current && l.sent.size === 0) this.close(l);
  }

  private failed(l: Link, reason: string): void {
    if (l.state === 'closed') return;
    this.o.log?.('forwarding stream failed', {
      leader: l.leaderId,
      address: l.address,
      reason,
      sent: l.sent.size,
      queued: l.queued.length,
    });
    l.state = 'closed';
    this.draining.delete(l);
    if (this.current === l) {
      this.current = null;
      this.lastFailure = { leaderId: l.leaderId, atMs: performance.now() };
    }
    // Never written, or reads to send again: back to the front of the queue, in order.
    if (!this.closed) this.requeue(l);
    this.failSent(l);
    if (!this.closed) this.pump();
  }

  /** Moves `l`'s unsent commands and its sent reads that still have time to the front of the
   * waiting queue, in order. */
  private requeue(l: Link): void {
    const resend = this.readsToResend(l);
    if (resend.length === 0 && l.queued.length === 0) return;
    this.waiting = [...resend, ...l.queued.splice(0), ...this.waiting];
    this.readsResent += resend.length;
  }

  /** Reads sent on link `l` that still have time: taken out of `l.sent`, in order. */
  private readsToResend(l: Link): Request[] {
    const now = performance.now();
    const out: Request[] = [];
    for (const req of l.sent.values()) {
      if (!req.read || req.answered || req.resendUntil <= now) continue;
      l.sent.delete(req.id);
      req.deadline = Math.min(now + this.waitMs, req.resendUntil);
      out.push(req);
    }
    return out;
  }

  /** Sent on a link that is gone: the outcome of a write is unknown, a read timed out. */
  private failSent(l: Link): void {
    const sent = [...l.sent.values()];
    l.sent.clear();
    for (const req of sent) this.answer(req, req.read ? ERR_READ_TIMEOUT : ERR_OUTCOME_UNKNOWN);
  }

  /**
   * The leader changed: queued commands and sent reads go back to waiting (the old leader may
   * be frozen and never answer; a late answer to a read is ignored); sent writes are still
   * answered by the old leader.
   */
  private retire(l: Link): void {
    if (this.current === l) this.current = null;
    this.requeue(l);
    if (l.sent.size === 0) this.close(l);
    else this.draining.add(l);
  }

  private close(l: Link): void {
    if (l.state === 'closed') return;
    l.state = 'closed';
    this.draining.delete(l);
    l.link.close();
  }

  private *links(): Iterable<Link> {
    if (this.current !== null) yield this.current;
    yield* this.draining;
  }

  private deliver(req: Request, bytes: Buffer): void {
    if (req.answered) return;
    req.answered = true;
    req.onReply(bytes);
  }

  private answer(req: Request, reply: Reply, waited = false): void {
    if (req.answered) return;
    if (reply === ERR_OUTCOME_UNKNOWN) this.outcomeUnknown++;
    else if (waited || reply === ERR_READ_TIMEOUT) this.clusterDown++;
    this.deliver(req, encodeReply(reply, req.resp));
  }

  /** Polls while there is work: leader changes, waiting deadlines, reply timeouts. */
  private updateTimer(): void {
    const busy = this.pending > 0;
    if (busy && this.timer === null && !this.closed) {
      this.timer = setInterval(() => this.poll(), POLL_MS);
      this.timer.unref();
    } else if (!busy && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private poll(): void {
    const now = performance.now();
    for (const l of [...this.links()]) {
      if (l.state !== 'open') continue;
      for (const req of l.sent.values()) {
        if (req.deadline > now) continue; // a resent read may expire before younger commands
        l.sent.delete(req.id);
        this.answer(req, req.read ? ERR_READ_TIMEOUT : ERR_OUTCOME_UNKNOWN);
      }
      if (l !== this.current && l.sent.size === 0) this.close(l);
    }
    this.pump();
  }

  /** Shutdown: answers everything (sent writes: outcome unknown) and closes the links. */
  closeAll(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const l of [...this.links()]) {
      this.failSent(l);
      for (const req of l.queued.splice(0)) this.answer(req, CLUSTERDOWN_WAITED, true);
      this.close(l);
    }
    this.current = null;
    for (const req of this.waiting.splice(0)) this.answer(req, CLUSTERDOWN_WAITED, true);
  }
}
