/**
 * The gRPC AdminService of a cluster node (proto/node.proto), served on its Raft port next to
 * the transport and NodeService. Every rpc runs the same action function as the RESP RAFT
 * command (raft-commands.ts), so checks and error texts are the same: a RESP error reply
 * becomes `{ok: false, error: <its text>}` (`MOVED 0 <leader>` included), a SeshatError the
 * text the RESP edge would answer. A request for another Raft group than this node's is
 * answered `ERR unknown raft group <n>` and not acted on.
 */
import { type AdminHandler, type AdminRaftStatus, serveAdmin } from '@seshat/cluster';
import { ErrorReply, parseSlotRanges, type Reply, SeshatError } from '@seshat/common';
import type { ClusterNode } from './cluster-node.js';
import { GROUP_ID } from './cluster-node.js';
import { unknownGroupReply } from './forward-server.js';
import { createGroup, destroyGroup } from './group-admin.js';
import { descriptorProblem, type GroupDescriptor } from './group-descriptor.js';
import {
  addLearner,
  initGroup,
  type Later,
  PENDING,
  promote,
  type RaftStatusView,
  removeMember,
  snapshotNow,
  statusView,
  transferLeader,
} from './raft-commands.js';

/** The largest node id the RESP commands accept (parseInt32), so both paths agree. */
const NODE_ID_MAX = 0x7fffffff;
const ERR_NOT_INTEGER = new ErrorReply('ERR value is not an integer or out of range');

interface Outcome {
  ok: boolean;
  error: string;
}

const OK: Outcome = { ok: true, error: '' };

/** An action's reply as the common part of every response. */
function outcome(reply: Reply): Outcome {
  return reply instanceof ErrorReply ? { ok: false, error: reply.message } : OK;
}

/** Runs an action; a SeshatError is the reply the RESP edge would give (server.ts). */
function guarded<T>(fn: () => T): T | ErrorReply {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SeshatError) return new ErrorReply(`${e.code} ${e.message}`);
    throw e;
  }
}

/** The refusal common to every request, checked before acting: wrong group, bad node id. */
function refusal(groupId: number, nodeId?: number): ErrorReply | null {
  if (groupId !== GROUP_ID) return unknownGroupReply(groupId);
  if (nodeId !== undefined && !(Number.isSafeInteger(nodeId) && nodeId <= NODE_ID_MAX))
    return ERR_NOT_INTEGER;
  return null;
}

/** A membership action: resolves with its reply once applied (or refused). */
function membership(act: (later: Later) => Reply | typeof PENDING): Promise<Outcome> {
  return new Promise((resolve) => {
    const r = guarded(() => act((reply) => resolve(outcome(reply))));
    if (r !== PENDING) resolve(outcome(r));
  });
}

function statusMessage(v: RaftStatusView): AdminRaftStatus {
  return { ...v, groupId: GROUP_ID };
}

/** The AdminService implementation for `cluster`; `applied` reads the state machine's index. */
export function adminHandler(cluster: ClusterNode, applied: () => number): AdminHandler {
  return {
    async status(req) {
      const no = refusal(req.groupId);
      if (no !== null) return { ok: false, error: no.message, status: undefined };
      return { ok: true, error: '', status: statusMessage(statusView(cluster, applied())) };
    },
    async init(req) {
      return outcome(refusal(req.groupId) ?? guarded(() => initGroup(cluster)));
    },
    async transferLeader(req) {
      return outcome(refusal(req.groupId, req.nodeId) ?? guarded(() => transferLeader(cluster, req.nodeId)));
    },
    async snapshot(req) {
      const no = refusal(req.groupId);
      if (no !== null) return { ok: false, error: no.message, index: 0 };
      return { ok: true, error: '', index: snapshotNow(cluster) };
    },
    async addLearner(req) {
      const no = refusal(req.groupId, req.nodeId);
      if (no !== null) return outcome(no);
      const m = { id: req.nodeId, raft: req.raftAddress, client: req.clientAddress };
      return membership((later) => addLearner(cluster, m, later));
    },
    async promote(req) {
      const no = refusal(req.groupId, req.nodeId);
      if (no !== null) return outcome(no);
      return membership((later) => promote(cluster, req.nodeId, later));
    },
    async remove(req) {
      const no = refusal(req.groupId, req.nodeId);
      if (no !== null) return outcome(no);
      return membership((later) => removeMember(cluster, req.nodeId, later));
    },
    async createGroup(req) {
      const ranges = parseSlotRanges(req.slots);
      if (typeof ranges === 'string') return { ok: false, error: `ERR ${ranges}` };
      const d: GroupDescriptor = {
        id: req.groupId,
        members: [...req.members].sort((a, b) => a - b),
        slotRanges: ranges,
      };
      if (!req.local) return outcome(await createGroup(cluster, d));
      const problem = descriptorProblem(d, new Set(cluster.members.keys()));
      if (problem !== null) return { ok: false, error: `ERR ${problem}` };
      const err = await cluster.groups.create(d, req.loanIndex);
      return err === null ? OK : { ok: false, error: err };
    },
    async destroyGroup(req) {
      if (!req.local) return outcome(await destroyGroup(cluster, req.groupId));
      if (req.groupId < 1) return { ok: false, error: 'ERR group 0 cannot be destroyed' };
      const err = await cluster.groups.destroy(req.groupId);
      return err === null ? OK : { ok: false, error: err };
    },
  };
}

/** Registers AdminService on the cluster node's gRPC server (before it starts). */
export function serveAdminService(cluster: ClusterNode, applied: () => number): void {
  serveAdmin(cluster.transport, adminHandler(cluster, applied));
}
