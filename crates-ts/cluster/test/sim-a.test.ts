// The simulator of production code (test/sim/simulator.ts: NodeHost, GroupDriver,
// KvStateMachine over the crash-modelling MemoryStorage, several groups per node, seeded
// faults) over seeds 0..999; sim-b runs the next thousand so both tap jobs share the work.
// Also checks that a seed replays bit for bit. The seeds that found production bugs
// (docs/raft.md, "Simulation") are in these ranges: 17, 537, 665, 958 here, 1120 and 1613 in
// sim-b. A failure names its seed and the command that replays it.
import t from 'tap';
import { checkSeeds, STEPS_DEFAULT } from './sim/seeds.js';
import { runSeed } from './sim/simulator.js';

t.test('seeds 0..999', (t) => checkSeeds(t, 0, 1000));

t.test('a seed replays bit for bit', async (t) => {
  const a = await runSeed({ seed: 4242, steps: STEPS_DEFAULT });
  const b = await runSeed({ seed: 4242, steps: STEPS_DEFAULT });
  t.ok(a.ok, a.message ?? '');
  t.same(b, a, 'same result, statistics and final digests');
  const c = await runSeed({ seed: 4243, steps: STEPS_DEFAULT });
  t.not(c.fingerprint, a.fingerprint, 'another seed, another run');
});
