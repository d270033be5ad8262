/**
 * LinkProxy: a TCP proxy standing in for the network on ONE directed link between two
 * nodes. Node A dials the proxy instead of node B's Raft port; the proxy dials B and
 * relays both directions of that TCP connection. Since A sends everything it has for B
 * (Raft messages, forwarded client commands) on the connection it opened, and B answers
 * A's messages on its own connection to A, holding this proxy's traffic is "A's packets
 * do not reach B" (the replies that share the connection stop too).
 *
 * Faults, changeable at any time:
 *   cut()             a black hole: bytes already in the proxy and bytes that keep coming
 *                     are held, new connections are accepted (A cannot tell) but B is not
 *                     dialled; nothing is reset. cut({reset: true}) also aborts every
 *                     connection (RST both ways).
 *   heal()            held bytes are delivered in order, deferred dials go out. A pair whose
 *                     one side closed during the cut drops its held bytes and the other side
 *                     is reset at heal (it learns of the close when the network lets it).
 *   delay(ms, jit)    each chunk, each direction, is delivered ms (+ uniform [0, jit)) after
 *                     it arrived, never before an earlier chunk of the same direction.
 *   loss(f)           TCP never loses bytes; a lost segment is retransmitted after a timeout
 *                     and holds up everything behind it. So a chunk is "lost" with
 *                     probability f and then delivered RTO later (RTO doubles while its
 *                     retransmissions are lost too); order and content are unchanged.
 *
 * Limits (named constants below): held bytes per direction per connection (reading from
 * the sender pauses above it, like a full TCP window), connections per proxy (beyond it a
 * new connection is reset), delay and RTO bounds. Randomness (jitter, loss) comes from a
 * seeded `Random` so a run can be replayed.
 */
import net from 'node:net';
import { assert, type Random, SeededRandom } from '@seshat/common';

/** Retransmission timeout of a "lost" chunk (Linux's minimum RTO is 200 ms). */
export const RETRANSMIT_TIMEOUT_MS_DEFAULT = 200;
/** A chunk whose retransmissions keep being lost backs off at most this many times. */
const RETRANSMIT_BACKOFF_STEPS_MAX = 6;
/** Bytes held per direction of one connection before the proxy stops reading the sender. */
const HELD_BYTES_MAX = 16 * 1024 * 1024;
/** Reading resumes once the held bytes drop below this. */
const HELD_BYTES_RESUME = HELD_BYTES_MAX / 2;
/** Open connections per proxy; a further connection is reset at once (counted as refused). */
export const CONNECTIONS_MAX = 128;
export const DELAY_MS_MAX = 60_000;

export interface LinkTarget {
  host: string;
  port: number;
}

export interface LinkProxyOptions {
  target: LinkTarget;
  /** Shown in descriptions and errors, e.g. '1->2'. */
  name?: string;
  /** Jitter and loss draws; a fixed seed by default so runs repeat. */
  random?: Random;
  retransmitTimeoutMs?: number;
}

export interface LinkFaults {
  cut: boolean;
  delayMs: number;
  jitterMs: number;
  lossFraction: number;
}

export interface LinkStats {
  /** Bytes delivered from the dialling side to the target. */
  forwardBytes: number;
  /** Bytes delivered from the target back to the dialling side. */
  backwardBytes: number;
  /** Bytes held in the proxy right now (both directions, all connections). */
  heldBytes: number;
  connectionsAccepted: number;
  connectionsOpen: number;
  /** Connections reset on arrival because CONNECTIONS_MAX were open. */
  connectionsRefused: number;
  /** Chunks that took the "lost, retransmitted" path. */
  retransmits: number;
}

/** A chunk (null: the sender's FIN) and when it may be delivered (performance.now() ms). */
interface Segment {
  data: Buffer | null;
  dueMs: number;
}

/** Sends RST when the socket is connected, otherwise just closes it. */
function abort(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.connecting || s.readyState !== 'open') s.destroy();
  else s.resetAndDestroy();
}

/** The proxy's side of the policy a lane needs: when a new chunk is due, and whether cut. */
interface LanePolicy {
  readonly isCut: boolean;
  dueMs(nowMs: number): number;
  delivered(forward: boolean, bytes: number): void;
}

/**
 * One direction of one connection: a FIFO of segments from `source`, written to `out` once
 * due, with one timer for the head and write backpressure (drain) honoured.
 */
