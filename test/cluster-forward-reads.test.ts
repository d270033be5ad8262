// A read a follower forwarded to the leader survives losing that leader, on real 3-node
// clusters (helpers/cluster.ts: processes, free ports and temp dirs, removed on t.teardown).
// Found in the chaos runs (issue #6): a forwarded GET whose link to the leader broke was
// answered -CLUSTERDOWN at once, and one sent to a leader that froze waited the whole 8 s
// reply bound and then got -CLUSTERDOWN, although a new leader was serving within a second.
// A read has no effect, so the follower sends it again to the next leader (forward-client.ts):
//   - the leader is frozen (SIGSTOP) with the read in flight, then killed (-9): the stream
//     breaks, the read goes to the new leader and is answered with the value;
//   - the leader stays frozen: once the others elect a new leader the read is sent to it and
//     answered with the value (before the fix: -CLUSTERDOWN after the 8 s bound).
// Each also checks INFO raft's raft_forward_reads_resent. Bounded polls, no sleeps; needs
// `npm run build` (runs dist/).
import t, { type Test } from 'tap';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

interface Setup {
  c: TestCluster;
  leader: number;
  follower: number;
  client: RespClient;
}

/** A cluster with k=v1, a client on a follower whose forwarding link to the leader is open. */
async function setup(t: Test): Promise<Setup> {
  const c = await startCluster({ t });
  const { id: leader } = await c.waitForLeader({ writable: true, known: true });
  t.equal(show(await c.query(leader, ['SET', 'k', 'v1'])), '+OK');
  const follower = c.nodes.find((n) => n.id !== leader)!.id;
  const client = await RespClient.connect(c.node(follower).clientPort, { replyTimeoutMs: 20_000 });
  t.teardown(() => client.socket.destroy());
  t.equal(show(await client.send(['GET', 'k'])), '"v1"', 'forwarded read before the fault');
  return { c, leader, follower, client };
}

/** Sends GET k through the follower once the leader is frozen; resolves when it is in flight. */
async function readInFlight(s: Setup): Promise<Promise<string>> {
  s.c.pause(s.leader);
  const pending = s.client.send(['GET', 'k']).then(show);
  await waitUntil(async () => Number((await s.c.raftInfo(s.follower)).raft_forward_pending) > 0, {
    timeoutMs: 5000,
    intervalMs: 10,
    what: 'the read to be forwarded',
  });
  return pending;
}

async function resent(c: TestCluster, id: number): Promise<number> {
  return Number((await c.raftInfo(id)).raft_forward_reads_resent);
}

t.test('a forwarded read whose link breaks is answered by the next leader', async (t) => {
  const s = await setup(t);
  const pending = await readInFlight(s);
  await s.c.kill9(s.leader);
  t.equal(await pending, '"v1"', 'the value, not -CLUSTERDOWN');
  t.ok((await resent(s.c, s.follower)) >= 1, 'counted as resent');
});

t.test('a forwarded read to a leader that froze is answered by the next leader', async (t) => {
  const s = await setup(t);
  const pending = await readInFlight(s);
  const next = await s.c.waitForLeader({ exclude: [s.leader], timeoutMs: 10_000 });
  t.comment(`new leader ${next.id}`);
  t.equal(await pending, '"v1"', 'the value, not -CLUSTERDOWN after the reply bound');
  t.ok((await resent(s.c, s.follower)) >= 1, 'counted as resent');
  s.c.resume(s.leader);
});
