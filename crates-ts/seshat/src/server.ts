/**
 * The Seshat server process: opens RocksDB, recovers the state machine from the log, serves
 * RESP clients, runs the background cycles (active expiry, idle timeouts, everysec fsync)
 * and shuts down cleanly.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import {
  ErrorReply,
  keyHashSlot,
  NULL_ARRAY,
  OK,
  type Reply,
  SeshatError,
  SystemClock,
} from '@seshat/common';
import { type WriteIdentity, WriteTagger } from '@seshat/cluster';
import {
  BlockRequest,
  abandonScript,
  type CommandSpec,
  commandKeys,
  evalArgvFor,
  type Handler,
  initScripting,
  KvStateMachine,
  lookupCommand,
  resolveCommand,
  SCRIPT_SUSPENDED,
  setScriptArbiter,
  SWEEP_KEYS_PER_CYCLE,
} from '@seshat/kv';
import { openRocksStorage, type Storage } from '@seshat/storage';
import type { Logger } from 'pino';
import { BlockingRegistry, mayBlock } from './blocking.js';
import { clientInfoLine } from './client-info.js';
import {
  Client,
  type ClientHost,
  NO_REPLY,
  PENDING,
  type PendingHandler,
  PendingKind,
  POSTPONED,
} from './client.js';
import { ClientPause } from './client-pause.js';
import { ServerScriptObserver } from './script-observer.js';
import { readJoinsEntry } from './entry-reads.js';
import { encodingLimitOf, encodingLimitsOf } from './encoding-config.js';
import { type Config, parseMemory } from './config.js';
import { renderInfo } from './info.js';
import { LogStore } from './log-store.js';
import { activeClasses, type NotifyFlags, parseNotifyFlags, publishEvents } from './notifications.js';
import { PubSub, subscribedModeError } from './pubsub.js';
import { serverHandlers } from './server-commands.js';
import { discardMulti, MULTI_CONTROL, queueInMulti, rejectCommand, unwatchAll } from './transactions.js';
import { SaveState } from './save-commands.js';
import { ServerStats } from './stats.js';
import { recordSlowWrite, SlowLog } from './slowlog.js';
import { Monitors } from './monitor.js';
import { type FsyncPolicy, type Proposer, WritePath } from './write-path.js';
import { SqlService } from './sql-service.js';
import { serveAdminService } from './admin-service.js';
import { ClusterNode } from './cluster-node.js';
import { joinViaSeed } from './join-seed.js';
import { type MemberAddress, parseMembers, parsePeerDial } from './member-address.js';
import { keepsUnknownWrite, trackingWaiter, writeIdentity } from './write-retry.js';
import {
  forwardFromClient,
  forwardsCount,
  forwardsPending,
  localReadSlot,
  readsInFlight,
  trackRead,
} from './forward-route.js';
import { redirectReply } from './forward-server.js';
import { prepareSnapshotSpool } from './snapshot-spool.js';
import { isCrossProtocolRequest, SECURITY_WARNING, SecurityWarningGate } from './protocol-guard.js';
import { guardCheck, type WatchGuard } from './watch-pending.js';
import { SCRIPT_COMMANDS, Tracking } from './tracking.js';
import { LatencyMonitor } from './latency.js';
import { GroupScriptArbiter } from './script-arbiter.js';
import { deliverRead, ScriptBusyGate } from './script-busy.js';

/** GET, recognised by identity for its fast path. */
const GET_SPEC = lookupCommand('get');
const NOAUTH = new ErrorReply('NOAUTH Authentication required.');
const CLUSTERDOWN = new ErrorReply('CLUSTERDOWN The cluster is down');
const MAXCLIENTS_REPLY = Buffer.from('-ERR max number of clients reached\r\n');
/** A client idle longer than this gives its parser's input buffer back (Redis: over 2 s). */
const QUERY_BUFFER_IDLE_RELEASE_MS = 2000;
/** How often every client's idle timeout and input buffer are checked (Redis: each client about
 * every 100 ms at hz 10 with few clients; a query buffer shrinks within that). */
const CLIENTS_CRON_INTERVAL_MS = 100;
/** Written with sync by SAVE: fsyncs RocksDB's write-ahead log. */
const SAVE_MARKER = Buffer.from('seshat:save');

