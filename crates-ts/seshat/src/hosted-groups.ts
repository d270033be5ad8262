/**
 * The Raft groups this node hosts besides group 0, created and destroyed at run time from a
 * descriptor (group-descriptor.ts; RAFT CREATE-GROUP / DESTROY-GROUP, group-admin.ts). Each is
 * a GroupDriver over its own RocksLogStorage and a KvStateMachine of its slot ranges, all on
 * the node's one RocksDB, registered with the node's NodeHost (one transport, one tick).
 *
 * What the groups share, deliberately: the storage and its WAL fsync rounds, the transport,
 * the tick, the OBJECT IDLETIME/FREQ table (node-local, keyed by key: keys of different
 * groups differ by slot) and the scripting engine (one script runs at a time per process).
 * What each has of its own: the meta cache (a small budget, META_CACHE_BYTES_PER_GROUP), key
 * counts, db map (SWAPDB swaps a group's databases), sweeper cursor, function registry (only
 * a group with slot 0 has libraries), applied index, log and hard state. Created groups
 * never defer writes (a Raft group's snapshots read RocksDB).
 *
 * Lifecycle, crash-safe:
 *   create   descriptor + bootstrap (log at index 1, voters, applied 1) in ONE synced batch;
 *            a restart finds the descriptor and opens the group (`restore`).
 *   destroy  the descriptor is rewritten as "destroying" (synced), the driver is stopped and,
 *            once no Ready of it is being persisted, every row of the group is range-deleted
 *            (cluster group-erase.ts) and a synced write follows; a restart that finds a
 *            "destroying" descriptor erases again.
 */
import { type Clock, type SlotRange, SeededRandom } from '@seshat/common';
import {
  eraseGroup,
  GroupDriver,
  type NodeHost,
  RocksLogStorage,
  recoverSnapshotInstall,
  stateKey,
  type Transport,
} from '@seshat/cluster';
import { KvStateMachine, type KvLimits } from '@seshat/kv';
import { bootstrapStorage, EMPTY_CONF_STATE } from '@seshat/raft';
import type { Storage } from '@seshat/storage';
import type { Logger } from 'pino';
import {
  DESCRIPTOR_SUFFIX,
  decodeDescriptor,
  encodeDescriptor,
  type GroupDescriptor,
  GroupState,
  sameDescriptor,
} from './group-descriptor.js';

/** Meta cache budget of each created group's state machine (group 0 has meta-cache-bytes). */
export const META_CACHE_BYTES_PER_GROUP = 4 * 1024 * 1024;
/** Entry cache budget of each created group's log. */
const ENTRY_CACHE_BYTES_PER_GROUP = 256 * 1024;
/** Replies of tagged writes remembered per created group (the ring is allocated whole:
 * the default 200,000 is 3.2 MB, times 1,000 groups). Admin proposals carry no tag. */
const RECENT_WRITES_PER_GROUP = 1024;
/** How long a member waits for its group 0 to apply the slot loan before creating a group. */
export const LOAN_WAIT_MS = 10_000;
const LOAN_POLL_MS = 5;
/** How often a destroy checks that the stopped driver finished persisting its last Ready. */
const DESTROY_POLL_MS = 2;
/** Most polls before a destroy gives up waiting (the fsync thread is stuck). */
const DESTROY_POLLS_MAX = 5_000;

export interface HostedGroupsOptions {
  nodeId: number;
  storage: Storage;
  host: NodeHost;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  /** Group 0's state machine: its limits and access table are shared, its applied index
   * waited for (slot loans). */
  group0: KvStateMachine;
  driver: {
    electionTicks: number;
    heartbeatTicks: number;
    readLease: boolean;
    /** Idle groups stop their clocks (`raft-quiesce`), as group 0's. */
    quiesce: boolean;
    fsync: boolean;
    logEntriesMax: number;
    logEntriesKept: number;
    logBytesMax: number;
  };
}

export interface HostedGroup {
  readonly d: GroupDescriptor;
  readonly sm: KvStateMachine;
  readonly driver: GroupDriver;
  readonly log: RocksLogStorage;
}

export class HostedGroups {
  private readonly groups = new Map<number, HostedGroup>();
  /** Groups being destroyed (their ids may not be created again until done). */
  private readonly destroying = new Set<number>();

  constructor(private readonly o: HostedGroupsOptions) {}

  get size(): number {
    return this.groups.size;
  }