class Lane {
  out: net.Socket | null = null;
  heldBytes = 0;
  private readonly items: Segment[] = [];
  private head = 0;
  private lastDueMs = 0;
  private blocked = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly policy: LanePolicy,
    private readonly source: net.Socket,
    private readonly forward: boolean,
  ) {}

  get empty(): boolean {
    return this.head === this.items.length;
  }

  push(data: Buffer | null): void {
    const due = Math.max(this.lastDueMs, this.policy.dueMs(performance.now()));
    this.lastDueMs = due;
    this.items.push({ data, dueMs: due });
    if (data !== null) {
      this.heldBytes += data.length;
      if (this.heldBytes > HELD_BYTES_MAX) this.source.pause();
    }
    this.pump();
  }

  /** Delivers every due segment unless cut, unconnected or blocked; re-arms the timer. */
  pump(): void {
    if (this.policy.isCut || this.out === null || this.blocked || this.out.destroyed) return;
    const now = performance.now();
    while (this.head < this.items.length) {
      const seg = this.items[this.head]!;
      if (seg.dueMs > now) {
        this.arm(seg.dueMs - now);
        return;
      }
      this.items[this.head++] = undefined as unknown as Segment;
      if (seg.data === null) {
        this.out.end();
        continue;
      }
      this.heldBytes -= seg.data.length;
      this.policy.delivered(this.forward, seg.data.length);
      if (this.heldBytes < HELD_BYTES_RESUME && this.source.isPaused()) this.source.resume();
      if (!this.out.write(seg.data)) {
        this.blocked = true;
        this.out.once('drain', () => {
          this.blocked = false;
          this.pump();
        });
        break;
      }
    }
    this.compact();
  }

  private arm(waitMs: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.pump();
      },
      Math.max(1, Math.ceil(waitMs)),
    );
  }

  /** Drops the consumed prefix once it dominates the array (amortised O(1) per segment). */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Forgets every held segment and the timer. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.items.length = 0;
    this.head = 0;
    this.heldBytes = 0;
  }
}

/** One accepted connection and its upstream twin. */
class Pipe {
  upstream: net.Socket | null = null;
  readonly forward: Lane;
  backward: Lane | null = null;
  /** A side closed while the link was cut: reset the survivor at heal. */
  resetAtHeal = false;
  closed = false;

  constructor(
    readonly client: net.Socket,
    private readonly policy: LanePolicy,
  ) {
    this.forward = new Lane(policy, client, true);
  }

  attachUpstream(s: net.Socket): Lane {
    this.upstream = s;
    const back = new Lane(this.policy, s, false);
    back.out = this.client;
    this.backward = back;
    return back;
  }

  pump(): void {
    this.forward.pump();
    this.backward?.pump();
  }

  heldBytes(): number {
    return this.forward.heldBytes + (this.backward?.heldBytes ?? 0);
  }

  /** Aborts both sockets and drops everything held. */
  destroy(): void {
    this.closed = true;
    this.forward.clear();
    this.backward?.clear();
    abort(this.client);
    if (this.upstream !== null) abort(this.upstream);
  }
}

export class LinkProxy implements LanePolicy {
  readonly name: string;
  readonly port: number;
  private target: LinkTarget;
  private readonly server: net.Server;
  private readonly pipes = new Set<Pipe>();
  private readonly random: Random;
  private readonly retransmitTimeoutMs: number;
  private cutNow = false;
  private delayMs = 0;
  private jitterMs = 0;
  private lossFraction = 0;
  private closed = false;
  private readonly counters = {
    forwardBytes: 0,
    backwardBytes: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    retransmits: 0,
  };

  private constructor(server: net.Server, port: number, o: LinkProxyOptions) {
    this.server = server;
    this.port = port;
    this.target = { ...o.target };
    this.name = o.name ?? `proxy:${port}->${o.target.port}`;
    this.random = o.random ?? new SeededRandom(port);
    this.retransmitTimeoutMs = o.retransmitTimeoutMs ?? RETRANSMIT_TIMEOUT_MS_DEFAULT;
    assert(this.retransmitTimeoutMs > 0 && this.retransmitTimeoutMs <= DELAY_MS_MAX, 'retransmit timeout');
    server.on('connection', (s) => this.accept(s));
  }

