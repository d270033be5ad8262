/**
 * The CI smoke of the chaos scenarios: each named scenario runs briefly on a real cluster
 * (faults, workloads, final reads, checkers, convergence) and must pass; on failure the
 * whole text report is attached. The long runs (`npm run chaos:all -- --duration 600`) are
 * done by hand before a release.
 */
import type { Test } from 'tap';
import { renderText } from '../report/index.ts';
import { runScenario } from '../runner.ts';

/** Fault phase of a smoke run: long enough for two fault cycles of every scenario. */
const SMOKE_DURATION_MS = 7000;

export async function smoke(t: Test, scenario: string, seed: number): Promise<void> {
  const r = await runScenario({ scenario, durationMs: SMOKE_DURATION_MS, seed, workersPer: 2 });
  const report = renderText(r);
  t.ok(r.faults.length > 0, `${scenario}: faults were injected`);
  for (const [name, ops] of Object.entries(r.history))
    t.ok(
      ops.some((o: { status: string }) => o.status === 'ok'),
      `${scenario}: the ${name} workload had acknowledged operations`,
    );
  for (const [name, v] of Object.entries(r.verdicts))
    t.equal(v.outcome, 'valid', `${scenario}: ${name} checker`, { problems: v.problems, report });
  for (const c of r.checks) t.ok(c.ok, `${scenario}: ${c.name}`, { detail: c.detail, report });
  t.equal(r.valid, true, `${scenario}: VERDICT PASS`);
}
