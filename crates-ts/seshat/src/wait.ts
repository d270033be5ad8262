/**
 * WAIT numreplicas timeout: how many replicas hold this connection's writes. A connection's
 * commands run after its earlier writes are applied, so when WAIT runs, everything applied on
 * this node (those writes included) is what must be held: the replicas counted are the Raft
 * followers (and learners) whose log matches the leader's up to the node's applied index, as
 * the leader's progress tracking reports it. That can only undercount Redis's figure (a follower
 * holding this client's writes but not yet later ones is left out until it catches up), never
 * report a replica that lacks a write. A standalone node has no replicas (Redis's master without
 * replicas: 0, after the timeout when more were asked for), and a follower is a replica, which
 * Redis refuses WAIT on. As in Redis a WAIT inside MULTI answers at once, a pending WAIT counts
 * in blocked_clients, and CLIENT UNBLOCK answers it with the current count (or UNBLOCKED).
 */
import { assert, ErrorReply, type Reply, SeshatError } from '@seshat/common';
import { tryParseI64 } from '@seshat/kv';
import type { Client } from './client.js';
import { clientUnblockers, def, NO_REPLY } from './server-commands.js';
import type { SeshatServer } from './server.js';

/** How often pending WAITs count their replicas again (cluster mode; Raft acks arrive with
 * appends and heartbeats, so a few ms of delay adds little to the wait). */
const WAIT_POLL_INTERVAL_MS = 5;
/** setTimeout's largest delay; longer timeouts re-arm in steps. */
const TIMER_DELAY_MAX_MS = 2 ** 31 - 1;

const REPLICA_ERROR =
  'WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';
const UNBLOCKED = new ErrorReply('UNBLOCKED client unblocked via CLIENT UNBLOCK');

interface PendingWait {
  readonly client: Client;
  /** Log index the replicas must hold. */
  readonly index: number;
  readonly replicas: number;
  readonly reply: (r: Reply) => void;
  timer: NodeJS.Timeout | null;
  readonly onClose: () => void;
}

/** The WAITs pending on one server. */
class ReplicaWaits {
  private readonly pending = new Map<Client, PendingWait>();
  private poller: NodeJS.Timeout | null = null;

  constructor(private readonly server: SeshatServer) {}

  get size(): number {
    return this.pending.size;
  }

  /** Followers whose log holds `index` (0 when this node is not a Raft leader). */
  acks(index: number): number {
    const c = this.server.cluster;
    if (c === null) return 0;
    const st = c.driver.node.status();
    if (st.lead !== st.id) return 0;
    let n = 0;
    for (const p of st.progress) if (p.id !== st.id && p.match >= index) n++;
    return n;
  }

  add(client: Client, index: number, replicas: number, timeoutMs: number): void {
    assert(!this.pending.has(client), 'a connection runs one WAIT at a time');
    const w: PendingWait = {
      client,
      index,
      replicas,
      reply: client.deferReply(),
      timer: null,
      onClose: () => this.drop(w),
    };
    this.pending.set(client, w);
    client.socket.once('close', w.onClose);
    if (timeoutMs > 0) this.arm(w, timeoutMs);
    if (this.server.cluster !== null && this.poller === null)
      this.poller = setInterval(() => this.poll(), WAIT_POLL_INTERVAL_MS);
  }

  /** CLIENT UNBLOCK: the count now, or the UNBLOCKED error. */
  unblock(client: Client, withError: boolean): boolean {
    const w = this.pending.get(client);
    if (w === undefined) return false;
    this.finish(w, withError ? UNBLOCKED : this.acks(w.index));
    return true;
  }

  private arm(w: PendingWait, ms: number): void {
    const step = Math.min(ms, TIMER_DELAY_MAX_MS);
    w.timer = setTimeout(() => {
      if (ms > step) this.arm(w, ms - step);
      else this.finish(w, this.acks(w.index));
    }, step);
  }

  private poll(): void {
    for (const w of this.pending.values()) {
      const n = this.acks(w.index);
      if (n >= w.replicas) this.finish(w, n);
    }
  }

  private finish(w: PendingWait, reply: Reply): void {
    this.drop(w);
    w.reply(reply);
  }

  /** Forgets `w` (answered, or its connection closed). */
  private drop(w: PendingWait): void {
    if (this.pending.get(w.client) !== w) return;
    this.pending.delete(w.client);
    if (w.timer !== null) clearTimeout(w.timer);
    w.client.socket.off('close', w.onClose);
    if (this.pending.size === 0 && this.poller !== null) {
      clearInterval(this.poller);
      this.poller = null;
    }
  }
}

const waitsByServer = new WeakMap<SeshatServer, ReplicaWaits>();

function waitsOf(server: SeshatServer): ReplicaWaits {
  let w = waitsByServer.get(server);
  if (w === undefined) {
    w = new ReplicaWaits(server);
    waitsByServer.set(server, w);
  }
  return w;
}

/** Connections blocked in WAIT (INFO blocked_clients). */
export function waitingClients(server: SeshatServer): number {
  return waitsByServer.get(server)?.size ?? 0;
}

clientUnblockers.push((server, target, withError) => waitsOf(server).unblock(target, withError));

/** getTimeoutFromObjectOrReply with milliseconds: an integer, not negative. */
function parseTimeoutMs(arg: Buffer): number {
  const v = tryParseI64(arg);
  if (v === undefined) throw new SeshatError('ERR', 'timeout is not an integer or out of range');
  if (v < 0n) throw new SeshatError('ERR', 'timeout is negative');
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

def(
  {
    name: 'wait',
    arity: 3,
    flags: 'noscript',
    group: 'generic',
    summary:
      'Blocks until the asynchronous replication of all preceding write commands sent by the connection.',
    since: '3.0.0',
  },
  (server, client, argv) => {
    const c = server.cluster;
    if (c !== null) {
      const st = c.driver.node.status();
      if (st.lead !== st.id) throw new SeshatError('ERR', REPLICA_ERROR);
    }
    const replicas = tryParseI64(argv[1]!);
    if (replicas === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
    const timeoutMs = parseTimeoutMs(argv[2]!);
    const waits = waitsOf(server);
    const index = server.sm.appliedIndex;
    const acks = waits.acks(index);
    if (BigInt(acks) >= replicas || client.execRunning) return acks;
    waits.add(client, index, Number(replicas), timeoutMs);
    return NO_REPLY;
  },
);
