// Shows the simulator's checker catches a broken Raft: with the test-only option
// unsafeCommitPreviousTermByCounting (a leader commits entries of earlier terms by
// counting replicas, the mistake of the paper's Figure 8), the leader-churn profile must
// report a safety violation within a bounded number of seeds, the failing seed must
// replay bit for bit, and the same seed must pass with the rule intact.
import t from 'tap';
import { runSeed, type SimOptions } from './sim/simulator.js';

const SAFETY = new Set([
  'leader-completeness',
  'state-machine-safety',
  'commit-safety',
  'log-matching',
  'acked-lost',
]);
const SEEDS_MAX = 400;

t.test('the simulator catches the Figure 8 commit rule broken', async (t) => {
  let caught: SimOptions | null = null;
  let failure = '';
  for (let seed = 0; seed < SEEDS_MAX && caught === null; seed++) {
    const options: SimOptions = {
      seed,
      nodes: seed % 2 === 0 ? 3 : 5,
      steps: 3000,
      profile: 'leader-churn',
      unsafeCommitPreviousTermByCounting: true,
    };
    const result = runSeed(options);
    if (!result.ok) {
      caught = options;
      failure = `${result.failure}: ${result.message}`;
      t.ok(SAFETY.has(result.failure!), `seed ${seed} reports a safety violation: ${failure}`);
    }
  }
  t.not(caught, null, `a violation within ${SEEDS_MAX} seeds`);
  if (caught === null) return;
  const again = runSeed(caught);
  t.equal(`${again.failure}: ${again.message}`, failure, 'the failing seed replays identically');
  const safe = runSeed({ ...caught, unsafeCommitPreviousTermByCounting: false });
  t.ok(safe.ok, `seed ${caught.seed} passes with the rule intact`);
});