  get(id: number): HostedGroup | undefined {
    return this.groups.get(id);
  }

  all(): IterableIterator<HostedGroup> {
    return this.groups.values();
  }

  /** At start: opens every group whose descriptor is stored, finishes interrupted destroys. */
  restore(): void {
    for (const [id, raw] of this.storedDescriptors()) {
      const dec = decodeDescriptor(id, raw);
      if (dec === null) {
        this.o.logger.error({ group: id }, 'group descriptor does not decode; group not opened');
        continue;
      }
      if (dec.state === GroupState.Destroying) {
        this.erase(dec.d);
        this.o.logger.info({ group: id }, 'finished destroying group');
        continue;
      }
      recoverSnapshotInstall(this.o.storage, id);
      this.open(dec.d);
    }
    if (this.groups.size > 0) this.o.logger.info({ groups: this.groups.size }, 'opened created raft groups');
  }

  /** Descriptor records in raft_state, by group id (group 0 has none). */
  private storedDescriptors(): [number, Buffer][] {
    const out: [number, Buffer][] = [];
    const suffix = Buffer.from(DESCRIPTOR_SUFFIX, 'latin1');
    const it = this.o.storage.iterator('raft_state', {});
    try {
      for (let rows = it.nextBatch(1024); rows.length > 0; rows = it.nextBatch(1024)) {
        for (let i = 0; i < rows.length; i += 2) {
          const k = rows[i]!;
          if (k.length === 4 + suffix.length && k.subarray(4).equals(suffix))
            out.push([k.readUInt32BE(0), rows[i + 1]!]);
        }
      }
    } finally {
      it.close();
    }
    return out;
  }

  /**
   * Creates group `d` here: waits until group 0 applied index `loanIndex` (its slot loan; 0:
   * no wait), then bootstraps and opens it. Null when done (or already hosted as `d`), else
   * the error text.
   */
  async create(d: GroupDescriptor, loanIndex: number): Promise<string | null> {
    const existing = this.groups.get(d.id);
    if (existing !== undefined)
      return sameDescriptor(existing.d, d) ? null : `ERR group ${d.id} exists with another descriptor`;
    if (this.destroying.has(d.id)) return `ERR group ${d.id} is being destroyed`;
    if (!d.members.includes(this.o.nodeId))
      return `ERR node ${this.o.nodeId} is not a member of group ${d.id}`;
    const deadline = Date.now() + LOAN_WAIT_MS;
    while (this.o.group0.appliedIndex < loanIndex) {
      if (Date.now() > deadline) return `ERR group 0 has not applied the slot loan (index ${loanIndex}) here`;
      await new Promise((r) => setTimeout(r, LOAN_POLL_MS));
    }
    // Checked again after the wait: another call may have created it meanwhile.
    const raced = this.groups.get(d.id);
    if (raced !== undefined)
      return sameDescriptor(raced.d, d) ? null : `ERR group ${d.id} exists with another descriptor`;
    if (this.o.storage.get('raft_state', stateKey(d.id, DESCRIPTOR_SUFFIX)) !== undefined)
      return `ERR group ${d.id} has stored state`;
    this.open(d, this.bootstrap(d));
    this.o.logger.info({ group: d.id, members: d.members, slots: d.slotRanges }, 'created raft group');
    return null;
  }

  /** The new group's first state, with its descriptor, in one synced batch. */
  private bootstrap(d: GroupDescriptor): { log: RocksLogStorage; sm: KvStateMachine } {
    const log = new RocksLogStorage(this.o.storage, {
      groupId: d.id,
      entryCacheBytes: ENTRY_CACHE_BYTES_PER_GROUP,
    });
    const sm = this.stateMachine(d);
    const batch = this.o.storage.batch();
    log.stage(batch);
    try {
      bootstrapStorage(log, { ...EMPTY_CONF_STATE, voters: [...d.members] });
    } finally {
      log.unstage();
    }
    sm.markApplied(1, batch);
    batch.put('raft_state', stateKey(d.id, DESCRIPTOR_SUFFIX), encodeDescriptor(d));
    this.o.storage.write(batch, { sync: true });
    return { log, sm };
  }

  private stateMachine(d: GroupDescriptor): KvStateMachine {
    const g0 = this.o.group0;
    const limits: KvLimits = { ...g0.limits };
    return new KvStateMachine(this.o.storage, {
      groupId: d.id,
      slotRanges: d.slotRanges,
      limits,
      metaCacheBytes: META_CACHE_BYTES_PER_GROUP,
      access: g0.access,
    });
  }

