/**
 * Creating and destroying Raft groups across the cluster (RAFT CREATE-GROUP / DESTROY-GROUP,
 * AdminService CreateGroup / DestroyGroup), run on group 0's leader:
 *
 *   create   1. group 0 lends the slots to the group through its log (kv slot-loans.ts):
 *               from that index on no replica of group 0 serves them; refused while they
 *               hold keys;
 *            2. every member creates the group (here: hosted-groups.ts; elsewhere: the
 *               AdminService rpc with `local`), each once its own group 0 has applied the
 *               loan, so no entry of group 0 can still write there; every member writes the
 *               same bootstrap (index 1, the voters), so they form one group.
 *   destroy  1. every node of the cluster destroys its replica (range deletes);
 *            2. group 0 takes the slots back through its log, only once all answered: a
 *               node that could not be reached keeps its replica, and the command fails
 *               (run it again).
 *
 * Both are idempotent: a rerun after a partial failure finishes the job. Replies are the
 * RESP command's (OK or an error text); the gRPC service turns them into `{ok, error}`.
 */
import { AdminCaller } from '@seshat/cluster';
import { ErrorReply, formatSlotRanges, type Reply, SimpleString, type SlotRange } from '@seshat/common';
import { lendCommand, returnCommand } from '@seshat/kv';
import type { ClusterNode } from './cluster-node.js';
import { descriptorProblem, type GroupDescriptor } from './group-descriptor.js';
import { redirectReply } from './forward-server.js';

const OK = new SimpleString('OK');
const RAFT_ARGV = [Buffer.from('RAFT')];

/** Proposes one command into group 0 and resolves with its reply once applied here. */
function proposeToGroup0(c: ClusterNode, argv: Buffer[]): Promise<Reply> {
  return new Promise((resolve) => {
    c.driver.submit({ onWriteReply: resolve, flushOutput: () => {} }, 0, argv);
  });
}

/** `ERR ...` of a failed member call, naming the node. */
function memberError(node: number, text: string): string {
  return `node ${node}: ${text.replace(/^ERR /, '')}`;
}

/** Runs `local` on this node and `remote` on every other node of `nodes`; the failures. */
async function onNodes(
  c: ClusterNode,
  nodes: readonly number[],
  local: () => Promise<string | null>,
  remote: (admin: AdminCaller) => Promise<{ ok: boolean; error: string }>,
): Promise<string[]> {
  const results = await Promise.all(
    nodes.map(async (id): Promise<string | null> => {
      if (id === c.nodeId) return local();
      const m = c.members.get(id);
      if (m === undefined) return memberError(id, 'not in the address book');
      const admin = new AdminCaller(c.dialAddress(m), undefined, c.peerPassword());
      try {
        const r = await remote(admin);
        return r.ok ? null : memberError(id, r.error);
      } catch (e) {
        return memberError(id, (e as Error).message);
      } finally {
        admin.close();
      }
    }),
  );
  return results.filter((r): r is string => r !== null);
}

/** RAFT CREATE-GROUP on group 0's leader: lend the slots, create the group on its members. */
export async function createGroup(c: ClusterNode, d: GroupDescriptor): Promise<Reply> {
  if (!c.isLeader) return redirectReply(c.leaderClientAddress(), RAFT_ARGV);
  const problem = descriptorProblem(d, new Set(c.members.keys()));
  if (problem !== null) return new ErrorReply(`ERR ${problem}`);
  const lent = await proposeToGroup0(c, lendCommand(d.id, d.slotRanges));
  if (lent instanceof ErrorReply) return lent;
  // Applied here at or below this index: members wait for their group 0 to reach it.
  const loanIndex = c.sm.appliedIndex;
  const slots = formatSlotRanges(d.slotRanges);
  const failed = await onNodes(
    c,
    d.members,
    () => c.groups.create(d, loanIndex),
    (admin) => admin.createGroup({ groupId: d.id, slots, members: [...d.members], local: true, loanIndex }),
  );
  if (failed.length > 0)
    return new ErrorReply(`ERR group ${d.id} not created everywhere: ${failed.join('; ')}`);
  return OK;
}

/** RAFT DESTROY-GROUP on group 0's leader: destroy every replica, then take the slots back. */
export async function destroyGroup(c: ClusterNode, id: number): Promise<Reply> {
  if (!c.isLeader) return redirectReply(c.leaderClientAddress(), RAFT_ARGV);
  if (id < 1) return new ErrorReply('ERR group 0 cannot be destroyed');
  const nodes = [...c.members.keys()];
  const failed = await onNodes(
    c,
    nodes,
    () => c.groups.destroy(id),
    (admin) => admin.destroyGroup({ groupId: id, local: true }),
  );
  if (failed.length > 0)
    return new ErrorReply(`ERR group ${id} not destroyed everywhere (slots kept): ${failed.join('; ')}`);
  const back = await proposeToGroup0(c, returnCommand(id));
  return back instanceof ErrorReply ? back : OK;
}

/** The slots of every group this node knows: group 0's (after loans) and the created ones'. */
export function groupSlots(c: ClusterNode): Map<number, readonly SlotRange[]> {
  const out = c.groups.slotRanges();
  out.set(0, c.sm.slotRanges);
  return out;
}

/** INFO raft's lines for every hosted group: `raft_groups` and one `raft_group_<id>` each. */
export function groupInfoRows(c: ClusterNode): [string, string | number][] {
  const slots = groupSlots(c);
  const applied = (id: number) => (id === 0 ? c.sm.appliedIndex : (c.groups.get(id)?.sm.appliedIndex ?? 0));
  const rows: [string, string | number][] = [['raft_groups', c.host.size]];
  for (const g of c.host.status(applied))
    rows.push([
      `raft_group_${g.id}`,
      `role=${g.role},leader=${g.leader},term=${g.term},commit=${g.commit},applied=${g.applied},slots=${formatSlotRanges(slots.get(g.id) ?? [])}`,
    ]);
  return rows;
}
