/**
 * Cluster mode: this node is a member of one Raft group (group 0) that owns all 16384 slots.
 * Wires the group driver (crates-ts/cluster/group-driver.ts) to RocksDB (RocksLogStorage),
 * to the other members (gRPC Transport, through the NodeHost that routes messages by group
 * id) and to a tick timer. Writes and linearizable reads
 * are served by the leader; other members answer -MOVED with the leader's client address.
 */
import { performance } from 'node:perf_hooks';
import { type Clock, SeededRandom, SeshatError } from '@seshat/common';
import {
  type ForwardServer,
  GroupDriver,
  membersKey,
  NodeHost,
  type Password,
  RocksLogStorage,
  recoverSnapshotInstall,
  serveForward,
  Transport,
} from '@seshat/cluster';
import type { KvStateMachine } from '@seshat/kv';
import {
  bootstrapStorage,
  type ConfChange,
  ConfChangeType,
  EMPTY_CONF_STATE,
  StateRole,
  stateRoleName,
} from '@seshat/raft';
import type { Storage } from '@seshat/storage';
import type { Logger } from 'pino';
import { ForwardClient } from './forward-client.js';
import { executeCommand, type ForwardExecutorDeps, forwardSession } from './forward-server.js';
import { HostedGroups } from './hosted-groups.js';
import {
  decodeMemberContext,
  decodeMembersRecord,
  encodeMembersRecord,
  type MemberAddress,
} from './member-address.js';

/** A tick this much later than due is logged (a blocked event loop delays heartbeats). */
const TICK_LATE_WARN_MS = 250;

export interface ClusterNodeOptions {
  nodeId: number;
  members: MemberAddress[];
  raftHost: string;
  raftPort: number;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  logEntriesMax: number;
  logEntriesKept: number;
  /** Compaction by bytes: snapshot once the stored log entries exceed this (`raft-log-max-bytes`). */
  logBytesMax: number;
  /** Lease-based linearizable reads instead of ReadIndex rounds (`raft-read-lease`). */
  readLease: boolean;
  /** Idle groups stop their clocks (`raft-quiesce`; not with lease reads). */
  quiesce: boolean;
  fsync: boolean;
  storage: Storage;
  sm: KvStateMachine;
  clock: Clock;
  logger: Logger;
  /**
   * Join an existing cluster (RAFT ADD-LEARNER on its leader) instead of bootstrapping: the
   * node must not be in `members` (which then names the current members' addresses) and
   * starts with empty storage, waiting for the leader's snapshot.
   */
  join?: boolean;
  /** This node's own addresses (used when joining: it is not in `members`). */
  self?: MemberAddress;
  /** Where to dial some members instead of their raft address (`raft-peer-dial`). */
  dial?: ReadonlyMap<number, string>;
  /** Directory for incoming snapshot images too large for memory (snapshot-spool.ts). */
  snapshotSpoolDir: string;
  /** Raft port passwords (transport-auth.ts): required of callers, presented to peers. */
  auth?: { required: Password; presented: Password };
}

export const GROUP_ID = 0;

export class ClusterNode {
  /** The groups this node hosts (group 0 only until sharding). */
  readonly host: NodeHost;
  /** Group 0's driver. */
  readonly driver: GroupDriver;
  readonly transport: Transport;
  readonly log: RocksLogStorage;
  readonly members = new Map<number, MemberAddress>();
  private timer: NodeJS.Timeout | null = null;
  private readonly o: ClusterNodeOptions;
  /** Follower side of command forwarding: a stream to the leader (forward-client.ts). */
  readonly forwarder: ForwardClient;
  /** Leader side: NodeService.Forward on the transport's gRPC server (forward-server.ts). */
  private readonly forwardServer: ForwardServer;
  /** The groups created at run time (RAFT CREATE-GROUP), re-opened at start. */
  readonly groups: HostedGroups;

