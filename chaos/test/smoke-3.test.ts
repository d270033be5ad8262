// CI smoke of chaos scenarios (part 3 of 3): compaction-under-load clock-skew membership-churn pause-leader.
// Each starts a real cluster (chaos/cluster/supervisor.ts: processes, data dirs and proxies
// removed when the run ends), injects its faults for a few seconds under the four workloads,
// and must pass every checker and scenario criterion (chaos/test/smoke.ts). Needs the build.
import t from 'tap';
import { smoke } from './smoke.ts';

t.setTimeout(400_000);

t.test('compaction-under-load', (t) => smoke(t, 'compaction-under-load', 1));
t.test('clock-skew', (t) => smoke(t, 'clock-skew', 1));
t.test('membership-churn', (t) => smoke(t, 'membership-churn', 1));
t.test('pause-leader', (t) => smoke(t, 'pause-leader', 1));
