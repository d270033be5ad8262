// Quiescing on real processes (helpers/cluster.ts: free ports, temp dirs, all cleaned up):
// an idle 3-node group stops its heartbeats and election clocks (INFO raft raft_quiesced:1 on
// every node), the node heartbeats of the NodeHost still reveal a dead leader, so a SIGSTOP of
// the quiesced leader (no connection closes: only silence tells) is followed by a new leader
// that acknowledges a write within FAILOVER_BOUND_MS; writes through a follower wake the group
// and reach every node; once everything is idle again (the old leader resumed and caught up)
// the group quiesces again. The failover time is printed as a TAP comment.
import t from 'tap';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

/** Silence for an election timeout (0.5 s) wakes the group, then an election (0.5-1 s). */
const FAILOVER_BOUND_MS = 6_000;

async function allQuiesced(c: TestCluster): Promise<boolean> {
  const infos = await Promise.all(c.running().map((n) => c.raftInfo(n.id).catch(() => null)));
  return infos.every((i) => i !== null && i.raft_quiesced === '1');
}

t.test('an idle group quiesces, and a frozen quiesced leader is replaced', async (t) => {
  const c = await startCluster({ t });
  const { id: leader } = await c.waitForLeader({ writable: true });
  await waitUntil(() => allQuiesced(c), { timeoutMs: 10_000, intervalMs: 50, what: 'every node quiesced' });
  const info = await c.raftInfo(leader);
  t.equal(info.raft_groups_quiesced, '1', 'the host counts its quiesced group');

  const t0 = performance.now();
  c.pause(leader);
  const { id: next } = await c.waitForLeader({ exclude: [leader], writable: true, timeoutMs: 20_000 });
  const ms = performance.now() - t0;
  t.comment(
    `SIGSTOP of the quiesced leader ${leader} -> node ${next} acknowledged a write after ${ms.toFixed(0)} ms`,
  );
  t.ok(ms < FAILOVER_BOUND_MS, `failover ${ms.toFixed(0)} ms < ${FAILOVER_BOUND_MS} ms`);
  const woken = Number((await c.raftInfo(next)).raft_groups_woken_by_silence);
  t.ok(woken >= 1, 'the new leader was woken by its host noticing the silence');

  // Through the third node: the resumed old leader believes it still leads until it hears
  // the new term, and may answer a write sent to it in that moment with TRYAGAIN (correctly).
  const follower = c.running().find((n) => n.id !== next && n.id !== leader)!.id;
  t.equal(show(await c.query(follower, ['SET', 'k', 'v'])), '+OK', 'a write through a follower');
  c.resume(leader);
  await waitUntil(
    async () => {
      const got = await Promise.all(c.running().map((n) => c.query(n.id, ['GET', 'k'], { readonly: true })));
      return got.every((g) => show(g) === '"v"');
    },
    { timeoutMs: 10_000, intervalMs: 50, what: 'the write on every node, the resumed one too' },
  );
  await waitUntil(() => allQuiesced(c), {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: 'every node quiesced again',
  });
  t.pass('quiesced again once idle');
});