  constructor(o: ClusterNodeOptions) {
    this.o = o;
    for (const m of o.members) this.members.set(m.id, m);
    if (o.join === true) {
      if (this.members.has(o.nodeId))
        throw new SeshatError(
          'CONFIG_INVALID',
          `cluster-join: node-id ${o.nodeId} is already in initial-members`,
        );
      if (o.self !== undefined) this.members.set(o.nodeId, o.self);
    } else if (!this.members.has(o.nodeId)) {
      throw new SeshatError('CONFIG_INVALID', `node-id ${o.nodeId} is not in initial-members`);
    }
    // A snapshot install interrupted by a crash is completed (or discarded) first; it writes
    // the image's address book.
    const recovered = recoverSnapshotInstall(o.storage, GROUP_ID);
    if (recovered.rolledForward !== null) o.sm.reload();
    this.loadStoredMembers();
    this.log = new RocksLogStorage(o.storage, { groupId: GROUP_ID });
    this.bootstrapIfNew();
    const peers = new Map<number, string>();
    for (const m of this.members.values()) if (m.id !== o.nodeId) peers.set(m.id, this.dialAddress(m));
    this.transport = new Transport({
      nodeId: o.nodeId,
      listen: { host: o.raftHost, port: o.raftPort },
      peers,
      snapshotSpoolDir: o.snapshotSpoolDir,
      auth: o.auth,
    });
    this.host = new NodeHost({
      nodeId: o.nodeId,
      transport: this.transport,
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
    });
    this.driver = new GroupDriver({
      nodeId: o.nodeId,
      groupId: GROUP_ID,
      storage: o.storage,
      logStorage: this.log,
      sm: o.sm,
      transport: this.transport,
      clock: o.clock,
      random: new SeededRandom((Date.now() ^ (o.nodeId * 0x9e3779b9)) >>> 0),
      raft: {
        electionTicks: o.electionTicks,
        heartbeatTicks: o.heartbeatTicks,
        // The lease is what CheckQuorum provides (on by default in the core).
        readOnlyOption: o.readLease ? 'lease' : 'safe',
        quiesce: o.quiesce && !o.readLease,
      },
      fsync: o.fsync,
      logEntriesMax: o.logEntriesMax,
      logEntriesKept: o.logEntriesKept,
      logBytesMax: o.logBytesMax,
    });
    this.host.add(this.driver);
    this.groups = new HostedGroups({
      nodeId: o.nodeId,
      storage: o.storage,
      host: this.host,
      transport: this.transport,
      clock: o.clock,
      logger: o.logger,
      group0: o.sm,
      driver: o,
    });
    this.groups.restore();
    this.transport.setHandlers({
      onMessages: (messages) => this.host.step(messages),
      onUnreachable: (peer) => this.host.reportUnreachable(peer),
      onSnapshot: (snapshot) => this.host.receiveSnapshot(snapshot),
    });
    const exec: ForwardExecutorDeps = {
      groupId: GROUP_ID,
      driver: this.driver,
      sm: o.sm,
      nowMs: () => o.clock.nowMs(),
      leaderClientAddress: () => this.leaderClientAddress(),
    };
    this.forwardServer = serveForward(this.transport, o.nodeId, (session) => forwardSession(exec, session));
    this.forwarder = new ForwardClient({
      nodeId: o.nodeId,
      groupId: GROUP_ID,
      leader: () => this.driver.leader,
      raftAddress: (id) => {
        const m = this.members.get(id);
        return m === undefined ? null : this.dialAddress(m);
      },
      runLocal: (db, argv, read, resp, done, writeId, guard) =>
        executeCommand(exec, db, argv, read, resp, done, writeId, guard),
      log: (msg, fields) => o.logger.info({ group: GROUP_ID, ...fields }, msg),
      password: o.auth?.presented,
    });
    this.driver.stageConfChange = (change, batch) => {
      this.updateMembers(change);
      batch.put('raft_state', membersKey(GROUP_ID), encodeMembersRecord(this.members.values()));
    };
    this.driver.onSnapshotInstalled = (header) => this.installMembers(header.members);
    this.driver.onConfChange = (change) => {
      o.logger.info(
        { group: GROUP_ID, change: ['add', 'remove', 'add-learner'][change.type], node: change.nodeId },
        'membership change applied',
      );
    };
    this.driver.log = (msg, fields) => o.logger.info({ group: GROUP_ID, ...fields }, msg);
    this.driver.onRoleChange = (role, leader) =>
      o.logger.info(
        { group: GROUP_ID, role: stateRoleName(role), leader, term: this.driver.node.status().term },
        'raft role',
      );
  }

  /** Applies a membership change to the address book and the transport's peers. */
  private updateMembers(change: ConfChange): void {
    const id = change.nodeId;
    if (change.type === ConfChangeType.RemoveNode) {
      this.members.delete(id);
      if (id !== this.o.nodeId) void this.transport.removePeer(id);
      return;
    }
    const m = decodeMemberContext(id, change.context);
    if (m === null) return;
    this.members.set(id, m);
    if (id !== this.o.nodeId) this.transport.addPeer(id, this.dialAddress(m));
  }

  /**
   * The address book as of the last applied membership change or installed snapshot replaces
   * the flags' one. A data dir from before the book was stored at bootstrap gets the flags'
   * one now: snapshot images carry the stored record to nodes that miss the changes behind it.
   */
  private loadStoredMembers(): void {
    const key = membersKey(GROUP_ID);
    const stored = this.o.storage.get('raft_state', key);
    const list = stored === undefined ? null : decodeMembersRecord(stored);
    if (stored !== undefined && list === null)
      throw new SeshatError('STORAGE', 'raft_state members: the stored address book does not decode');
    if (list !== null) {
      this.members.clear();
      for (const m of list) this.members.set(m.id, m);
      return;
    }
    // A joiner's comes with the leader's snapshot; a new group's is written by the bootstrap.
    if (this.o.join === true || this.o.sm.appliedIndex === 0) return;
    const batch = this.o.storage.batch();
    batch.put('raft_state', key, encodeMembersRecord(this.members.values()));
    this.o.storage.write(batch, { sync: true });
  }

