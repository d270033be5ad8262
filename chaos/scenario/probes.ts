/**
 * Observations the scenarios' pass criteria are made of: whether a node refuses a write or
 * a linearizable read (a minority must), how long until a writable leader exists, whether a
 * deposed leader steps down, and the longest stretch without an acknowledged operation.
 */
import { show } from '../../test/helpers/resp-client.ts';
import type { ChaosCluster } from '../cluster/supervisor.ts';
import { pollUntil } from '../cluster/poll.ts';
import type { History } from '../history.ts';

/** Longer than a follower's forward wait (2 s) and the leader's proposal timeout (5 s). */
const PROBE_TIMEOUT_MS = 8000;

export interface Refusal {
  refused: boolean;
  reply: string;
}

async function probe(c: ChaosCluster, id: number, argv: string[]): Promise<Refusal> {
  try {
    const reply = show(await c.query(id, argv, PROBE_TIMEOUT_MS));
    return { refused: reply.startsWith('-'), reply };
  } catch (e) {
    return { refused: true, reply: e instanceof Error ? e.message : String(e) };
  }
}

/** SET on `id` (probe key of its own): refused = an error reply or no reply in time. */
export function probeWrite(c: ChaosCluster, id: number): Promise<Refusal> {
  return probe(c, id, ['SET', `__chaos_probe:${id}`, String(Date.now())]);
}

/** A linearizable GET on `id`: refused = an error reply or no reply in time. */
export function probeRead(c: ChaosCluster, id: number): Promise<Refusal> {
  return probe(c, id, ['GET', '__chaos_probe']);
}

/** Milliseconds until a leader not in `exclude` acknowledges a write, and its id. */
export async function timeToLeader(
  c: ChaosCluster,
  exclude: number[],
  timeoutMs = 20_000,
): Promise<{ id: number; ms: number }> {
  const t0 = performance.now();
  const id = await c.waitForLeader({ exclude, timeoutMs });
  return { id, ms: performance.now() - t0 };
}

/** Milliseconds until node `id` no longer says it is leader (it may not answer: paused/cut). */
export async function timeToStepDown(c: ChaosCluster, id: number, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  await pollUntil(async () => (await c.raftInfo(id)).raft_role !== 'leader', {
    timeoutMs,
    intervalMs: 25,
    what: `node ${id} to step down`,
  });
  return performance.now() - t0;
}

/** Completion times (run ms) of every acknowledged operation, sorted. */
export function okTimes(h: History): number[] {
  const out: number[] = [];
  for (const ops of [h.registers, h.counters, h.sets, h.lists])
    for (const op of ops) if (op.status === 'ok') out.push(op.ret);
  return out.sort((a, b) => a - b);
}

/** The longest interval inside [from, to] with no acknowledged operation completing. */
export function longestGap(times: number[], from: number, to: number): number {
  let prev = from;
  let gap = 0;
  for (const t of times) {
    if (t < from) continue;
    if (t > to) break;
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, to - prev);
}

export function fmtMs(ms: number): string {
  return `${Math.round(ms)} ms`;
}
