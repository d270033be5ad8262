// WAIT in a 3-node cluster: the replicas counted are the followers whose Raft log holds the
// connection's writes.
// What: on the leader, after a write, WAIT 2 answers 2 once both followers hold it (and WAIT 0
// answers at once); with one follower down (SIGSTOP), WAIT 2 waits for its whole timeout and
// answers 1, and WAIT 1 answers 1 at once; after the follower resumes, WAIT 2 answers 2 again.
// A follower refuses WAIT with Redis's replica text (ROLE calls it a replica).
// How: a real 3-process cluster (helpers/cluster.ts); elapsed times are lower bounds.
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { conn, followersOf } from './helpers/cluster-probes.ts';
import { show } from './helpers/resp-client.ts';

t.test('WAIT counts the followers holding the writes', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const [f1, f2] = followersOf(c, leader) as [number, number];
  const onLeader = await conn(t, c.node(leader).clientPort);
  const onFollower = await conn(t, c.node(f1).clientPort);

  t.equal(show(await onLeader.send(['SET', 'k', 'v'])), '+OK');
  t.equal(show(await onLeader.send(['WAIT', '2', '5000'])), ':2', 'both followers hold the write');
  t.equal(show(await onLeader.send(['WAIT', '0', '0'])), ':2', 'WAIT 0 answers the count at once');
  t.match(
    show(await onFollower.send(['WAIT', '1', '0'])),
    /^-ERR WAIT cannot be used with replica instances/,
    'a follower is a replica',
  );

  c.pause(f2);
  t.teardown(() => {
    if (c.node(f2).state === 'paused') c.resume(f2);
  });
  t.equal(show(await onLeader.send(['SET', 'k', 'w'])), '+OK', 'a majority still commits');
  t.equal(show(await onLeader.send(['WAIT', '1', '5000'])), ':1', 'one follower holds it');
  const started = Date.now();
  t.equal(show(await onLeader.send(['WAIT', '2', '300'])), ':1', 'the paused one never acks');
  t.ok(Date.now() - started >= 290, 'WAIT 2 waited for its timeout');

  c.resume(f2);
  t.equal(show(await onLeader.send(['WAIT', '2', '10000'])), ':2', 'the resumed follower catches up');
});
