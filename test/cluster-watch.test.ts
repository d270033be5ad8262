// WATCH in cluster mode against writes already in the leader's log but not applied yet
// (regression: the chaos harness's kill-leader run found a compare-and-set, WATCH + GET +
// MULTI SET EXEC, that succeeded although another client's SET of the key had been
// acknowledged in between: EXEC only checked applied changes, and the SET was proposed
// ahead of the transaction but applied after EXEC's check).
//   - both followers paused (SIGSTOP): a SET of the watched key is proposed but cannot
//     commit; the watcher's EXEC answers *-1 at once (Redis: modified between WATCH and
//     EXEC), and after the followers resume the key holds the other client's value;
//   - the same with a pending write to a different key: EXEC is not aborted, it waits for
//     the quorum like any write and then applies.
//   - regression: a pipelined write followed by WATCH ... EXEC. The write's reply is delivered
//     while the leader handles a Raft Ready, the connection runs WATCH, MULTI, INCR, EXEC at
//     once, and EXEC flushed the write path, re-entering the driver in the middle of the
//     Ready: the leader crashed on the core's assertion. Now it answers like Redis.
//   - WATCH on a forwarding follower whose log lags (the leader's link to it cut by a proxy):
//     a SET of the watched key acknowledged by the leader after WATCH aborts the follower's
//     EXEC (nil: *-1 in RESP2, _ in RESP3) although the follower never saw the SET, so the
//     leader made the check (watch-pending.ts WatchGuard); a SET of another key does not,
//     and the forwarded transaction applies.
// How: a real 3-node cluster (helpers/cluster.ts, removed on t.teardown); raw RESP; the
// pending SET is observed in the leader's raft_last_index (bounded poll), no sleeps. The
// lagging follower: node 3, reached by the others through a LinkProxy (chaos/net) given as
// their raft-peer-dial; its long election timeout keeps it a follower that knows its leader
// while the link is cut.
import { LinkProxy } from '../chaos/net/link-proxy.ts';
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

for (const sameKey of [true, false]) {
  const name = sameKey
    ? 'a watched key written by an unapplied entry: EXEC aborts'
    : 'an unapplied write to another key: EXEC applies';
  t.test(name, async (t) => {
    const c = await startCluster({ size: 3, t });
    const leader = (await c.waitForLeader({ writable: true, known: true })).id;
    const followers = [1, 2, 3].filter((id) => id !== leader);
    const a = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 30_000 });
    const b = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 30_000 });
    t.teardown(() => {
      a.socket.destroy();
      b.socket.destroy();
    });
    const watched = sameKey ? 'k' : 'other';
    t.equal(show(await a.send(['WATCH', watched])), '+OK');
    t.equal(show(await a.send(['GET', watched])), '$-1');

    for (const f of followers) c.pause(f);
    const before = Number((await c.raftInfo(leader)).raft_last_index);
    const pendingSet = b.send(['SET', 'k', 'from-b']);
    await waitUntil(async () => Number((await c.raftInfo(leader)).raft_last_index) > before, {
      timeoutMs: 10_000,
      what: "the other client's SET in the leader's log",
    });
    t.equal(show(await a.send(['MULTI'])), '+OK');
    t.equal(show(await a.send(['SET', watched, 'from-a'])), '+QUEUED');
    const exec = a.send(['EXEC']);
    if (sameKey) t.equal(show(await exec), '*-1', 'aborted without waiting for the quorum');
    for (const f of followers) c.resume(f);
    if (!sameKey) t.equal(show(await exec), '[+OK]', 'applied once the quorum is back');
    t.match(show(await pendingSet), /^\+OK$|^-TRYAGAIN the write may or may not have been applied/);
    await waitUntil(async () => show(await c.query(leader, ['GET', 'k'])) === '"from-b"', {
      timeoutMs: 20_000,
      what: 'the SET of k commits',
    });
    t.equal(show(await c.query(leader, ['GET', 'other'])), sameKey ? '$-1' : '"from-a"');
  });
}

t.test('a write pipelined ahead of WATCH/MULTI/EXEC: the leader answers and stays up', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const a = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 30_000 });
  t.teardown(() => a.socket.destroy());
  for (let round = 1; round <= 3; round++) {
    const replies = await a.pipeline([
      ['SET', 'a', String(round)],
      ['WATCH', 'b'],
      ['MULTI'],
      ['INCR', 'b'],
      ['EXEC'],
      ['GET', 'b'],
    ]);
    t.same(
      replies.map(show),
      ['+OK', '+OK', '+OK', '+QUEUED', `[:${round}]`, `"${round}"`],
      `round ${round}: Redis's replies`,
    );
  }
  t.equal(show(await c.query(leader, ['GET', 'a'])), '"3"', 'the leader is still serving');
  const proc = c.node(leader).server.proc;
  t.equal(proc.exitCode === null && proc.signalCode === null, true, 'the leader process is alive');
});

