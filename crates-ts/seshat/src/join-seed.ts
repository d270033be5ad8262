/**
 * `--join <host:port>`: joining a running cluster through any of its members (the "seed").
 * At start, before its Raft side exists, the node asks the seed over plain RESP (after AUTH
 * with its masterauth or requirepass, when it has one):
 *
 *   1. `RAFT ADD-LEARNER <self id> <self raft address> <self client address>`, following
 *      `-MOVED 0 <leader>` to the leader, retrying briefly while the cluster has no leader;
 *   2. `RAFT STATUS` on the node that accepted it: the members' addresses (the address book
 *      this node starts with instead of --initial-members).
 *
 * The node then starts as a learner without bootstrapping and catches up from the leader's
 * snapshot; making it a voter stays an explicit `RAFT PROMOTE`. A restart with the same flag
 * after a crash before catching up finds itself already a learner with the same addresses
 * and goes on; any other "already a member" is an error (ids are never reused), as is a seed
 * that does not answer. A node that already has state does not ask at all (server.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SeshatError } from '@seshat/common';
import { type Resp, sendCommand } from './admin-cli.js';
import type { MemberAddress } from './member-address.js';

/** MOVED hops followed before giving up (one to the leader is the normal case). */
const JOIN_REDIRECTS_MAX = 5;
/** Tries while the cluster answers CLUSTERDOWN / TRYAGAIN (no leader, change in progress). */
const JOIN_ATTEMPTS_MAX = 20;
const JOIN_RETRY_DELAY_MS = 250;
/** Bound on each request to a member (ADD-LEARNER answers once the change is applied). */
const JOIN_REQUEST_TIMEOUT_MS = 10_000;

function joinError(seed: string, detail: string): SeshatError {
  return new SeshatError('JOIN_FAILED', `cannot join the cluster via ${seed}: ${detail}`);
}

function split(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

async function ask(address: string, argv: string[], password: string): Promise<Resp> {
  const { host, port } = split(address);
  return sendCommand(host, port, argv, JOIN_REQUEST_TIMEOUT_MS, password);
}

function errorText(r: Resp): string | null {
  return r !== null && typeof r === 'object' && !Array.isArray(r) ? r.error : null;
}

/** A flat [key, value, ...] reply (RESP2 form of a map) as a Map. */
function fields(r: Resp): Map<string, Resp> {
  const out = new Map<string, Resp>();
  if (!Array.isArray(r)) return out;
  for (let i = 0; i + 1 < r.length; i += 2) out.set(String(r[i]), r[i + 1]!);
  return out;
}

/** The `members` of a RAFT STATUS reply. */
function statusMembers(status: Resp): MemberAddress[] {
  const list = fields(status).get('members');
  if (!Array.isArray(list)) return [];
  const out: MemberAddress[] = [];
  for (const m of list) {
    const f = fields(m);
    const id = f.get('id');
    const raft = f.get('raft');
    const client = f.get('client');
    if (typeof id === 'number' && typeof raft === 'string' && typeof client === 'string')
      out.push({ id, raft, client });
  }
  return out;
}

/** ADD-LEARNER on the leader; resolves with the address that answered and its reply. */
async function addLearner(
  seed: string,
  self: MemberAddress,
  password: string,
): Promise<{ at: string; reply: Resp }> {
  const argv = ['RAFT', 'ADD-LEARNER', String(self.id), self.raft, self.client];
  let at = seed;
  let hops = 0;
  for (let attempt = 1; ; attempt++) {
    let reply: Resp;
    try {
      reply = await ask(at, argv, password);
    } catch (e) {
      throw joinError(seed, `${at}: ${(e as Error).message}`);
    }
    const err = errorText(reply);
    const moved = err === null ? null : /^MOVED \d+ (\S+)$/.exec(err);
    if (moved !== null && hops < JOIN_REDIRECTS_MAX) {
      at = moved[1]!;
      hops++;
      continue;
    }
    const transient = err !== null && /^(CLUSTERDOWN|TRYAGAIN)/.test(err);
    if (!transient || attempt >= JOIN_ATTEMPTS_MAX) return { at, reply };
    // No leader yet, or a change in progress: worth another try after a pause.
    await sleep(JOIN_RETRY_DELAY_MS);
    at = seed;
  }
}

/**
 * Adds `self` as a learner through the member at `seed` (host:port of its client listener)
 * and returns the other members' addresses. Throws a JOIN_FAILED SeshatError with the
 * cluster's own error text when it refuses.
 */
/** `password`: sent with AUTH to the members asked (masterauth, else requirepass; '' = none). */
export async function joinViaSeed(
  seed: string,
  self: MemberAddress,
  password = '',
): Promise<MemberAddress[]> {
  const { at, reply } = await addLearner(seed, self, password);
  let status: Resp;
  try {
    status = await ask(at, ['RAFT', 'STATUS'], password);
  } catch (e) {
    throw joinError(seed, `${at}: ${(e as Error).message}`);
  }
  const members = statusMembers(status);
  const err = errorText(reply);
  if (err !== null) {
    const learners = fields(status).get('learners');
    const known = members.find((m) => m.id === self.id);
    const resumed =
      /already a member/.test(err) &&
      Array.isArray(learners) &&
      learners.includes(self.id) &&
      known?.raft === self.raft &&
      known.client === self.client;
    if (!resumed) throw joinError(seed, err);
  }
  const others = members.filter((m) => m.id !== self.id);
  if (others.length === 0) throw joinError(seed, `${at} named no members in RAFT STATUS`);
  return others;
}
