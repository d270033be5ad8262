/**
 * The groups this node hosts, keyed by group id: inbound Raft messages and snapshot images
 * go to the group they name, one tick reaches every group, and a peer found unreachable is
 * reported to all of them. The log writes of all groups share the storage's WAL fsync
 * rounds (Storage.syncWrites coalesces concurrent callers), so Readies of several groups
 * handled in one event-loop turn cost one fsync.
 *
 * Liveness for quiesced groups (RaftConfig.quiesce): an idle group sends nothing, so a
 * follower cannot tell a quiet leader from a dead one by the group's own traffic. The host
 * sends one node heartbeat per peer per heartbeat interval, whatever the number of groups
 * (heartbeats coalesced per peer), notes when it last heard anything from each peer, and
 * wakes a quiesced group whose leader went silent for an election timeout (a follower's
 * group) or whose quorum did (a leader's group, so that CheckQuorum can depose it). A woken
 * group then runs its normal election timeout.
 *
 * Group 0 is added by cluster-node.ts; groups created at run time (seshat hosted-groups.ts)
 * come and go through `add` and `remove`.
 */
import { assert } from '@seshat/common';
import { type Message, MessageType, NONE, newMessage } from '@seshat/raft';
import type { GroupDriver, GroupTransport } from './group-driver.js';
import type { InboundSnapshot } from './transport-snapshot.js';

/** The group id of node heartbeats: no Raft group has it (ids of real groups stay below). */
export const HOST_GROUP_ID = 0xffff_ffff;

/** What a host needs to keep its quiesced groups live (omitted: no node heartbeats). */
export interface NodeHostLiveness {
  nodeId: number;
  /** The groups' transport: node heartbeats go to peers in the same frames as group traffic. */
  transport: GroupTransport;
  /** The groups' election timeout and heartbeat interval, in ticks. */
  electionTicks: number;
  heartbeatTicks: number;
}

/** One group's state for RAFT GROUPS and INFO raft. */
export interface GroupStatus {
  id: number;
  role: string;
  leader: number;
  term: number;
  commit: number;
  applied: number;
  lastIndex: number;
}

const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader'];

export class NodeHost {
  private readonly groups = new Map<number, GroupDriver>();
  /** Inbound messages naming a group this node does not host (dropped). */
  messagesForUnknownGroups = 0;
  /** Groups woken because their leader or quorum went silent. */
  groupsWokenBySilence = 0;
  private readonly liveness: NodeHostLiveness | null;
  private ticks = 0;
  /** The tick at which anything last arrived from each peer. */
  private readonly heardAt = new Map<number, number>();

  constructor(liveness?: NodeHostLiveness) {
    this.liveness = liveness ?? null;
  }

  add(driver: GroupDriver): void {
    assert(!this.groups.has(driver.groupId), `group ${driver.groupId} is already hosted`);
    this.groups.set(driver.groupId, driver);
  }

  /** Stops hosting a group (destroyed): its driver is stopped (failAll) and forgotten; later
   * messages for it count as for an unknown group. The caller erases its rows once the
   * driver no longer persists a Ready (`persisting`). */
  remove(groupId: number): GroupDriver | undefined {
    const g = this.groups.get(groupId);
    if (g === undefined) return undefined;
    this.groups.delete(groupId);
    g.failAll();
    return g;
  }

  get(groupId: number): GroupDriver | undefined {
    return this.groups.get(groupId);
  }

  get size(): number {
    return this.groups.size;
  }

  /** Steps each message into its group. A message for a group not hosted here (created on
   * its peers first, or already removed here) is dropped: Raft retransmits what matters. */
  step(messages: readonly Message[]): void {
    for (const m of messages) {
      this.heardAt.set(m.from, this.ticks);
      if (m.groupId === HOST_GROUP_ID) continue;
      const g = this.groups.get(m.groupId);
      if (g === undefined) this.messagesForUnknownGroups++;
      else g.step(m);
    }
  }

  reportUnreachable(peer: number): void {
    for (const g of this.groups.values()) g.node.reportUnreachable(peer);
  }

  receiveSnapshot(s: InboundSnapshot): Promise<void> {
    const g = this.groups.get(s.groupId);
    if (g === undefined) return Promise.reject(new Error(`group ${s.groupId} is not hosted on this node`));
    return g.receiveSnapshot(s);
  }

  tick(): void {
    this.ticks++;
    if (this.liveness !== null) {
      if (this.ticks % this.liveness.heartbeatTicks === 0) this.sendNodeHeartbeats(this.liveness);
      this.wakeSilentGroups(this.liveness.electionTicks);
    }
    for (const g of this.groups.values()) g.tick();
  }

  /** The number of hosted groups whose clock is stopped. */
  get quiescedGroups(): number {
    let n = 0;
    for (const g of this.groups.values()) if (g.quiesced) n++;
    return n;
  }

  /** One heartbeat to every node that shares a group with this one. */
  private sendNodeHeartbeats(o: NodeHostLiveness): void {
    const peers = new Set<number>();
    for (const g of this.groups.values())
      for (const id of g.node.voters()) if (id !== o.nodeId) peers.add(id);
    if (peers.size === 0) return;
    const out: Message[] = [];
    for (const id of peers) {
      const m = newMessage(MessageType.Heartbeat, id);
      m.groupId = HOST_GROUP_ID;
      m.from = o.nodeId;
      out.push(m);
    }
    o.transport.send(out);
  }

  /** Wakes quiesced groups whose leader (or, for our own leaders, quorum) went silent. */
  private wakeSilentGroups(electionTicks: number): void {
    const silent = (peer: number): boolean => this.ticks - (this.heardAt.get(peer) ?? 0) > electionTicks;
    const self = this.liveness!.nodeId;
    for (const g of this.groups.values()) {
      if (!g.quiesced) continue;
      const lead = g.node.lead;
      let wake: boolean;
      if (lead !== self) wake = lead === NONE || silent(lead);
      else {
        const voters = g.node.voters();
        let heard = 0;
        for (const id of voters) if (id === self || !silent(id)) heard++;
        wake = heard * 2 <= voters.length;
      }
      if (!wake) continue;
      this.groupsWokenBySilence++;
      g.wake();
    }
  }

  failAll(): void {
    for (const g of this.groups.values()) g.failAll();
  }

  /** Every group's state, by group id. */
  status(applied: (groupId: number) => number): GroupStatus[] {
    const out: GroupStatus[] = [];
    for (const g of this.groups.values()) {
      const st = g.node.status();
      out.push({
        id: g.groupId,
        role: ROLES[st.role] ?? String(st.role),
        leader: st.lead,
        term: st.term,
        commit: st.commit,
        applied: applied(g.groupId),
        lastIndex: st.lastIndex,
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }
}
