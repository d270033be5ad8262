// CI smoke of chaos scenarios (part 2 of 3): isolate-leader quorum-loss kill-leader-writes restart-all slow-network.
// Each starts a real cluster (chaos/cluster/supervisor.ts: processes, data dirs and proxies
// removed when the run ends), injects its faults for a few seconds under the four workloads,
// and must pass every checker and scenario criterion (chaos/test/smoke.ts). Needs the build.
import t from 'tap';
import { smoke } from './smoke.ts';

t.setTimeout(400_000);

t.test('isolate-leader', (t) => smoke(t, 'isolate-leader', 1));
t.test('quorum-loss', (t) => smoke(t, 'quorum-loss', 1));
t.test('kill-leader-writes', (t) => smoke(t, 'kill-leader-writes', 1));
t.test('restart-all', (t) => smoke(t, 'restart-all', 1));
t.test('slow-network', (t) => smoke(t, 'slow-network', 1));
