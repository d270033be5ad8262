/**
 * Node-to-node transport of the replicated cluster over gRPC (proto/cluster.proto).
 *
 * One Transport per node. It runs the RaftTransport server for inbound traffic and,
 * per peer, one long-lived outbound bidirectional stream carrying batches of Raft
 * messages of every group (see transport-peer.ts), plus separate client-streaming calls
 * for state-machine images (transport-snapshot.ts). Contract for the driver: README.md,
 * section "Transport".
 *
 * Nothing here blocks the event loop: send() only converts and queues; frames are
 * written at the end of the current turn; every queue and window is bounded, and
 * overload or a dead peer turns into dropped messages (counted) and onUnreachable
 * reports, which Raft is built to tolerate.
 */
import { performance } from 'node:perf_hooks';
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { assert } from '@seshat/common';
import type { Message, SnapshotMetadata } from '@seshat/raft';
import { RaftTransportService } from './gen/cluster.js';
import {
  NOOP_LOGGER,
  type ResolvedLimits,
  resolveLimits,
  serverOptions,
  type TransportLimits,
  type TransportLogger,
} from './transport-config.js';
import { type Password, serverAuthInterceptor } from './transport-auth.js';
import { messageToProto } from './transport-convert.js';
import { InboundService, type InboundStats, type MessagesHandler } from './transport-inbound.js';
import { PeerSender, type PeerStats } from './transport-peer.js';
import { type ImageSource, type SnapshotHandler, sendSnapshotImage } from './transport-snapshot.js';

export type { TransportLimits, TransportLogger } from './transport-config.js';
export { TRANSPORT_LIMITS_DEFAULT } from './transport-config.js';
export type { InboundStats, MessagesHandler } from './transport-inbound.js';
export type { PeerState, PeerStats } from './transport-peer.js';
export type { ImageSource, InboundSnapshot, SnapshotHandler } from './transport-snapshot.js';

/** Callbacks into the driver. All optional at construction; see setHandlers(). */
export interface TransportHandlers {
  /**
   * Inbound messages, one call per received frame, in the order the sending node sent
   * them (messages of different senders interleave). Called synchronously from the
   * socket's event; step them (or queue them for the next tick) without blocking.
   */
  onMessages: MessagesHandler;
  /**
   * Messages to `peerId` were dropped or may have been lost (stream failed, peer down,
   * queue overflow, unknown peer). Called at most once per peer per event-loop turn,
   * and again on later sends while the peer stays down. Call
   * `rawNode.reportUnreachable(peerId)` for every group this node leads.
   */
  onUnreachable: (peerId: number) => void;
  /** Verified inbound images (see InboundSnapshot). Without one, snapshots are refused. */
  onSnapshot: SnapshotHandler | null;
}

export interface TransportOptions extends TransportLimits, Partial<TransportHandlers> {
  /** This node's id (>= 1); peers address their streams to it. */
  nodeId: number;
  /** Address to serve on; port 0 picks a free port (start() returns it). */
  listen: { host: string; port: number };
  /** Initial peers: node id -> "host:port". More with addPeer(). */
  peers?: ReadonlyMap<number, string>;
  logger?: TransportLogger;
  /** Passwords of the Raft port (transport-auth.ts): the one calls to this node must present
   * (`required`, '' = none) and the one this node presents to its peers. */
  auth?: { required: Password; presented: Password };
}