export class SeshatServer implements ClientHost {
  readonly clock: SystemClock = new SystemClock();
  /** Tags of cluster-mode writes (retry detection, write-retry.ts). */
  private readonly writeTagger = new WriteTagger();
  private readonly securityWarnings = new SecurityWarningGate();
  readonly stats = new ServerStats();
  readonly clients = new Map<number, Client>();
  readonly pubsub = new PubSub();
  /** SLOWLOG (slowlog.ts); the threshold is kept here for the hot path. */
  readonly slowlog: SlowLog;
  private slowThresholdUsec: number;
  /** Connections in MONITOR mode (monitor.ts). */
  readonly monitors = new Monitors();
  /** CLIENT PAUSE state and the clients it holds back (client-pause.ts). */
  readonly pause = new ClientPause(
    () => this.clock.nowMs(),
    () => this.sm.functions,
  );
  /** CLIENT TRACKING (tracking.ts): its table is fed by applied writes (sm.onTracking). */
  readonly tracking = new Tracking(
    (id) => this.clients.get(id),
    (on) => {
      if (this.sm) this.sm.onTracking = on ? (r) => this.tracking.onApplied(r) : null;
    },
  );
  /** LATENCY events and per-command histograms (latency.ts). */
  readonly latency = new LatencyMonitor(
    () => this.config.int('latency-monitor-threshold'),
    () => this.config.get('latency-tracking') === true,
    () => Math.floor(this.clock.nowMs() / 1000),
  );
  /** Holds or refuses (-BUSY) commands while a script runs past a time slice. */
  readonly busyGate = new ScriptBusyGate();
  readonly runId = randomBytes(20).toString('hex');
  readonly version = '0.1.0';
  readonly startedMonotonicMs: number;
  storage!: Storage;
  sm!: KvStateMachine;
  log!: LogStore;
  /** Where writes go: the standalone write path, or the Raft group in cluster mode. */
  writePath!: Proposer;
  /** The standalone write path (its counters are also shown in cluster mode's INFO). */
  standalone!: WritePath;
  cluster: ClusterNode | null = null;
  /** SQL tables and the PostgreSQL listener (sql-service.ts). */
  sql: SqlService | null = null;
  raftPort = 0;
  blocking!: BlockingRegistry;
  port = 0;
  private listener: net.Server | null = null;
  private nextClientId = 1;
  private timers: NodeJS.Timeout[] = [];
  private shuttingDown: Promise<void> | null = null;
  /** The active expiry cycle, `hz` times a second (restarted when CONFIG SET changes hz). */
  private cronTimer: NodeJS.Timeout | null = null;
  /** Called after a shutdown requested by a client (SHUTDOWN) completes. */
  onShutdown: (() => void) | null = null;
  outputPauseBytes: number;
  outputHardLimitBytes = 0;
  queryBufferLimitBytes: number;

