// CI smoke of chaos scenarios (part 1 of 3): kill-leader kill-follower partition-majority partition-oneway.
// Each starts a real cluster (chaos/cluster/supervisor.ts: processes, data dirs and proxies
// removed when the run ends), injects its faults for a few seconds under the four workloads,
// and must pass every checker and scenario criterion (chaos/test/smoke.ts). Needs the build.
import t from 'tap';
import { smoke } from './smoke.ts';

t.setTimeout(400_000);

t.test('kill-leader', (t) => smoke(t, 'kill-leader', 1));
t.test('kill-follower', (t) => smoke(t, 'kill-follower', 1));
t.test('partition-majority', (t) => smoke(t, 'partition-majority', 1));
t.test('partition-oneway', (t) => smoke(t, 'partition-oneway', 1));