export interface TransportStats {
  readonly inbound: InboundStats;
  readonly peers: readonly PeerStats[];
  /** Messages whose destination is not a known peer, dropped. */
  readonly droppedNoPeer: number;
  readonly snapshotsSent: number;
  readonly snapshotsFailed: number;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class Transport {
  readonly nodeId: number;
  private readonly limits: ResolvedLimits;
  private readonly logger: TransportLogger;
  private readonly listen: { host: string; port: number };
  private readonly handlers: TransportHandlers;
  private readonly peers = new Map<number, PeerSender>();
  /** Peer senders being closed (removed or replaced); stop() waits for them. */
  private readonly retiring = new Set<Promise<void>>();
  private readonly inbound: InboundService;
  private readonly outboundSnapshots = new Set<() => void>();
  private server: Server | null = null;
  private state: State = 'new';
  private boundPort = 0;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private readonly unreachablePending = new Set<number>();
  private unreachableScheduled = false;
  private droppedNoPeer = 0;
  private snapshotsSent = 0;
  private snapshotsFailed = 0;
  /** More services served next to RaftTransport (see addService). */
  private readonly extraServices: [ServiceDefinition, UntypedServiceImplementation][] = [];
  private readonly auth: TransportOptions['auth'];

  constructor(options: TransportOptions) {
    assert(Number.isSafeInteger(options.nodeId) && options.nodeId >= 1, 'nodeId must be >= 1');
    const { nodeId, listen, peers, logger, onMessages, onUnreachable, onSnapshot, auth, ...limits } = options;
    this.nodeId = nodeId;
    this.auth = auth;
    this.listen = { ...listen };
    this.limits = resolveLimits(limits);
    this.logger = logger ?? NOOP_LOGGER;
    this.handlers = {
      onMessages: onMessages ?? (() => {}),
      onUnreachable: onUnreachable ?? (() => {}),
      onSnapshot: onSnapshot ?? null,
    };
    this.inbound = new InboundService({
      nodeId,
      limits: this.limits,
      logger: this.logger,
      deliver: (messages, from) => {
        this.peers.get(from)?.peerIsAlive();
        this.handlers.onMessages(messages, from);
      },
      // A restarted node opens its streams at start, before it has anything to say: our link
      // to it, waiting out a reconnect backoff, reconnects now instead of up to backoffMaxMs
      // later (a follower would otherwise hear no append or heartbeat for that long).
      peerStreamOpened: (from) => this.peers.get(from)?.peerIsAlive(),
      snapshotHandler: () => this.handlers.onSnapshot,
    });
    for (const [id, address] of peers ?? []) this.addPeer(id, address);
  }

  /** Replace callbacks (e.g. once the driver exists; the transport may be built first). */
  setHandlers(handlers: Partial<TransportHandlers>): void {
    Object.assign(this.handlers, handlers);
  }

  /**
   * Serve another gRPC service on this transport's server and port (e.g. client-command
   * forwarding, proto/node.proto). Must be called before start(). The service's calls are
   * cancelled when stop() shuts the server down (forced after stopGraceMs).
   */
  addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    assert(this.state === 'new', `addService() in state ${this.state}`);
    this.extraServices.push([definition, implementation]);
  }

  /** The bound port once started (0 before). */
  get port(): number {
    return this.boundPort;
  }