t.test('EXEC with WATCH on a forwarding follower: the leader checks the watched keys', async (t) => {
  const lagging = 3;
  // Stands for the links into node 3; its target is set once the ports are known.
  const proxy = await LinkProxy.start({ target: { host: '127.0.0.1', port: 1 }, name: 'to-3' });
  t.teardown(() => proxy.close());
  const c = await startCluster({
    size: 3,
    t,
    nodeArgs: (id, ports) => {
      if (id === lagging) return ['--raft-election-ticks', '200'];
      proxy.setTarget({ host: '127.0.0.1', port: ports[lagging - 1]!.raft });
      return ['--raft-peer-dial', `${lagging}@${proxy.address}`];
    },
  });
  const leader = (await c.waitForLeader({ writable: true, known: true, timeoutMs: 20_000 })).id;
  t.not(leader, lagging, 'node 3 (long election timeout) is a follower');
  const applied = async (id: number): Promise<number> => Number((await c.raftInfo(id)).raft_applied_index);

  for (const resp of [2, 3] as const) {
    for (const touched of [true, false]) {
      const key = `w${resp}:${touched ? 'same' : 'other'}`;
      const a = await RespClient.connect(c.node(lagging).clientPort, { replyTimeoutMs: 30_000 });
      t.teardown(() => a.socket.destroy());
      if (resp === 3) await a.send(['HELLO', '3']);
      t.equal(show(await a.send(['WATCH', key])), '+OK');
      proxy.cut();
      const written = touched ? key : `w${resp}:elsewhere`;
      t.equal(show(await c.query(leader, ['SET', written, '41'])), '+OK', 'SET through the leader');
      t.ok((await applied(lagging)) < (await applied(leader)), 'the follower has not applied it');
      t.equal(show(await a.send(['MULTI'])), '+OK');
      t.equal(show(await a.send(['INCR', key])), '+QUEUED');
      const want = touched ? (resp === 2 ? '*-1' : '_') : '[:1]';
      t.equal(show(await a.send(['EXEC'])), want, `RESP${resp}: ${touched ? 'aborted' : 'applied'}`);
      proxy.heal();
      t.equal(show(await c.query(leader, ['GET', key])), touched ? '"41"' : '"1"', 'the leader state');
      a.socket.destroy();
    }
  }
});

t.test('WATCH on a lagging follower: a write acknowledged before WATCH does not abort EXEC', async (t) => {
  // Issue 20: WATCH used to start from the follower's own applied index, so a SET that the
  // leader had acknowledged before WATCH (not yet applied by the follower) counted as written
  // after it: compare-and-set through a lagging follower aborted with nothing to explain it.
  const lagging = 3;
  const proxy = await LinkProxy.start({ target: { host: '127.0.0.1', port: 1 }, name: 'to-3' });
  t.teardown(() => proxy.close());
  const c = await startCluster({
    size: 3,
    t,
    nodeArgs: (id, ports) => {
      if (id === lagging) return ['--raft-election-ticks', '200'];
      proxy.setTarget({ host: '127.0.0.1', port: ports[lagging - 1]!.raft });
      return ['--raft-peer-dial', `${lagging}@${proxy.address}`];
    },
  });
  const leader = (await c.waitForLeader({ writable: true, known: true, timeoutMs: 20_000 })).id;
  t.not(leader, lagging, 'node 3 (long election timeout) is a follower');
  const applied = async (id: number): Promise<number> => Number((await c.raftInfo(id)).raft_applied_index);
  const a = await RespClient.connect(c.node(lagging).clientPort, { replyTimeoutMs: 30_000 });
  t.teardown(() => a.socket.destroy());
  proxy.cut();
  t.equal(show(await c.query(leader, ['SET', 'cas', '41'])), '+OK', 'SET acknowledged by the leader');
  t.ok((await applied(lagging)) < (await applied(leader)), 'the follower has not applied it');
  const watch = a.send(['WATCH', 'cas']);
  proxy.heal();
  t.equal(show(await watch), '+OK');
  t.equal(show(await a.send(['GET', 'cas'])), '"41"');
  t.equal(show(await a.send(['MULTI'])), '+OK');
  t.equal(show(await a.send(['INCR', 'cas'])), '+QUEUED');
  t.equal(show(await a.send(['EXEC'])), '[:42]', 'the transaction applies');
  t.equal(show(await c.query(leader, ['GET', 'cas'])), '"42"');
});
