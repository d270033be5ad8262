/**
 * One chaos run: start the cluster, run the workloads, let the scenario inject its faults
 * for the run's duration, heal everything, read every key back through the leader, wait
 * for the replicas to converge, check the history, and produce the RunResult for the report.
 *
 * Phases (run time): warm-up (workloads only) | faults (scenario) | recovery (healed,
 * workloads continue) | stop, final reads, convergence, checkers.
 */
import { SeededRandom } from '@seshat/common';
import { checkHistory } from './checker/index.ts';
import { ChaosCluster } from './cluster/supervisor.ts';
import type { Verdict } from './history.ts';
import type { RunResult, ScenarioCheck } from './report/run-result.ts';
import { ScenarioContext } from './scenario/context.ts';
import { scenario as findScenario } from './scenario/catalog.ts';
import { fmtMs, okTimes } from './scenario/probes.ts';
import { WorkloadDriver } from './workload/driver.ts';
import { Recorder } from './workload/recorder.ts';

const WARMUP_MS = 1000;
/** After healing, the workloads run this long so the report shows service coming back. */
const RECOVERY_RUN_MS = 2000;
/** ...and on until an operation is acknowledged after healing, at most this long (a leader
 * elected just as the run heals may need a few seconds before the workers' retries land). */
const RECOVERY_RUN_MAX_MS = 15_000;
/** How far before healing an operation that completes after it may have been invoked. */
const OPERATION_SPAN_MAX_MS = 60_000;
const RECOVERY_POLL_MS = 100;
const LEADER_AFTER_HEAL_MS = 30_000;