  /** SAVE / BGSAVE / LASTSAVE state (save-commands.ts). */
  readonly saves: SaveState;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly configFile: string | null,
  ) {
    this.startedMonotonicMs = this.clock.monotonicMs();
    this.saves = new SaveState(this.clock.nowMs());
    this.slowThresholdUsec = config.int('slowlog-log-slower-than');
    this.slowlog = new SlowLog(
      () => this.slowThresholdUsec,
      () => this.config.int('slowlog-max-len'),
      () => this.clock.nowMs(),
    );
    this.outputPauseBytes = config.int('client-output-pause-bytes');
    this.queryBufferLimitBytes = config.int('client-query-buffer-limit');
    this.applyOutputLimit(config.str('client-output-buffer-limit'));
    this.busyGate.thresholdMs = config.int('busy-reply-threshold');
    config.onChange((name, value) => this.onConfigChange(name, value));
  }

  async start(): Promise<void> {
    const dir = this.config.str('dir');
    mkdirSync(dir, { recursive: true });
    this.storage = await openRocksStorage(dir);
    // The Lua engine (WebAssembly) must exist before the state machine rebuilds stored libraries;
    // its script states are made first thing (the same table order on every replica).
    await initScripting();
    this.sm = new KvStateMachine(this.storage, {
      limits: {
        stringMaxBytes: this.config.int('proto-max-bulk-len'),
        hllSparseMaxBytes: this.config.int('hll-sparse-max-bytes'),
        streamNodeMaxEntries: this.config.int('stream-node-max-entries'),
        streamNodeMaxBytes: this.config.int('stream-node-max-bytes'),
        ...encodingLimitsOf(this.config),
      },
      metaCacheBytes: this.config.int('meta-cache-bytes'),
    });
    // Before any replay: a replayed script must see what its first run saw (script-observer.ts).
    this.sm.scriptObserver = new ServerScriptObserver(this);
    this.log = new LogStore(this.storage, 0);
    const seeds = randomBytes(4);
    let seedCounter = seeds.readUInt32BE(0);
    this.standalone = new WritePath(
      this.storage,
      this.log,
      this.sm,
      this.clock,
      () => (seedCounter = (seedCounter + 0x9e3779b9) >>> 0),
    );
    this.standalone.fsync = this.config.str('appendfsync') as FsyncPolicy;
    this.standalone.slowThresholdUsec = this.slowThresholdUsec;
    this.standalone.onSlowCommand = (waiter, command, index) =>
      recordSlowWrite(this.slowlog, this.sm, waiter, command, index);
    // Standalone only: a Raft group's snapshots read RocksDB, so its writes are never deferred.
    this.sm.deferPlainWrites = this.config.int('node-id') === 0;
    this.sql = new SqlService(this.storage);
    if (this.config.int('node-id') === 0) this.sql.attachStandalone(this.standalone);
    const replayed = this.config.int('node-id') === 0 ? this.standalone.recover() : 0;
    // Through Tracking.attribute: which client sent a write (NOLOOP, invalidation order).
    this.writePath = this.tracking.attribute(
      this.config.int('node-id') === 0 ? this.standalone : this.startCluster(await this.clusterMembers()),
    );
    this.blocking = new BlockingRegistry(
      this.writePath,
      (run, db, argv) => this.readParked(run, db, argv),
      (command) => this.stats.command(command).failedCalls++,
    );
    this.applyNotifyFlags(this.config.str('notify-keyspace-events'));
    this.sm.onEvents = (events) => publishEvents(this.pubsub, this.notifyFlags, events);
    this.sm.onDbsSwapped = (a, b) => this.dbsSwapped(a, b);
    // INFO commandstats: time spent applying each write command.
    this.sm.commandTimes = new Map();
    this.sm.onCommandTime = (spec, usec) => this.latency.recordCommand(spec, usec);
    this.blocking.onActivityChange = () => this.updateTouchTracking();
    if (this.cluster !== null) this.raftPort = await this.cluster.start();
    this.logger.info(
      {
        dir,
        appliedIndex: this.sm.appliedIndex,
        replayed,
        keys: this.sm.counts.keys.reduce((a, b) => a + b, 0),
      },
      'state loaded',
    );
    await this.listen();
    await this.sql.listen(
      this.config.int('pg-port'),
      this.config.str('bind'),
      () => this.config.str('sql-password'),
      this.logger,
    );
    this.startTimers();
    const pgPort = this.sql.port;
    this.logger.info({ port: this.port, pgPort, bind: this.config.str('bind'), pid: process.pid }, 'ready');
  }

  /** This node's advertised addresses (Raft, then client). */
  private selfAddress(): MemberAddress {
    return {
      id: this.config.int('node-id'),
      raft: `${this.config.str('raft-bind')}:${this.config.int('raft-port')}`,
      client: `${this.config.str('bind')}:${this.config.int('port')}`,
    };
  }

  /**
   * The members to start with: initial-members, or, with `cluster-join <host:port>` and no
   * state yet, the ones that member names after adding this node as a learner (join-seed.ts).
   */
  private async clusterMembers(): Promise<MemberAddress[]> {
    const members = parseMembers(this.config.str('initial-members'));
    if (typeof members === 'string') throw new SeshatError('CONFIG_INVALID', `initial-members: ${members}`);
    const join = this.config.str('cluster-join');
    if (join === 'yes' || join === 'no' || this.sm.appliedIndex > 0) return members;
    // The addresses go into the cluster's address book: they must be the ones listened on.
    if (this.config.int('port') === 0 || this.config.int('raft-port') === 0)
      throw new SeshatError('CONFIG_INVALID', 'cluster-join host:port needs a fixed port and raft-port');
    return joinViaSeed(join, this.selfAddress(), this.clusterPassword());
  }

  /** Cluster mode (node-id > 0): joins the Raft group; writes are proposed through it. */
  private startCluster(members: MemberAddress[]): Proposer {
    const dial = parsePeerDial(this.config.str('raft-peer-dial'));
    if (typeof dial === 'string') throw new SeshatError('CONFIG_INVALID', `raft-peer-dial: ${dial}`);
    if (members.length === 0 && this.sm.appliedIndex === 0)
      this.logger.warn('no initial-members: waiting for RAFT INIT or to be added to a cluster');
    const spool = prepareSnapshotSpool(this.config.str('dir'));
    if (spool.removed > 0)
      this.logger.info({ dir: spool.dir, removed: spool.removed }, 'removed partial snapshot images');
    const cluster = new ClusterNode({
      auth: { required: () => this.config.str('requirepass'), presented: () => this.clusterPassword() },
      nodeId: this.config.int('node-id'),
      members,
      raftHost: this.config.str('raft-bind'),
      raftPort: this.config.int('raft-port'),
      tickMs: this.config.int('raft-tick-ms'),
      electionTicks: this.config.int('raft-election-ticks'),
      heartbeatTicks: this.config.int('raft-heartbeat-ticks'),
      logEntriesMax: this.config.int('raft-log-max-entries'),
      logEntriesKept: this.config.int('raft-log-kept-entries'),
      logBytesMax: this.config.int('raft-log-max-bytes'),
      readLease: this.config.get('raft-read-lease') === true,
      quiesce: this.config.get('raft-quiesce') === true,
      fsync: this.config.str('appendfsync') === 'always',
      storage: this.storage,
      sm: this.sm,
      clock: this.clock,
      logger: this.logger,
      // Without members a node waits, like a joiner, for RAFT INIT or a leader's snapshot.
      join: this.config.str('cluster-join') !== 'no' || members.length === 0,
      dial,
      self: this.selfAddress(),
      snapshotSpoolDir: spool.dir,
    });
    this.cluster = cluster;
    // AdminService (gRPC twin of the RAFT command) on the Raft port; registered before start().
    serveAdminService(cluster, () => this.sm.appliedIndex);
    const driver = cluster.driver;
    // Every replica runs the group's scripts: kills are decided by the leader, through the log.
    setScriptArbiter(new GroupScriptArbiter(driver, this.sm));
    return {
      submit: (waiter, db, argv, writeId) => {
        if (writeId?.retry === true && waiter !== null) driver.submitRetry(waiter, db, argv, writeId);
        else driver.submit(waiter, db, argv, writeId?.tag ?? 0);
      },
      flush: () => driver.run(),
      unappliedCommands: () => driver.unappliedCommands(),
      get pending() {
        return driver.pendingWrites;
      },
    };
  }

  /** The password this node presents to other members (masterauth, else requirepass). */
  clusterPassword(): string {
    return this.config.str('masterauth') || this.config.str('requirepass');
  }

  /** fsyncs RocksDB's WAL (SAVE): a sync write of a marker record. */
  syncStorage(): void {
    const batch = this.storage.batch();
    batch.put('default', SAVE_MARKER, SAVE_MARKER);
    this.storage.write(batch, { sync: true });
  }

  /** DEBUG CLOCK-OFFSET: test-only skew of this node's wall clock. */
  setClockOffsetMs(ms: number): void {
    this.clock.offsetMs = ms;
    this.logger.warn({ offsetMs: ms }, 'wall clock offset set (DEBUG CLOCK-OFFSET)');
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      server.on('error', reject);
      server.listen({ port: this.config.int('port'), host: this.config.str('bind'), backlog: 511 }, () => {
        this.port = (server.address() as net.AddressInfo).port;
        server.off('error', reject);
        server.on('error', (e) => this.logger.error({ err: e }, 'listener error'));
        resolve();
      });
      this.listener = server;
    });
  }

  private accept(socket: net.Socket): void {
    this.stats.totalConnectionsReceived++;
    if (this.shuttingDown || this.clients.size >= this.config.int('maxclients')) {
      this.stats.rejectedConnections++;
      socket.on('error', () => {});
      socket.end(MAXCLIENTS_REPLY);
      return;
    }
    const keepalive = this.config.int('tcp-keepalive');
    if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
    const id = this.nextClientId++;
    const client = new Client(
      id,
      socket,
      this,
      {
        bulkMaxBytes: this.config.int('proto-max-bulk-len'),
        queryBufferMaxBytes: this.queryBufferLimitBytes,
      },
      this.config.str('requirepass') !== '',
    );
    this.clients.set(id, client);
  }

  // ---- ClientHost -----------------------------------------------------------------------

  execute(client: Client, argv: Buffer[]): Reply | typeof PENDING | typeof NO_REPLY | typeof POSTPONED {
    if (isCrossProtocolRequest(argv[0]!)) {
      if (this.securityWarnings.shouldLog(this.clock.nowMs())) this.logger.warn(SECURITY_WARNING);
      client.close();
      return NO_REPLY;
    }
    const spec = resolveCommand(argv);
    if (spec instanceof ErrorReply) return rejectCommand(this, client, argv, spec);
    // EVALSHA of a script this node knows travels as EVAL with its body (kv script-cache.ts).
    if (spec.name === 'evalsha') argv = evalArgvFor(argv, false);
    if (!client.authenticated && !spec.flags.includes('no_auth')) {
      this.stats.command(spec.name).rejectedCalls++;
      return rejectCommand(this, client, argv, NOAUTH);
    }
    const busy = this.busyGate.refusal(spec);
    if (busy !== null) {
      this.stats.command(spec.name).rejectedCalls++;
      return rejectCommand(this, client, argv, busy);
    }
    if (client.subscriptionCount() > 0) {
      const err = subscribedModeError(client, spec.name);
      if (err !== null) return rejectCommand(this, client, argv, err);
    }
    if (this.pause.type !== 'off' && this.pause.holds(client, spec, argv)) {
      this.pause.postpone(client);
      return POSTPONED;
    }
    if (client.tracking !== null) this.tracking.beforeCommand(client, spec);
    if (client.multi !== null && !MULTI_CONTROL.has(spec.name)) return queueInMulti(client, spec, argv);
    client.lastCommand = spec.name;
    // MONITOR: data commands here; connection commands once they ran (SELECT shows its new db).
    if (this.monitors.size > 0 && spec.exec !== 'server')
      this.monitors.feed(client, spec, client.db, argv, this.clock.nowMs());
    const st = this.stats.command(spec.name);
    st.calls++;
    this.stats.totalCommandsProcessed++;
    let writeId: WriteIdentity | undefined;
    if (this.cluster !== null) {
      const prev = client.unknownWrite;
      client.unknownWrite = prev !== null && keepsUnknownWrite(spec.name, prev) ? prev : null;
      if (spec.name === 'exec') client.execRetryOf = prev;
      if (spec.exec === 'write' && !spec.flags.includes('blocking'))
        writeId = writeIdentity(
          prev,
          client.db,
          argv,
          this.writeTagger,
          this.sm.appliedIndex,
          this.clock.monotonicMs(),
        );
      if (spec.exec !== 'server') {
        const routed = this.routeInCluster(this.cluster, client, spec, argv, writeId);
        if (routed !== undefined) return routed;
      }
    }
    if (this.cluster !== null && spec.name === 'exec' && client.multi !== null) {
      const refused = this.execOnFollower(this.cluster, client);
      if (refused !== null) {
        st.failedCalls++;
        return refused;
      }
    }
    if (spec.exec === 'write' || readJoinsEntry(this, client, spec)) {
      if (writeId === undefined) this.writePath.submit(client, client.db, argv);
      else {
        const waiter = trackingWaiter(client, writeId, client.db, argv, () => this.clock.monotonicMs());
        this.writePath.submit(waiter, client.db, argv, writeId);
      }
      if (!spec.flags.includes('blocking')) return PENDING;
      const timeoutReply = spec.name === 'blmove' || spec.name === 'brpoplpush' ? null : NULL_ARRAY;
      client.expectBlockingReply(this.blocking.handler(client, spec, argv, timeoutReply));
      return NO_REPLY;
    }
    const t0 = performance.now();
    let reply: Reply | typeof NO_REPLY;
    if (spec === GET_SPEC) {
      // The hot read: a cached live string goes from the cache record to the socket buffer.
      const key = argv[1]!;
      const page = this.sm.cachedString(client.db, key, this.clock.nowMs());
      if (page !== undefined) {
        if (page === null) client.reply(null);
        else client.replyBulkRange(page, this.sm.cachedStart, this.sm.cachedEnd);
        if (client.tracking !== null) this.tracking.rememberRead(client, spec, argv);
        const usec = (performance.now() - t0) * 1000;
        st.usec += usec;
        this.latency.recordCommand(spec, usec);
        if (usec >= this.slowThresholdUsec && this.slowThresholdUsec >= 0)
          this.slowlog.consider(client, spec, argv, usec);
        return NO_REPLY;
      }
    }
    if (spec.exec === 'read') {
      reply = this.sm.read(spec, client.db, argv, this.clock.nowMs());
      if (client.tracking !== null) this.rememberTracked(client, spec, argv);
      if (reply === SCRIPT_SUSPENDED) {
        // An *_RO script yielded: the connection waits for it, other clients are held.
        deliverRead(this.sm, reply, client.deferReply(), () => this.writePath.flush());
        reply = NO_REPLY;
      }
      const expired = this.sm.takeExpiredSeen();
      // Lazy expiry deletes nothing while writes are paused (the key still reads as absent).
      if (expired !== null && !this.pause.writesPaused) {
        for (const cmd of expired) {
          this.writePath.submit(client, client.db, cmd);
          client.expectWriteReply(PendingKind.Hidden);
        }
      }
      if (reply instanceof BlockRequest) {
        this.blocking.blockRead(client, spec, argv, reply);
        reply = NO_REPLY;
      }
    } else {
      reply = this.runServerCommand(spec, client, argv);
      client.execRetryOf = null;
      if (this.monitors.size > 0 && spec.name !== 'exec')
        this.monitors.feed(client, spec, client.db, argv, this.clock.nowMs());
    }
    const usec = (performance.now() - t0) * 1000;
    st.usec += usec;
    this.latency.recordCommand(spec, usec);
    if (reply instanceof ErrorReply) st.failedCalls++;
    if (usec >= this.slowThresholdUsec && this.slowThresholdUsec >= 0)
      this.slowlog.consider(client, spec, argv, usec);
    return reply;
  }

  /**
   * Cluster mode: a member that is not the leader redirects data commands (-MOVED to the
   * leader, -CLUSTERDOWN while none is known), except reads on a READONLY connection, which
   * it serves from its own (possibly stale) state. The leader serves reads linearizably
   * through a batched ReadIndex round. Returns undefined when the caller goes on as usual.
   */
  private routeInCluster(
    cluster: ClusterNode,
    client: Client,
    spec: CommandSpec,
    argv: Buffer[],
    writeId: WriteIdentity | undefined,
  ): Reply | typeof NO_REPLY | undefined {
    if (spec.exec === 'read' && client.readonlyMode) return undefined;
    // Forward mode (cluster-redirect): a follower relays data commands to the leader; so
    // does a new leader while the connection still has forwarded commands pending (they
    // and this one keep their order). Commands that may block (mayBlock: the pops, XREAD and
    // XREADGROUP with BLOCK) are redirected (-MOVED below).
    if (
      (!cluster.isLeader || forwardsPending(client)) &&
      this.config.str('cluster-redirect') === 'forward' &&
      !mayBlock(spec, argv)
    ) {
      // A forwarded read is remembered here: this node's applied entries invalidate it.
      if (client.tracking !== null && spec.exec === 'read' && !SCRIPT_COMMANDS.has(spec.name))
        this.tracking.rememberRead(client, spec, argv);
      forwardFromClient(cluster, client, argv, spec.exec === 'read', PendingKind.Reply, false, writeId);
      return NO_REPLY;
    }
    if (!cluster.isLeader) {
      const leader = cluster.leaderClientAddress();
      if (leader === null) return CLUSTERDOWN;
      const keys = commandKeys(spec, argv);
      const slot = keys.length > 0 ? keyHashSlot(keys[0]!) : 0;
      return new ErrorReply(`MOVED ${slot} ${leader}`);
    }
    if (spec.exec !== 'read') return undefined;
    const db = client.db;
    // Filling the slot writes at the end of the turn: one socket write per connection for
    // all the reads a round confirms, not one each.
    const fill = localReadSlot(
      client,
      spec.flags.includes('blocking')
        ? this.blocking.handler(client, spec, argv, NULL_ARRAY)
        : PendingKind.Reply,
    );
    const readDone = trackRead(client);
    cluster.driver.read({
      run: () => {
        readDone();
        const reply = this.sm.read(spec, db, argv, this.clock.nowMs());
        if (client.tracking !== null) this.rememberTracked(client, spec, argv);
        const expired = this.sm.takeExpiredSeen();
        if (expired !== null) for (const cmd of expired) this.writePath.submit(null, db, cmd);
        deliverRead(this.sm, reply, fill, () => this.writePath.flush());
      },
      fail: (reply) => {
        readDone();
        fill(reply);
      },
    });
    return NO_REPLY;
  }

  /**
   * EXEC on a follower (cluster mode). Forward mode: null, EXEC goes on as usual; its
   * INTERNAL_EXEC write is forwarded to the leader (submitTransaction), with WATCHed keys
   * as a WatchGuard the leader checks (watch-pending.ts). Moved mode: the transaction is
   * discarded with -MOVED.
   */
  private execOnFollower(cluster: ClusterNode, client: Client): ErrorReply | null {
    if (cluster.isLeader || client.multiError) return null;
    if (this.config.str('cluster-redirect') === 'forward') return null;
    const first = client.multi?.[0];
    const redirect = first === undefined ? CLUSTERDOWN : redirectReply(cluster.leaderClientAddress(), first);
    discardMulti(client);
    unwatchAll(this, client);
    return redirect;
  }

  /**
   * EXEC's INTERNAL_EXEC write: proposed here, or forwarded to the leader by a follower,
   * with `guard` (the watched keys) for the leader to check. Proposed here, the caller has
   * checked the watched keys against this node's log already.
   */
  submitTransaction(client: Client, argv: Buffer[], handler: PendingHandler, guard?: WatchGuard): void {
    const cluster = this.cluster;
    if (cluster === null) {
      this.writePath.submit(client, client.db, argv);
      client.expectWriteReply(handler);
      return;
    }
    // Tagged like a plain write, so that re-sending it after "outcome unknown" applies it once.
    const now = this.clock.monotonicMs();
    const writeId = writeIdentity(
      client.execRetryOf,
      client.db,
      argv,
      this.writeTagger,
      this.sm.appliedIndex,
      now,
    );
    client.execRetryOf = null;
    if (!cluster.isLeader && this.config.str('cluster-redirect') === 'forward') {
      forwardFromClient(cluster, client, argv, false, handler, true, writeId, guard);
      return;
    }
    const waiter = trackingWaiter(client, writeId, client.db, argv, () => this.clock.monotonicMs());
    client.expectWriteReply(handler);
    if (!writeId.retry || !cluster.isLeader) {
      this.writePath.submit(waiter, client.db, argv, writeId);
      return;
    }
    // The retry may be proposed turns later: the watched keys are checked again then.
    const driver = cluster.driver;
    driver.submitRetry(
      waiter,
      client.db,
      argv,
      writeId,
      guardCheck(guard, (i) => driver.commandsAfter(i)),
    );
  }

  private runServerCommand(spec: CommandSpec, client: Client, argv: Buffer[]): Reply | typeof NO_REPLY {
    const handler = serverHandlers.get(spec.name);
    if (!handler) return new ErrorReply(`ERR command '${spec.name}' is not available on this server`);
    try {
      return handler(this, client, argv);
    } catch (e) {
      if (e instanceof SeshatError) return new ErrorReply(`${e.code} ${e.message}`);
      throw e;
    }
  }

  /**
   * EXEC: runs a queued connection command now and returns its reply, or returns undefined
   * for a data command (the caller puts it into the transaction's log command).
   */
  runQueued(client: Client, argv: Buffer[]): Reply | undefined {
    const spec = resolveCommand(argv);
    if (spec instanceof ErrorReply) return spec;
    this.stats.command(spec.name).calls++;
    this.stats.totalCommandsProcessed++;
    if (spec.exec !== 'server') return undefined;
    const r = this.runServerCommand(spec, client, argv);
    return r === NO_REPLY ? OK : r;
  }

  /** RESET: leaves MULTI and forgets watched keys. */
  resetTransaction(client: Client): void {
    discardMulti(client);
    unwatchAll(this, client);
    this.pubsub.dropClient(client);
    this.blocking?.drop(client);
  }

  /** A parked XREAD's retry: a read on applied state; the expired keys it met go through the
   * log like any read's lazy expiry. */
  private readParked(run: Handler, db: number, argv: Buffer[]): Reply {
    const reply = this.sm.readWith(run, db, argv, this.clock.nowMs());
    const expired = this.sm.takeExpiredSeen();
    if (expired !== null) for (const cmd of expired) this.writePath.submit(null, db, cmd);
    return reply;
  }

  // ---- WATCH registry ------------------------------------------------------------------

  private readonly watchers = new Map<string, Set<Client>>();

  watchKey(k: string, client: Client): void {
    let set = this.watchers.get(k);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(k, set);
    }
    set.add(client);
    this.updateTouchTracking();
  }

  /** The state machine reports changed keys only while someone watches or blocks. */
  private updateTouchTracking(): void {
    this.sm.onTouched = this.blocking.size > 0 ? this.touchedBound : null;
    this.sm.onApplied = this.watchers.size > 0 ? this.watchedTouchedBound : null;
  }

  unwatchKey(k: string, client: Client): void {
    const set = this.watchers.get(k);
    if (set === undefined) return;
    set.delete(client);
    if (set.size === 0) this.watchers.delete(k);
    if (this.watchers.size === 0) this.updateTouchTracking();
  }

  /**
   * SWAPDB a b was applied (Redis's dbSwapDatabases): a WATCHed key of either database that
   * exists in either of them now names other contents, so its watchers' transactions fail; a
   * client blocked on a key of either database may now find data (retried once this entry's
   * replies are out, like any change).
   */
  private dbsSwapped(a: number, b: number): void {
    for (const [k, set] of this.watchers) {
      const db = k.charCodeAt(2);
      if (db !== a && db !== b) continue;
      const key = Buffer.from(k.slice(3), 'latin1');
      if (this.sm.peekKey(a, key) === undefined && this.sm.peekKey(b, key) === undefined) continue;
      for (const c of set) c.watchDirty = true;
    }
    const blocked = this.blocking.keysInDbs(a, b);
    if (blocked.length > 0) setImmediate(() => this.blocking.touched(blocked));
  }

  private readonly touchedBound = (mks: Buffer[]): void => {
    if (this.blocking.size > 0) this.blocking.touched(mks);
  };

  /** Runs as soon as an entry is applied, before its replies reach a client that may then
   * WATCH (the entry came before) or EXEC (it must see the entry's changes). */
  private readonly watchedTouchedBound = (mks: Buffer[]): void => {
    for (const mk of mks) {
      const set = this.watchers.get(mk.toString('latin1'));
      if (set !== undefined) for (const c of set) c.watchDirty = true;
    }
  };

  holds(client: Client): boolean {
    return this.busyGate.holds(client);
  }

  isPipelinable(client: Client, argv: Buffer[]): boolean {
    if (!client.authenticated || client.multi !== null) return false;
    const spec = resolveCommand(argv);
    if (spec instanceof ErrorReply) return false;
    const cluster = this.cluster;
    if (spec.exec === 'read')
      return cluster === null
        ? readJoinsEntry(this, client, spec)
        : this.isPipelinableRead(cluster, client, spec);
    // Cluster mode (forward-route.ts): no write behind a read in flight (read barrier), and
    // a follower does not forward writes while local ones are pending (leadership was lost).
    if (cluster !== null && client.inflightCount > 0) {
      if (readsInFlight(client) > 0) return false;
      if (!cluster.isLeader && client.inflightCount > forwardsCount(client)) return false;
    }
    return spec.exec === 'write';
  }

  /**
   * Cluster mode: a read may follow reads in flight (never writes: it must see them), so that
   * a pipeline of reads shares ReadIndex rounds. Every such read, served by this leader or
   * forwarded, holds a slot in the connection's FIFO (forward-route.ts), which delivers the
   * replies in command order whatever order they complete in. Reads answered at once
   * (READONLY, -MOVED, subscribed mode) would overtake those in flight: they wait as before.
   */
  private isPipelinableRead(cluster: ClusterNode, client: Client, spec: CommandSpec): boolean {
    if (client.readonlyMode || spec.flags.includes('blocking') || client.subscriptionCount() > 0)
      return false;
    if (readsInFlight(client) !== client.inflightCount) return false;
    return cluster.isLeader || this.config.str('cluster-redirect') === 'forward';
  }

  /** A tracking client's read (Redis's call(): read-only commands remember their keys; a
   * read-only script its declared keys, once it ran a read-only command). */
  private rememberTracked(client: Client, spec: CommandSpec, argv: Buffer[]): void {
    if (!spec.flags.includes('readonly')) return;
    if (SCRIPT_COMMANDS.has(spec.name) && !this.sm.lastReadScriptRead()) return;
    this.tracking.rememberRead(client, spec, argv);
  }

  clientClosed(client: Client): void {
    this.tracking.disable(client);
    this.clients.delete(client.id);
    this.pause.drop(client);
    this.monitors.drop(client);
    unwatchAll(this, client);
    this.pubsub.dropClient(client);
    this.blocking?.drop(client);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }
  countInput(bytes: number): void {
    this.stats.netInputBytes += bytes;
  }
  countOutput(bytes: number): void {
    this.stats.netOutputBytes += bytes;
  }
  prefetch(client: Client, queue: Buffer[][], from: number): void {
    if (!this.sm.cache.worthPrefetching()) return;
    const commands: { db: number; argv: Buffer[] }[] = [];
    for (let i = from; i < queue.length; i++) commands.push({ db: client.db, argv: queue[i]! });
    this.sm.prefetch(commands);
  }
  countError(message: string): void {
    this.stats.error(message);
  }
  logWarn(msg: string, fields: Record<string, unknown>): void {
    this.logger.warn(fields, msg);
  }

  // ---- introspection --------------------------------------------------------------------

  info(sections: string[]): string {
    return renderInfo(this, sections);
  }

  resetStats(): void {
    this.stats.reset();
    this.sm.commandTimes?.clear();
    this.latency.resetHistograms();
    this.sm.stats.expiredKeys = 0;
    this.sm.stats.keyspaceHits = 0;
    this.sm.stats.keyspaceMisses = 0;
  }

  clientInfoLine(c: Client): string {
    return clientInfoLine(c, {
      nowMs: this.clock.nowMs(),
      blocked: this.blocking.isBlocked(c),
      monitor: this.monitors.clients.has(c),
    });
  }

  // ---- background cycles ----------------------------------------------------------------

  private startTimers(): void {
    this.startCron();
    this.timers.push(setInterval(() => this.clientsCron(), CLIENTS_CRON_INTERVAL_MS));
    this.timers.push(
      setInterval(() => this.standalone.fsync === 'everysec' && this.standalone.syncNow(), 1000),
    );
    // Deferred writes are written with later entries; once writes stop, this writes them, in
    // small steps (DEFERRED_IDLE_CHUNK records 5 times a second).
    this.timers.push(setInterval(() => !this.shuttingDown && this.sm.flushIfIdle(this.clock.nowMs()), 200));
    for (const t of this.timers) t.unref();
  }

  private startCron(): void {
    this.cronTimer = setInterval(() => this.cron(), Math.max(2, Math.floor(1000 / this.config.int('hz'))));
    this.cronTimer.unref();
  }

  /** Active expiry: finds keys past their deadline and deletes them through the log. */
  private cron(): void {
    if (this.tracking.active) this.tracking.limit(this.config.int('tracking-table-max-keys'));
    if (this.shuttingDown || this.writePath.pending > 0 || this.pause.writesPaused) return;
    // Created groups (hosted-groups.ts) run their own cycles, on the groups this node leads.
    const keysPerCycle = this.config.int('active-expire-keys-per-cycle');
    this.cluster?.groups.cron(this.clock.nowMs(), keysPerCycle, SWEEP_KEYS_PER_CYCLE);
    if (this.cluster !== null && !this.cluster.isLeader) return;
    const commands = this.sm.expiredCommands(
      this.clock.nowMs(),
      this.config.int('active-expire-keys-per-cycle'),
    );
    for (const argv of commands) this.writePath.submit(null, 0, argv);
    for (const argv of this.sm.staleElementCommands()) this.writePath.submit(null, 0, argv);
  }

  private clientsCron(): void {
    const timeoutMs = this.config.int('timeout') * 1000;
    const now = this.clock.nowMs();
    for (const c of this.clients.values()) {
      const idleMs = now - c.lastInteractionMs;
      // Like Redis's clientsCronResizeQueryBuffer: an idle client gives its input buffer back,
      // a busy one keeps room for its recent peak.
      if (idleMs > QUERY_BUFFER_IDLE_RELEASE_MS) c.parser.releaseIdleBuffer();
      else c.parser.resizeToPeak();
      if (timeoutMs > 0 && idleMs > timeoutMs && c.queuedCommands === 0 && !this.blocking.isBlocked(c)) {
        this.logger.debug({ client: c.id }, 'closing idle client');
        c.close();
      }
    }
  }

  private onConfigChange(name: string, changed: unknown): void {
    // Numbers beyond 2^53 are kept as bigints; limits use them as (approximate) numbers.
    const value = typeof changed === 'bigint' ? Number(changed) : changed;
    if (name === 'appendfsync' && this.standalone) this.standalone.fsync = value as FsyncPolicy;
    if (name === 'client-output-pause-bytes') this.outputPauseBytes = value as number;
    if (name === 'client-output-buffer-limit') this.applyOutputLimit(value as string);
    if (name === 'client-query-buffer-limit') {
      this.queryBufferLimitBytes = value as number;
      for (const c of this.clients.values()) c.parser.limits.queryBufferMaxBytes = value as number;
    }
    if (name === 'proto-max-bulk-len') {
      for (const c of this.clients.values()) c.parser.limits.bulkMaxBytes = value as number;
      if (this.sm) this.sm.limits.stringMaxBytes = value as number;
    }
    if (name === 'hll-sparse-max-bytes' && this.sm) this.sm.limits.hllSparseMaxBytes = value as number;
    if (name === 'stream-node-max-entries' && this.sm) this.sm.limits.streamNodeMaxEntries = value as number;
    if (name === 'stream-node-max-bytes' && this.sm) this.sm.limits.streamNodeMaxBytes = value as number;
    const encodingLimit = encodingLimitOf(name);
    if (encodingLimit !== undefined && this.sm) this.sm.limits[encodingLimit] = value as number;
    if (name === 'log-level') this.logger.level = value as string;
    if (name === 'maxmemory-policy' && this.sm) this.sm.access.lfu = String(value).includes('lfu');
    if (name === 'slowlog-log-slower-than') {
      this.slowThresholdUsec = value as number;
      if (this.standalone) this.standalone.slowThresholdUsec = value as number;
    }
    if (name === 'hz' && this.cronTimer !== null) {
      clearInterval(this.cronTimer);
      this.cronTimer = null;
      this.startCron();
    }
    if (name === 'notify-keyspace-events') this.applyNotifyFlags(value as string);
    if (name === 'busy-reply-threshold' || name === 'lua-time-limit')
      this.busyGate.thresholdMs = Number(value);
    if (name === 'meta-cache-bytes' && this.sm) {
      this.sm.flushDeferred();
      this.sm.cache.maxBytes = value as number;
      this.sm.cache.clear();
    }
    if (name === 'loglevel') {
      const map: Record<string, string> = {
        debug: 'debug',
        verbose: 'debug',
        notice: 'info',
        warning: 'warn',
        nothing: 'silent',
      };
      this.logger.level = map[value as string]!;
    }
  }

  notifyFlags: NotifyFlags = { classes: '', keyspace: false, keyevent: false };

  private applyNotifyFlags(text: string): void {
    this.notifyFlags = parseNotifyFlags(text) ?? this.notifyFlags;
    if (this.sm) this.sm.notifyClasses = activeClasses(this.notifyFlags);
  }

  private applyOutputLimit(spec: string): void {
    const parts = spec.trim().split(/\s+/);
    for (let i = 0; i + 3 < parts.length; i += 4) {
      if (parts[i]!.toLowerCase() === 'normal') this.outputHardLimitBytes = parseMemory(parts[i + 1]!) ?? 0;
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /** Stops accepting, finishes queued writes, closes clients and RocksDB. Idempotent. */
  shutdown(reason: string): Promise<void> {
    if (this.shuttingDown) return this.shuttingDown;
    this.shuttingDown = (async () => {
      this.logger.info({ reason }, 'shutting down');
      for (const t of this.timers) clearInterval(t);
      if (this.cronTimer !== null) clearInterval(this.cronTimer);
      this.listener?.close();
      await this.sql?.close();
      if (this.writePath) {
        // A script still running (SHUTDOWN NOSAVE, a signal) is dropped: its entry is not
        // written, as Redis loses the effects of a script it is killed in.
        this.standalone.abandonSuspended();
        this.sm.abandonApply();
        abandonScript();
        this.writePath.flush();
        this.sm?.flushDeferred();
        this.standalone.syncNow();
        await this.cluster?.stop();
      }
      for (const c of this.clients.values()) {
        c.flushOutput();
        c.close();
      }
      if (this.storage) await this.storage.close();
      this.logger.info('bye');
      this.onShutdown?.();
    })();
    return this.shuttingDown;
  }
}
import './command-introspection.js';
import './save-commands.js';
import './cluster-commands.js';
import './cluster-help.js';
import './cluster-slots.js';
import './wait.js';
import './pubsub-shard.js';
import './lolwut.js';
import './migrate.js';
import './raft-commands.js';
import './raft-group-commands.js';
import './script-busy.js';
import './tracking-commands.js';
import './latency.js';
