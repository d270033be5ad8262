// Runs the deterministic simulator (test/sim) over a few hundred seeds: 3- and 5-node
// clusters under the mixed fault profile (loss, duplication, delay/reordering, symmetric
// and one-way partitions, crashes losing unpersisted state, snapshots, membership
// changes, leadership transfers) and under leader churn. The simulator checks election
// safety, log matching, leader completeness, state-machine safety, exactly-once effects,
// linearizable reads, monotonic term/commit/applied, no acknowledged write lost, and
// liveness after healing; a failure names its seed. Also checks bit-for-bit replay.
import t from 'tap';
import { runSeed, type SimResult } from './sim/simulator.js';

const STEPS = 3000;

function failures(results: SimResult[]): string[] {
  return results
    .filter((r) => !r.ok)
    .map(
      (r) => `seed ${r.seed} step ${r.step}: ${r.failure}: ${r.message} (npm run sim -- --seed ${r.seed})`,
    );
}

for (const nodes of [3, 5] as const) {
  t.test(`${nodes} nodes, mixed faults, 300 seeds`, async (t) => {
    const results: SimResult[] = [];
    for (let seed = 0; seed < 300; seed++) results.push(runSeed({ seed, nodes, steps: STEPS }));
    t.same(failures(results), [], 'no invariant violated');
    const commits = results.reduce((a, r) => a + r.stats.commits, 0);
    const elections = results.reduce((a, r) => a + r.stats.elections, 0);
    t.ok(commits > 300 * 10, `progress was made (${commits} commits)`);
    t.ok(elections > 300 * 2, `leaders changed (${elections} leader terms)`);
  });
}

t.test('leader churn, 200 seeds', async (t) => {
  const results: SimResult[] = [];
  for (let seed = 0; seed < 200; seed++) {
    results.push(runSeed({ seed, nodes: seed % 2 === 0 ? 3 : 5, steps: STEPS, profile: 'leader-churn' }));
  }
  t.same(failures(results), []);
});

t.test('a seed replays bit for bit', async (t) => {
  const a = runSeed({ seed: 1234, nodes: 5, steps: STEPS });
  const b = runSeed({ seed: 1234, nodes: 5, steps: STEPS });
  t.ok(a.ok);
  t.same(a, b, 'same result and statistics');
  const c = runSeed({ seed: 1235, nodes: 5, steps: STEPS });
  t.not(JSON.stringify(a.stats), JSON.stringify(c.stats), 'another seed, another run');
});