  /** Opens a restored group (or one just bootstrapped: `made`) and starts driving it. */
  private open(d: GroupDescriptor, made?: { log: RocksLogStorage; sm: KvStateMachine }): void {
    const o = this.o;
    const log =
      made?.log ??
      new RocksLogStorage(o.storage, { groupId: d.id, entryCacheBytes: ENTRY_CACHE_BYTES_PER_GROUP });
    const sm = made?.sm ?? this.stateMachine(d);
    const driver = new GroupDriver({
      nodeId: o.nodeId,
      groupId: d.id,
      storage: o.storage,
      logStorage: log,
      sm,
      transport: o.transport,
      clock: o.clock,
      random: new SeededRandom((Date.now() ^ (o.nodeId * 0x9e3779b9) ^ (d.id * 0x85ebca6b)) >>> 0),
      raft: {
        electionTicks: o.driver.electionTicks,
        heartbeatTicks: o.driver.heartbeatTicks,
        readOnlyOption: o.driver.readLease ? 'lease' : 'safe',
        quiesce: o.driver.quiesce && !o.driver.readLease,
      },
      fsync: o.driver.fsync,
      logEntriesMax: o.driver.logEntriesMax,
      logEntriesKept: o.driver.logEntriesKept,
      logBytesMax: o.driver.logBytesMax,
      recentWritesMax: RECENT_WRITES_PER_GROUP,
    });
    driver.log = (msg, fields) => o.logger.info({ group: d.id, ...fields }, msg);
    this.groups.set(d.id, { d, sm, driver, log });
    o.host.add(driver);
  }

  /**
   * Destroys group `id` here (idempotent: a group not hosted is done). Null when done, else
   * the error text.
   */
  async destroy(id: number): Promise<string | null> {
    const g = this.groups.get(id);
    if (g === undefined) return null;
    this.groups.delete(id);
    this.destroying.add(id);
    try {
      const batch = this.o.storage.batch();
      batch.put('raft_state', stateKey(id, DESCRIPTOR_SUFFIX), encodeDescriptor(g.d, GroupState.Destroying));
      this.o.storage.write(batch, { sync: true });
      this.o.host.remove(id);
      g.sm.abandonApply();
      // A Ready written before the stop may still be waiting for its fsync; its rows must
      // land before the range deletes, not after them.
      for (let polls = 0; g.driver.persisting && polls < DESTROY_POLLS_MAX; polls++)
        await new Promise((r) => setTimeout(r, DESTROY_POLL_MS));
      if (g.driver.persisting) return `ERR group ${id}: its last log write did not finish; retry`;
      this.erase(g.d);
      this.o.logger.info({ group: id, slots: g.d.slotRanges }, 'destroyed raft group');
      return null;
    } finally {
      this.destroying.delete(id);
    }
  }

  /** Range-deletes the group's rows; the synced write makes the tombstones durable. */
  private erase(d: GroupDescriptor): void {
    eraseGroup(this.o.storage, d.id, d.slotRanges);
    const batch = this.o.storage.batch();
    batch.del('raft_state', stateKey(d.id, DESCRIPTOR_SUFFIX));
    this.o.storage.write(batch, { sync: true });
  }

  /**
   * The groups' background cycles (server cron, `hz` times a second), on the groups this
   * node leads: active expiry and stale element sweeping, proposed through each group's log.
   */
  cron(nowMs: number, expireKeysMax: number, sweepKeysMax: number): void {
    for (const g of this.groups.values()) {
      if (!g.driver.isLeader || g.sm.applySuspended) continue;
      for (const argv of g.sm.expiredCommands(nowMs, expireKeysMax)) g.driver.submit(null, 0, argv);
      for (const argv of g.sm.staleElementCommands(sweepKeysMax)) g.driver.submit(null, 0, argv);
    }
  }

  /** The slots the created groups serve, by group id. */
  slotRanges(): Map<number, readonly SlotRange[]> {
    const out = new Map<number, readonly SlotRange[]>();
    for (const [id, g] of this.groups) out.set(id, g.d.slotRanges);
    return out;
  }

  /** Stops every group (shutdown). */
  failAll(): void {
    for (const g of this.groups.values()) g.sm.abandonApply();
  }
}