  /** Bind the server and open streams to the known peers. */
  async start(): Promise<{ port: number }> {
    assert(this.state === 'new', `start() in state ${this.state}`);
    this.state = 'starting';
    const required = this.auth?.required;
    const server = new Server({
      ...serverOptions(this.limits),
      ...(required === undefined ? {} : { interceptors: [serverAuthInterceptor(required)] }),
    });
    server.addService(RaftTransportService, this.inbound.implementation());
    for (const [definition, implementation] of this.extraServices)
      server.addService(definition, implementation);
    const host = this.listen.host.includes(':') ? `[${this.listen.host}]` : this.listen.host;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${this.listen.port}`, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
    this.server = server;
    this.state = 'running';
    this.watchdogTimer = setInterval(() => this.watchdog(), this.limits.watchdogIntervalMs);
    this.watchdogTimer.unref();
    for (const peer of this.peers.values()) peer.connectEagerly();
    this.logger.info({ node: this.nodeId, port: this.boundPort }, 'transport started');
    return { port: this.boundPort };
  }

  /**
   * Stop cleanly: outbound streams are half-closed and their status awaited (cancelled
   * after stopGraceMs), snapshots in flight fail, inbound streams end with OK, the server
   * shuts down (forced after stopGraceMs) and every channel is closed. Leaves no handle
   * open. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.state = 'stopping';
    if (this.watchdogTimer !== null) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
    const grace = this.limits.stopGraceMs;
    for (const cancel of this.outboundSnapshots) cancel();
    const closing = [...this.peers.values()].map((p) => p.close(grace));
    this.peers.clear();
    await Promise.all([...closing, ...this.retiring, this.inbound.close(grace)]);
    const server = this.server;
    this.server = null;
    if (server !== null) await shutdownServer(server, grace);
    this.state = 'stopped';
    this.logger.info({ node: this.nodeId }, 'transport stopped');
  }

  /** Add a peer (or move it to a new address). Its stream opens now if running. */
  addPeer(peerId: number, address: string): void {
    assert(Number.isSafeInteger(peerId) && peerId >= 1, 'peer id must be >= 1');
    assert(peerId !== this.nodeId, 'a node is not its own peer');
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const existing = this.peers.get(peerId);
    if (existing !== undefined) {
      if (existing.address === address) return;
      this.retire(existing);
    }
    const peer = new PeerSender(peerId, address, {
      nodeId: this.nodeId,
      limits: this.limits,
      logger: this.logger,
      unreachable: (id) => this.reportUnreachable(id),
      password: this.auth?.presented,
    });
    this.peers.set(peerId, peer);
    if (this.state === 'running') peer.connectEagerly();
  }

  /** Forget a peer: its stream is closed; later messages to it count as droppedNoPeer. */
  removePeer(peerId: number): Promise<void> {
    const peer = this.peers.get(peerId);
    if (peer === undefined) return Promise.resolve();
    this.peers.delete(peerId);
    return this.retire(peer);
  }

  hasPeer(peerId: number): boolean {
    return this.peers.has(peerId);
  }

  /**
   * Queue messages (any groups, any peers) for delivery. Messages for one peer leave in
   * this order, as few frames as the size bounds allow, at the end of the current
   * event-loop turn. Never blocks, never throws for operating conditions: undeliverable
   * messages are dropped, counted and reported through onUnreachable.
   */
  send(messages: readonly Message[]): void {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const peer = this.peers.get(m.to);
      if (peer === undefined || this.state === 'stopping' || this.state === 'stopped') {
        this.droppedNoPeer++;
        this.reportUnreachable(m.to);
        continue;
      }
      peer.enqueue(messageToProto(m));
    }
  }

  /**
   * Stream a state-machine image for `groupId` to peer `to`. Resolves true once the peer
   * verified the checksum and its onSnapshot handler resolved; false on any failure
   * (unknown peer, stream error, refused, image source threw). Never rejects. `message`
   * is the Raft Snapshot message the receiver's driver should step after installing
   * (sent without its snapshot.data). Call rawNode.reportSnapshot(to, result) after.
   */
  async sendSnapshot(
    to: number,
    groupId: number,
    metadata: SnapshotMetadata,
    image: ImageSource,
    message: Message | null = null,
  ): Promise<boolean> {
    const client = this.state === 'running' ? (this.peers.get(to)?.snapshotClient() ?? null) : null;
    if (client === null) {
      this.snapshotsFailed++;
      return false;
    }
    let cancel: (() => void) | null = null;
    const ok = await sendSnapshotImage({
      client,
      nodeId: this.nodeId,
      to,
      groupId,
      metadata,
      message,
      image,
      limits: this.limits,
      logger: this.logger,
      track: (c) => {
        if (cancel !== null) this.outboundSnapshots.delete(cancel);
        cancel = c;
        if (c !== null) this.outboundSnapshots.add(c);
      },
    }).catch((err: unknown) => {
      this.logger.error({ peer: to, group: groupId, err: (err as Error)?.message }, 'snapshot send failed');
      return false;
    });
    if (ok) this.snapshotsSent++;
    else this.snapshotsFailed++;
    return ok;
  }

  stats(): TransportStats {
    return {
      inbound: this.inbound.stats(),
      peers: [...this.peers.values()].map((p) => p.stats()),
      droppedNoPeer: this.droppedNoPeer,
      snapshotsSent: this.snapshotsSent,
      snapshotsFailed: this.snapshotsFailed,
    };
  }

  peerStats(peerId: number): PeerStats | undefined {
    return this.peers.get(peerId)?.stats();
  }

  private retire(peer: PeerSender): Promise<void> {
    const closing = peer.close(this.limits.stopGraceMs);
    this.retiring.add(closing);
    void closing.finally(() => this.retiring.delete(closing));
    return closing;
  }

  private watchdog(): void {
    const now = performance.now();
    for (const peer of this.peers.values()) peer.watchdog(now);
  }

  /** Coalesce reports: each peer at most once per turn, delivered after the current work. */
  private reportUnreachable(peerId: number): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.unreachablePending.add(peerId);
    if (this.unreachableScheduled) return;
    this.unreachableScheduled = true;
    queueMicrotask(() => {
      this.unreachableScheduled = false;
      const ids = [...this.unreachablePending];
      this.unreachablePending.clear();
      if (this.state === 'stopping' || this.state === 'stopped') return;
      for (const id of ids) this.handlers.onUnreachable(id);
    });
  }
}

/** Graceful server shutdown, forced after graceMs (open calls are cancelled then). */
async function shutdownServer(server: Server, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = new Promise<boolean>((resolve) => server.tryShutdown(() => resolve(true)));
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const clean = await Promise.race([graceful, timedOut]);
  clearTimeout(timer);
  if (!clean) server.forceShutdown();
}