export interface RunOptions {
  scenario: string;
  durationMs: number;
  seed: number;
  /** Clients per workload (default 3). */
  workersPer?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export async function runScenario(o: RunOptions): Promise<RunResult> {
  const sc = findScenario(o.scenario);
  const log = o.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const size = sc.size ?? 3;
  const cluster = await ChaosCluster.start({
    size,
    maxNodes: sc.maxNodes?.(o.durationMs) ?? size,
    args: sc.args,
    seed: o.seed,
  });
  try {
    await cluster.waitForLeader({ timeoutMs: 30_000 });
    const recorder = new Recorder();
    const driver = new WorkloadDriver({
      recorder,
      seed: o.seed,
      workersPer: o.workersPer,
      targets: () => cluster.live().map((n) => ({ id: n.id, port: n.clientPort })),
    });
    driver.start();
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const ctx = new ScenarioContext(
      cluster,
      new SeededRandom(o.seed ^ 0x5eed),
      recorder,
      recorder.now() + o.durationMs,
    );
    log(`${sc.name}: faults for ${o.durationMs / 1000} s (seed ${o.seed})`);
    let scenarioError: unknown = null;
    try {
      await sc.run(ctx);
    } catch (e) {
      scenarioError = e;
      ctx.event(`scenario error: ${e instanceof Error ? e.message : String(e)}`);
    }
    const healedAt = await recover(cluster, ctx);
    log(`${sc.name}: healed at ${(healedAt / 1000).toFixed(1)} s; checking`);
    await runUntilServed(recorder, healedAt);
    await driver.stop();
    const stoppedAt = recorder.now();
    let finalReadError: unknown = null;
    try {
      await driver.finalReads(
        async () => {
          const id = await cluster.waitForLeader({ timeoutMs: LEADER_AFTER_HEAL_MS });
          return { id, port: cluster.node(id).clientPort };
        },
        async (t, error, failures) => {
          // The first failures, then every 50th: what the target's Raft state was.
          if (failures > 3 && failures % 50 !== 0) return;
          log(
            `${sc.name}: final read #${failures} on node ${t.id} failed (${error}):\n${await raftStates(cluster)}`,
          );
        },
      );
    } catch (e) {
      log(`${sc.name}: final reads failed; the nodes' Raft state:\n${await raftStates(cluster)}`);
      log(await probeWrites(cluster));
      const holdS = Number(process.env.CHAOS_HOLD_ON_FAILURE_S ?? 0);
      if (holdS > 0) {
        const ports = cluster.running().map((n) => `node ${n.id}: 127.0.0.1:${n.clientPort}`);
        log(`holding the cluster ${holdS} s for inspection (${ports.join(', ')})`);
        await new Promise((r) => setTimeout(r, holdS * 1000));
      }
      finalReadError = e;
    }
    const convergence = await convergenceVerdict(cluster);
    const verdicts: Record<string, Verdict> = { ...checkHistory(recorder.history), convergence };
    const checks: ScenarioCheck[] = [
      {
        name: 'the scenario ran to the end',
        ok: scenarioError === null,
        detail: scenarioError === null ? 'yes' : String(scenarioError),
      },
      serviceAfterHeal(recorder, healedAt, stoppedAt),
      {
        name: 'every key read back after healing',
        ok: finalReadError === null,
        detail: finalReadError === null ? 'yes' : String(finalReadError),
      },
      ...ctx.checks,
    ];
    const valid = Object.values(verdicts).every((v) => v.valid) && checks.every((c) => c.ok);
    return {
      scenario: sc.name,
      seed: o.seed,
      startedAt,
      durationMs: recorder.now(),
      nodes: cluster.nodes.filter((n) => n.state !== 'unborn').length,
      history: recorder.history,
      faults: ctx.faults,
      verdicts,
      checks,
      valid,
      events: ctx.events,
    };
  } finally {
    await cluster.close();
  }
}

/** Heals the network, resumes and restarts every member, clears clock offsets; resolves run time. */
async function recover(cluster: ChaosCluster, ctx: ScenarioContext): Promise<number> {
  cluster.heal();
  for (const n of cluster.memberNodes()) {
    if (n.state === 'paused') cluster.resume(n.id);
    if (n.state === 'down') await cluster.restart(n.id);
  }
  if (ctx.faults.some((f) => f.kind === 'clock'))
    for (const n of cluster.running()) await cluster.clockOffset(n.id, 0).catch(() => undefined);
  for (const f of ctx.faults) if (f.end === null) f.end = ctx.now();
  const at = ctx.now();
  await cluster.waitForLeader({ timeoutMs: LEADER_AFTER_HEAL_MS });
  ctx.event('healed: every node up, every link whole');
  return at;
}

/** INFO raft of every running node, one line each (diagnostics of a failed run). */
async function raftStates(cluster: ChaosCluster): Promise<string> {
  const lines = await Promise.all(
    cluster.running().map(async (n) => {
      try {
        const info = await cluster.raftInfo(n.id);
        return `  node ${n.id}: ${Object.entries(info)
          .map(([k, v]) => `${k.replace(/^raft_/, '')}=${v}`)
          .join(' ')}`;
      } catch (e) {
        return `  node ${n.id}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }),
  );
  return lines.join('\n');
}

/** A SET then a GET on every running node, with their replies and times (diagnostics). */
async function probeWrites(cluster: ChaosCluster): Promise<string> {
  const lines: string[] = [];
  for (const n of cluster.running()) {
    for (const argv of [
      ['SET', 'chaos:probe', String(n.id)],
      ['GET', 'chaos:probe'],
    ]) {
      const t0 = performance.now();
      let out: string;
      try {
        out = JSON.stringify(await cluster.query(n.id, argv, 10_000));
      } catch (e) {
        out = e instanceof Error ? e.message : String(e);
      }
      lines.push(`  node ${n.id} ${argv[0]}: ${out} in ${(performance.now() - t0).toFixed(0)} ms`);
    }
  }
  return `probes:\n${lines.join('\n')}`;
}

/** Every member at the same applied index with the same state hash (RAFT DIGEST). */
async function convergenceVerdict(cluster: ChaosCluster): Promise<Verdict> {
  try {
    const [index, sha] = await cluster.waitConverged();
    return {
      valid: true,
      outcome: 'valid',
      problems: [],
      stats: {
        replicas: cluster.running().length,
        appliedIndex: index,
        hashPrefix: Number.parseInt(sha.slice(0, 8), 16),
      },
    };
  } catch (e) {
    return {
      valid: false,
      outcome: 'invalid',
      problems: [e instanceof Error ? e.message : String(e)],
      stats: { replicas: cluster.running().length },
    };
  }
}

/** Whether some operation completed with an acknowledgement after `healedAt` (scans only the
 * operations invoked since shortly before it: histories are in invocation order). */
function servedSince(recorder: Recorder, healedAt: number): boolean {
  const h = recorder.history;
  for (const ops of [h.registers, h.counters, h.sets, h.lists] as {
    call: number;
    ret: number;
    status: string;
  }[][]) {
    for (let i = ops.length - 1; i >= 0 && ops[i]!.call > healedAt - OPERATION_SPAN_MAX_MS; i--) {
      const op = ops[i]!;
      if (op.status === 'ok' && op.ret > healedAt) return true;
    }
  }
  return false;
}

/** Lets the workload run RECOVERY_RUN_MS after healing, and on until it is served again (at
 * most RECOVERY_RUN_MAX_MS): the "service resumes" check then judges recovery, not timing. */
async function runUntilServed(recorder: Recorder, healedAt: number): Promise<void> {
  const start = recorder.now();
  for (;;) {
    const elapsed = recorder.now() - start;
    if (elapsed >= RECOVERY_RUN_MAX_MS) return;
    if (elapsed >= RECOVERY_RUN_MS && servedSince(recorder, healedAt)) return;
    await new Promise((r) => setTimeout(r, RECOVERY_POLL_MS));
  }
}

/** Acknowledged operations resumed after healing. */
function serviceAfterHeal(recorder: Recorder, healedAt: number, stoppedAt: number): ScenarioCheck {
  const after = okTimes(recorder.history).filter((t) => t > healedAt && t <= stoppedAt);
  const first = after[0];
  return {
    name: 'service resumes after healing',
    ok: after.length > 0,
    detail:
      first === undefined
        ? 'no acknowledged operation after healing'
        : `${after.length} acknowledged, the first ${fmtMs(first - healedAt)} after healing`,
  };
}
