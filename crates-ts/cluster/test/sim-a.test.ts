// The simulator of production code (test/sim/simulator.ts: NodeHost, GroupDriver,
// KvStateMachine over the crash-modelling MemoryStorage, several groups per node, seeded
// faults) over seeds 0..499; sim-b, sim-c and sim-d run the next 1,500 in files of 500, so
// that each stays far inside tap's per-file time limit on a loaded machine and both tap jobs
// share the work. Also checks that a seed replays bit for bit. The seeds that found
// production bugs (docs/raft.md, "Simulation") are in these ranges: 17 here, 537, 665 and 958
// in sim-b, 1120 in sim-c, 1613 in sim-d. A failure names its seed and the command that
// replays it.
import t from 'tap';
import { checkSeeds, STEPS_DEFAULT } from './sim/seeds.js';
import { runSeed } from './sim/simulator.js';

t.test('seeds 0..499', (t) => checkSeeds(t, 0, 500));

t.test('a seed replays bit for bit', async (t) => {
  const a = await runSeed({ seed: 4242, steps: STEPS_DEFAULT });
  const b = await runSeed({ seed: 4242, steps: STEPS_DEFAULT });
  t.ok(a.ok, a.message ?? '');
  t.same(b, a, 'same result, statistics and final digests');
  const c = await runSeed({ seed: 4243, steps: STEPS_DEFAULT });
  t.not(c.fingerprint, a.fingerprint, 'another seed, another run');
});