  /** Listens on 127.0.0.1 on a free port and forwards to `o.target`. */
  static start(o: LinkProxyOptions): Promise<LinkProxy> {
    const server = net.createServer({ allowHalfOpen: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        const addr = server.address();
        assert(typeof addr === 'object' && addr !== null, 'proxy address');
        resolve(new LinkProxy(server, addr.port, o));
      });
    });
  }

  /** host:port to dial instead of the target. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.cutNow;
  }

  faults(): LinkFaults {
    return {
      cut: this.cutNow,
      delayMs: this.delayMs,
      jitterMs: this.jitterMs,
      lossFraction: this.lossFraction,
    };
  }

  /** New upstream connections go here (existing ones keep their peer). */
  setTarget(target: LinkTarget): void {
    this.target = { ...target };
  }

  cut(opts: { reset?: boolean } = {}): void {
    this.cutNow = true;
    if (opts.reset !== true) return;
    for (const p of this.pipes) p.destroy();
    this.pipes.clear();
  }

  heal(): void {
    if (!this.cutNow) return;
    this.cutNow = false;
    for (const p of [...this.pipes]) {
      if (p.resetAtHeal) {
        p.destroy();
        this.pipes.delete(p);
      } else if (p.upstream === null) {
        this.dial(p);
      } else {
        p.pump();
      }
    }
  }

  delay(ms: number, jitterMs = 0): void {
    assert(ms >= 0 && ms <= DELAY_MS_MAX, `delay ${ms} ms out of [0, ${DELAY_MS_MAX}]`);
    assert(jitterMs >= 0 && jitterMs <= DELAY_MS_MAX, `jitter ${jitterMs} ms out of range`);
    this.delayMs = ms;
    this.jitterMs = jitterMs;
  }

  /** Fraction of chunks that are "lost" (delivered late by a retransmission timeout); < 1. */
  loss(fraction: number): void {
    assert(fraction >= 0 && fraction < 1, `loss fraction ${fraction} out of [0, 1)`);
    this.lossFraction = fraction;
  }

  stats(): LinkStats {
    let held = 0;
    for (const p of this.pipes) held += p.heldBytes();
    return { ...this.counters, heldBytes: held, connectionsOpen: this.pipes.size };
  }

  /** Stops listening and destroys every socket. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const p of this.pipes) p.destroy();
    this.pipes.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  // ---- LanePolicy ----

  dueMs(nowMs: number): number {
    let due = nowMs + this.delayMs;
    if (this.jitterMs > 0) due += this.random.nextFloat() * this.jitterMs;
    if (this.lossFraction > 0 && this.random.nextFloat() < this.lossFraction) {
      this.counters.retransmits++;
      let rto = this.retransmitTimeoutMs;
      due += rto;
      for (let i = 1; i < RETRANSMIT_BACKOFF_STEPS_MAX && this.random.nextFloat() < this.lossFraction; i++) {
        rto *= 2;
        due += rto;
      }
    }
    return due;
  }

  delivered(forward: boolean, bytes: number): void {
    if (forward) this.counters.forwardBytes += bytes;
    else this.counters.backwardBytes += bytes;
  }

  // ---- connections ----

  private accept(client: net.Socket): void {
    client.on('error', () => {});
    if (this.closed || this.pipes.size >= CONNECTIONS_MAX) {
      this.counters.connectionsRefused++;
      abort(client);
      return;
    }
    this.counters.connectionsAccepted++;
    client.setNoDelay(true);
    const p = new Pipe(client, this);
    this.pipes.add(p);
    client.on('data', (d: Buffer) => p.forward.push(d));
    client.on('end', () => p.forward.push(null));
    client.on('close', (hadError) => this.sideClosed(p, client, hadError));
    // A black hole swallows the SYN: B is dialled only once the link heals.
    if (!this.cutNow) this.dial(p);
  }

  private dial(p: Pipe): void {
    const s = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    s.on('error', () => {});
    s.setNoDelay(true);
    const back = p.attachUpstream(s);
    s.on('connect', () => {
      p.forward.out = s;
      p.forward.pump();
    });
    s.on('data', (d: Buffer) => back.push(d));
    s.on('end', () => back.push(null));
    s.on('close', (hadError) => this.sideClosed(p, s, hadError || p.forward.out === null));
  }

  /**
   * One socket of a pair is gone. After a clean close (FIN both ways) the pair is done once
   * both are; an abrupt one (error, RST, refused dial) resets the other side, at once if
   * the link is up, at heal if it is cut (and whatever the pair held is dropped).
   */
  private sideClosed(p: Pipe, side: net.Socket, abrupt: boolean): void {
    if (p.closed) return;
    const other = side === p.client ? p.upstream : p.client;
    if (this.cutNow) {
      p.forward.clear();
      p.backward?.clear();
      if (other === null || other.destroyed) this.forget(p);
      else p.resetAtHeal = true;
      return;
    }
    if (abrupt && other !== null) {
      this.forget(p);
      return;
    }
    if (other === null || other.destroyed) this.forget(p);
  }

  private forget(p: Pipe): void {
    p.destroy();
    this.pipes.delete(p);
  }
}