  /**
   * A snapshot was installed: its address book (already persisted by the install, with the
   * applied index) replaces this node's, and the transport's peers follow. An image without
   * one (older format) leaves the book as it is.
   */
  private installMembers(record: Buffer): void {
    if (record.length === 0) return;
    const list = decodeMembersRecord(record);
    if (list === null) {
      this.o.logger.warn({ group: GROUP_ID }, 'snapshot address book does not decode; kept ours');
      return;
    }
    const next = new Map(list.map((m) => [m.id, m]));
    // An image from before this node's own ADD-LEARNER lacks it until that entry applies.
    const self = this.members.get(this.o.nodeId);
    if (self !== undefined && !next.has(self.id)) next.set(self.id, self);
    for (const id of this.members.keys())
      if (!next.has(id) && id !== this.o.nodeId) void this.transport.removePeer(id);
    this.members.clear();
    for (const m of next.values()) {
      this.members.set(m.id, m);
      if (m.id !== this.o.nodeId) this.transport.addPeer(m.id, this.dialAddress(m));
    }
    this.o.logger.info({ group: GROUP_ID, members: [...next.keys()] }, 'address book from snapshot');
  }

  get nodeId(): number {
    return this.o.nodeId;
  }

  /** Group 0's state machine. */
  get sm(): KvStateMachine {
    return this.o.sm;
  }

  /** The password this node presents to other members' Raft ports, if any. */
  peerPassword(): string | undefined {
    const p = this.o.auth?.presented();
    return p === undefined || p === '' ? undefined : p;
  }

  /** Where this node connects to reach member `m`. */
  dialAddress(m: MemberAddress): string {
    return this.o.dial?.get(m.id) ?? m.raft;
  }

  /** A first start with empty storage: every initial member writes the same bootstrap state
   * (a joining node does not: it waits for the leader's snapshot). */
  private bootstrapIfNew(): void {
    if (this.o.join === true) return;
    if (this.log.lastIndex() !== 0 || this.o.sm.appliedIndex !== 0) return;
    this.writeBootstrap();
  }

  /** A new group whose voters are `members`, with its address book, in one synced batch. */
  private writeBootstrap(): void {
    const voters = [...this.members.keys()].sort((a, b) => a - b);
    const batch = this.o.storage.batch();
    this.log.stage(batch);
    try {
      bootstrapStorage(this.log, { ...EMPTY_CONF_STATE, voters });
    } finally {
      this.log.unstage();
    }
    batch.put('raft_state', membersKey(GROUP_ID), encodeMembersRecord(this.members.values()));
    this.o.sm.markApplied(1, batch);
    this.o.storage.write(batch, { sync: true });
    this.o.logger.info({ group: GROUP_ID, voters }, 'bootstrapped a new cluster');
  }

  /**
   * RAFT INIT: a node started without initial-members on empty storage waits (server.ts
   * starts it like a joiner that knows no one); this makes it a new group with itself as the
   * only voter, which elects itself and grows with RAFT ADD-LEARNER / PROMOTE. The error
   * reply's text when it has state or knows other members (it is in, or joining, a cluster).
   */
  initialize(): string | null {
    const fresh =
      this.log.lastIndex() === 0 &&
      this.o.sm.appliedIndex === 0 &&
      this.log.initialState().hardState.term === 0 &&
      this.members.size === 1 &&
      this.members.has(this.o.nodeId);
    if (!fresh) return 'ERR this node is already initialized or part of a cluster';
    return this.driver.reinitialize(() => this.writeBootstrap()) ? null : 'TRYAGAIN busy, retry RAFT INIT';
  }

  async start(): Promise<number> {
    const { port } = await this.transport.start();
    let lastTickMs = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const lateMs = now - lastTickMs - this.o.tickMs;
      lastTickMs = now;
      // A blocked event loop delays heartbeats: followers may call an election.
      if (lateMs > TICK_LATE_WARN_MS)
        this.o.logger.warn(
          { group: GROUP_ID, lateMs: Math.round(lateMs) },
          'raft tick late: the event loop was blocked',
        );
      this.host.tick();
    }, this.o.tickMs);
    return port;
  }

  get isLeader(): boolean {
    return this.driver.role === StateRole.Leader;
  }

  get leaderId(): number {
    return this.driver.leader;
  }

  /** The leader's client address, if a leader is known. */
  leaderClientAddress(): string | null {
    const id = this.driver.leader;
    return id === 0 ? null : (this.members.get(id)?.client ?? null);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.forwarder.closeAll();
    this.groups.failAll();
    this.host.failAll();
    this.forwardServer.close();
    await this.transport.stop();
  }
}
