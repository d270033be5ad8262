// Linearizable reads across a leader change, on a real 3-node cluster (issue #6: after the
// chaos faults healed, reads answered "-CLUSTERDOWN no leader confirmed the read in time"
// while writes went through). A GET reaches the leader while both followers are frozen
// (SIGSTOP), so no heartbeat round can confirm it; the leader steps down (CheckQuorum), which
// makes its Raft core forget the read's ReadIndex request. Once the followers resume and a
// leader is elected again, the read must be answered with the value, well before its 5 s
// deadline, and not time out as a lost read. (Reads a follower sent to a leader that is lost:
// crates-ts/cluster/test/group-driver-reads.test.ts.)
// How: helpers/cluster.ts (processes, free ports, temp dirs removed on t.teardown), raw RESP
// with bounded polls instead of sleeps. Needs `npm run build` (runs dist/).
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

t.test('a GET on a leader that steps down is answered by the next leader', async (t) => {
  const c = await startCluster({ t });
  const { id: leader } = await c.waitForLeader({ writable: true });
  t.equal(show(await c.query(leader, ['SET', 'k', 'v1'])), '+OK');
  const followers = c.nodes.filter((n) => n.id !== leader).map((n) => n.id);
  const client = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 15_000 });
  t.teardown(() => client.socket.destroy());
  for (const f of followers) c.pause(f);
  const t0 = performance.now();
  const pending = client.send(['GET', 'k']);
  await waitUntil(async () => (await c.raftInfo(leader)).raft_role !== 'leader', {
    timeoutMs: 10_000,
    intervalMs: 20,
    what: `node ${leader} to step down`,
  });
  for (const f of followers) c.resume(f);
  const reply = show(await pending);
  t.comment(`answered after ${(performance.now() - t0).toFixed(0)} ms`);
  t.equal(reply, '"v1"', 'the value, not -CLUSTERDOWN');
  t.equal(show(await c.query((await c.waitForLeader({ writable: true })).id, ['GET', 'k'])), '"v1"');
});
