// Runs a range of seeds of the production simulator inside a tap test: one assertion for
// the whole range (the list of failures, each with its seed and the command that replays
// it), plus the totals as a TAP comment. SESHAT_SIM_SEEDS overrides the number of seeds of
// every range (e.g. 10000 locally), SESHAT_SIM_STEPS the steps per seed.
import type { Test } from 'tap';
import { runSeed, type SimResult } from './simulator.js';

export const STEPS_DEFAULT = 2000;

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

function failureLine(r: SimResult, steps: number): string {
  return `seed ${r.seed} step ${r.step}: ${r.failure}: ${r.message} (npm run sim -- --seed ${r.seed} --steps ${steps})`;
}

/** Runs seeds [start, start + count) and checks that none fails and that work was done. */
export async function checkSeeds(t: Test, start: number, count: number): Promise<void> {
  const steps = envInt('SESHAT_SIM_STEPS', STEPS_DEFAULT);
  const n = envInt('SESHAT_SIM_SEEDS', count);
  const started = performance.now();
  const failures: string[] = [];
  const totals: Record<string, number> = {};
  for (let seed = start; seed < start + n; seed++) {
    const r = await runSeed({ seed, steps });
    if (!r.ok) failures.push(failureLine(r, steps));
    for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v;
  }
  const seconds = (performance.now() - started) / 1000;
  t.comment(`seeds ${start}..${start + n - 1}: ${seconds.toFixed(1)} s, ${(n / seconds).toFixed(1)} seeds/s`);
  t.comment(`totals: ${JSON.stringify(totals)}`);
  t.same(failures, [], `${n} seeds, no invariant violated`);
  if (n >= 100) {
    // Not a vacuous run: the work the checks looked at happened.
    t.ok(totals.acked! > n * 5, `writes were acknowledged (${totals.acked})`);
    t.ok(totals.snapshotsInstalled! > n / 10, `snapshots were installed (${totals.snapshotsInstalled})`);
    t.ok(totals.crashes! > n, `nodes crashed (${totals.crashes})`);
    t.ok(totals.confChanges! > n / 10, `membership changed (${totals.confChanges})`);
    t.ok(totals.digestChecks! > n * 20, `digests were compared (${totals.digestChecks})`);
  }
}
