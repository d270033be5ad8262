/**
 * The groups this node hosts, keyed by group id: inbound Raft messages and snapshot images
 * go to the group they name, one tick reaches every group, and a peer found unreachable is
 * reported to all of them. The log writes of all groups share the storage's WAL fsync
 * rounds (Storage.syncWrites coalesces concurrent callers), so Readies of several groups
 * handled in one event-loop turn cost one fsync.
 *
 * Today a node hosts group 0 only (cluster-node.ts); sharding adds groups through `add`.
 */
import { assert } from '@seshat/common';
import type { Message } from '@seshat/raft';
import type { GroupDriver } from './group-driver.js';
import type { InboundSnapshot } from './transport-snapshot.js';

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

  add(driver: GroupDriver): void {
    assert(!this.groups.has(driver.groupId), `group ${driver.groupId} is already hosted`);
    this.groups.set(driver.groupId, driver);
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
    for (const g of this.groups.values()) g.tick();
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
